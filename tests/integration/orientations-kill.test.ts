/**
 * kill -9 in the middle of a run of creates, on PostgreSQL (issue 12): a separate process writes
 * 1 000 orientations, each with its Idempotency-Key, printing each acknowledged one; it is killed
 * with SIGKILL midway, some transactions in flight. Every key of the run is then retried here:
 * every acknowledged orientation is there with its audit entry, the retries return it, and no key
 * has two records — an orientation, its key and its audit entry are written together or not at
 * all. PGlite is left out: one process owns its data dir (contract §5), there is no second writer
 * to kill.
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '$lib/server/db/client';
import { createOrientation } from '$lib/server/services/orientations';
import { useTestDatabase } from '../helpers/databases';
import { ask } from '../factories/orientations';
import {
	runCaller,
	runKey,
	runRequest,
	RUN_TERRITORY,
	type RunStructures
} from '../helpers/orientation-run';

const COUNT = 1000;
/** Killed once this many are acknowledged: midway. */
const KILL_AFTER = 400;
const WRITER = 'tests/helpers/orientation-writer.ts';

interface WriterRun {
	acknowledged: Map<string, string>;
	signal: NodeJS.Signals | null;
	finished: boolean;
	stderr: string;
}

/** Starts the writer and kills it with SIGKILL after `killAfter` acknowledgements. */
function runWriter(env: Record<string, string>, killAfter: number): Promise<WriterRun> {
	const base = { ...process.env };
	delete base.DATA_DIR;
	return new Promise((resolve, reject) => {
		// Node itself with tsx as a loader, not the tsx command: that one runs the script in a child
		// process of its own, which a SIGKILL of the command would leave running.
		const child = spawn(process.execPath, ['--import', 'tsx', WRITER], {
			cwd: process.cwd(),
			env: { ...base, TSX_TSCONFIG_PATH: path.resolve('tsconfig.cli.json'), ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		const acknowledged = new Map<string, string>();
		let pending = '';
		let stderr = '';
		let finished = false;
		const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
		child.stdout.on('data', (chunk: Buffer) => {
			pending += chunk.toString();
			const lines = pending.split('\n');
			// Only whole lines count: a line cut by the kill was not acknowledged.
			pending = lines.pop() ?? '';
			for (const line of lines) {
				const [word, key, id] = line.split(' ');
				if (word === 'ack' && key && id) acknowledged.set(key, id);
				if (word === 'done') finished = true;
			}
			if (acknowledged.size >= killAfter && child.exitCode === null) child.kill('SIGKILL');
		});
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.once('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.once('close', (_code, signal) => {
			clearTimeout(timer);
			resolve({ acknowledged, signal, finished, stderr });
		});
	});
}

const keyHash = (key: string) => createHash('sha256').update(key).digest('hex');

describe('kill -9 during a run of creates on postgres', () => {
	const t = useTestDatabase('postgres', { demo: true });

	it('keeps every acknowledged orientation with its audit entry, and one record per key', async () => {
		const principal = `kill-${randomUUID()}`;
		const caller = runCaller(principal);
		const run = `run-${randomUUID().slice(0, 8)}`;
		const structures = {} as RunStructures;
		for (const commune of ['13204', '13212'] as const) {
			const { note: _note, structure: _structure, ...request } = runRequest(0, structures);
			const answer = await ask(t.db, caller, { ...request, commune } as never);
			structures[commune] = answer.result.recommendations[0]?.structure.id as string;
			expect(structures[commune]).toBeDefined();
		}

		const writer = await runWriter(
			{
				DATABASE_URL: t.url as string,
				WRITER_RUN: run,
				WRITER_PRINCIPAL: principal,
				WRITER_COUNT: String(COUNT),
				WRITER_CONCURRENCY: '4',
				WRITER_STRUCTURES: JSON.stringify(structures)
			},
			KILL_AFTER
		);
		expect(writer.stderr).toBe('');
		expect(writer.signal).toBe('SIGKILL');
		expect(writer.finished).toBe(false);
		expect(writer.acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER);
		expect(writer.acknowledged.size).toBeLessThan(COUNT);

		// What the killed process left: at least what it acknowledged, each with its key and audit.
		const left = await queryRows<{ id: string; key_hash: string | null; audits: number }>(
			t.db,
			sql`select o.id, k.key_hash,
					(select count(*) from audit_log a
						where a.action = 'orientation.create' and a.target_id = o.id)::int as audits
				from orientations o left join idempotency_keys k on k.orientation_id = o.id
				where o.created_by = ${principal}`
		);
		const leftIds = new Set(left.map((r) => r.id));
		for (const id of writer.acknowledged.values()) expect(leftIds.has(id)).toBe(true);
		for (const row of left) {
			expect(row.key_hash, row.id).not.toBeNull();
			expect(row.audits, row.id).toBe(1);
		}

		// Every key of the run retried, acknowledged or not.
		const byKey = new Map<string, string>();
		for (let n = 0; n < COUNT; n++) {
			const key = runKey(run, n);
			const result = await createOrientation(t.db, caller, runRequest(n, structures), undefined, {
				idempotencyKey: key
			});
			byKey.set(key, result.id);
			const acknowledged = writer.acknowledged.get(key);
			if (acknowledged) {
				expect(result).toMatchObject({ id: acknowledged, replayed: true });
			}
		}
		expect(new Set(byKey.values()).size).toBe(COUNT);

		const rows = await queryRows<{ id: string; key_hash: string | null; audits: number }>(
			t.db,
			sql`select o.id, k.key_hash,
					(select count(*) from audit_log a
						where a.action = 'orientation.create' and a.target_id = o.id)::int as audits
				from orientations o left join idempotency_keys k on k.orientation_id = o.id
				where o.created_by = ${principal}`
		);
		// One orientation per key, none without its key, each with exactly one audit entry.
		expect(rows).toHaveLength(COUNT);
		const idByHash = new Map(rows.map((r) => [r.key_hash, r.id]));
		for (const [key, id] of byKey) expect(idByHash.get(keyHash(key))).toBe(id);
		for (const row of rows) expect(row.audits, row.id).toBe(1);
		const [keys] = await queryRows<{ n: number }>(
			t.db,
			sql`select count(*)::int as n from idempotency_keys where principal_id = ${principal}`
		);
		expect(keys?.n).toBe(COUNT);
		// All of them in the territory of the run.
		const [outside] = await queryRows<{ n: number }>(
			t.db,
			sql`select count(*)::int as n from orientations
				where created_by = ${principal} and territory_id <> ${RUN_TERRITORY}`
		);
		expect(outside?.n).toBe(0);
	});
});
