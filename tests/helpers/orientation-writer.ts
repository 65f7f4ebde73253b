/**
 * The process the kill -9 test kills (orientations-kill.test.ts): writes WRITER_COUNT
 * orientations through createOrientation, each with its Idempotency-Key, WRITER_CONCURRENCY at a
 * time, and prints `ack <key> <id>` once each is acknowledged (committed), nothing else on
 * stdout. Run with tsx: `tsx --tsconfig tsconfig.cli.json tests/helpers/orientation-writer.ts`.
 *
 * Environment: DATABASE_URL, WRITER_RUN (the keys' prefix), WRITER_PRINCIPAL, WRITER_COUNT,
 * WRITER_CONCURRENCY, WRITER_STRUCTURES (JSON, see RunStructures).
 */
import { openDatabase } from '$lib/server/db/client';
import { createOrientation } from '$lib/server/services/orientations';
import { runCaller, runKey, runRequest, type RunStructures } from './orientation-run';

const env = (name: string) => {
	const value = process.env[name];
	if (!value) throw new Error(`${name} manquant`);
	return value;
};

const database = await openDatabase({ databaseUrl: env('DATABASE_URL'), migrationsDir: 'drizzle' });
const run = env('WRITER_RUN');
const caller = runCaller(env('WRITER_PRINCIPAL'));
const count = Number(env('WRITER_COUNT'));
const structures = JSON.parse(env('WRITER_STRUCTURES')) as RunStructures;
let next = 0;

async function worker(): Promise<void> {
	while (next < count) {
		const n = next++;
		const key = runKey(run, n);
		const { id } = await createOrientation(
			database.db,
			caller,
			runRequest(n, structures),
			undefined,
			{ idempotencyKey: key }
		);
		process.stdout.write(`ack ${key} ${id}\n`);
	}
}

await Promise.all(Array.from({ length: Number(env('WRITER_CONCURRENCY')) }, worker));
await database.close();
process.stdout.write('done\n');
