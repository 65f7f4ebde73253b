import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { acquireDataDirLock, explainDataDirError, type DataDirLock } from './lock';
import * as schema from './schema';

/** The one database type the services see, whichever driver is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
	db: Db;
	driver: 'pglite' | 'postgres';
	/** Human-readable location, for logs (never the password). */
	location: string;
	close(): Promise<void>;
}

export interface OpenOptions {
	/** A PostgreSQL URL; when absent, the embedded PGlite database in `dataDir` is used. */
	databaseUrl?: string;
	/** PGlite data directory, or `memory://` for an in-memory database (tests). */
	dataDir?: string;
	migrationsDir: string;
	/** Who opens the embedded data dir: written in its lock so another process can name it. */
	owner?: { role: 'server' | 'cli'; url?: string };
}

// Arbitrary constant: serialises migrations when several servers start against one PostgreSQL.
const MIGRATION_LOCK_KEY = 727_442_001;

export async function openDatabase(options: OpenOptions): Promise<Database> {
	if (options.databaseUrl) return openPostgres(options.databaseUrl, options.migrationsDir);
	return openPglite(options.dataDir ?? './data', options.migrationsDir, options.owner);
}

async function openPglite(
	dataDir: string,
	migrationsDir: string,
	owner: OpenOptions['owner']
): Promise<Database> {
	const inMemory = dataDir.startsWith('memory://');
	// PGlite is single-process: a second process writing the same directory silently loses rows,
	// so the directory is locked before it is opened (contract §5).
	let lock: DataDirLock | undefined;
	if (!inMemory) lock = acquireDataDirLock(dataDir, owner ?? { role: 'cli' });
	try {
		const client = await PGlite.create(inMemory ? undefined : dataDir, {
			extensions: { pg_trgm, unaccent }
		});
		const db = drizzlePglite(client, { schema }) as unknown as Db;
		await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: migrationsDir });
		return {
			db,
			driver: 'pglite',
			location: inMemory ? 'PGlite en mémoire' : `PGlite ${dataDir}`,
			async close() {
				await client.close();
				lock?.release();
			}
		};
	} catch (error) {
		lock?.release();
		throw explainDataDirError(error, dataDir);
	}
}

async function openPostgres(url: string, migrationsDir: string): Promise<Database> {
	const client = postgres(url, { max: 10, onnotice: () => {} });
	const db = drizzlePostgres(client, { schema });
	const reserved = await client.reserve();
	try {
		await reserved`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
		await migratePostgres(db, { migrationsFolder: migrationsDir });
	} finally {
		await reserved`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
		reserved.release();
	}
	const parsed = new URL(url);
	return {
		db: db as unknown as Db,
		driver: 'postgres',
		location: `PostgreSQL ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
		async close() {
			await client.end({ timeout: 5 });
		}
	};
}

/** Rows of a raw query, whichever driver ran it (PGlite returns {rows}, postgres.js an array). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
	const result = (await db.execute(query)) as unknown;
	return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}
