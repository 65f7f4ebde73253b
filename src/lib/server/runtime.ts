import { openDatabase, type Database } from './db/client';
import { readConfig } from './config';
import { purge } from './services/privacy';
import { initializeInstance } from './services/setup';

let database: Promise<Database> | undefined;

function serverUrl(): string {
	if (process.env.ORIGIN) return process.env.ORIGIN;
	return `http://${process.env.HOST ?? 'localhost'}:${process.env.PORT ?? '3000'}`;
}

/**
 * The server's one database: opened once, migrated, and on first start loaded with the geography
 * and the demo territory. The server holds the embedded data dir's lock while it runs.
 */
export function getDatabase(): Promise<Database> {
	database ??= (async () => {
		const config = readConfig();
		const started = performance.now();
		const opened = await openDatabase({
			databaseUrl: config.databaseUrl,
			dataDir: config.dataDir,
			migrationsDir: config.migrationsDir,
			owner: { role: 'server', url: serverUrl() }
		});
		await initializeInstance(opened.db, {
			demo: config.seedDemo,
			progress: (message) => console.log(`[bon-tiers] ${message}`)
		});
		console.log(
			`[bon-tiers] Base prête (${opened.location}) en ${Math.round(performance.now() - started)} ms — ${serverUrl()}`
		);
		return opened;
	})();
	return database;
}

export async function closeDatabase(): Promise<void> {
	if (housekeeping) clearTimeout(housekeeping);
	if (!database) return;
	const opened = await database;
	database = undefined;
	await opened.close();
}

let housekeeping: NodeJS.Timeout | undefined;

/** The daily purge (retention of orientation data, expired sessions), first an hour after start. */
export function startHousekeeping(): void {
	if (housekeeping) return;
	const run = async () => {
		try {
			const { db } = await getDatabase();
			const result = await purge(db);
			console.log(`[bon-tiers] Purge quotidienne : ${JSON.stringify(result)}`);
		} catch (error) {
			console.error('[bon-tiers] Purge quotidienne en échec', error);
		}
	};
	const first = setTimeout(() => {
		void run();
		housekeeping = setInterval(() => void run(), 24 * 3_600_000);
		housekeeping.unref();
	}, 3_600_000);
	first.unref();
	housekeeping = first;
}
