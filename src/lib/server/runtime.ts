import { openDatabase, type Database } from './db/client';
import { readConfig } from './config';
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
	if (!database) return;
	const opened = await database;
	database = undefined;
	await opened.close();
}
