/**
 * Every integration test file runs the same suite on both databases the app supports: embedded
 * PGlite (in memory) and a real PostgreSQL server started by tests/setup/postgres-server.ts, each
 * test file getting a fresh database of its own.
 *
 *   describe.each(DATABASES)('on %s', (kind) => {
 *     const t = useTestDatabase(kind, { geography: true });
 *     it('…', async () => { await doSomething(t.db); });
 *   });
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, inject } from 'vitest';
import { openDatabase, type Database, type Db } from '$lib/server/db/client';
import { ensureGeography, seedDemo } from '$lib/server/services/setup';

export const DATABASES = ['pglite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASES)[number];

export const MIGRATIONS_DIR = 'drizzle';

export interface TestDatabase {
	kind: DatabaseKind;
	db: Db;
	database: Database;
	/** For PostgreSQL, the URL of this test's own database (e.g. for a CLI child process). */
	url?: string;
	/** Closes the connection; on PostgreSQL, also drops the test database. */
	close(): Promise<void>;
}

function adminClient(url: string) {
	return postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 30 });
}

/** A fresh, migrated database: PGlite in memory, or a new database on the test server. */
export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
	if (kind === 'pglite') {
		const database = await openDatabase({ dataDir: 'memory://', migrationsDir: MIGRATIONS_DIR });
		return { kind, db: database.db, database, close: () => database.close() };
	}
	const serverUrl = inject('postgresUrl');
	const name = `test_${randomBytes(6).toString('hex')}`;
	const admin = adminClient(serverUrl);
	try {
		await admin.unsafe(`create database ${name}`);
	} finally {
		await admin.end({ timeout: 5 });
	}
	const url = new URL(serverUrl);
	url.pathname = `/${name}`;
	let database: Database;
	try {
		database = await openDatabase({ databaseUrl: url.href, migrationsDir: MIGRATIONS_DIR });
	} catch (error) {
		await dropDatabase(serverUrl, name);
		throw error;
	}
	return {
		kind,
		db: database.db,
		database,
		url: url.href,
		async close() {
			try {
				await database.close();
			} finally {
				await dropDatabase(serverUrl, name);
			}
		}
	};
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
	const admin = adminClient(serverUrl);
	try {
		await admin.unsafe(`drop database if exists ${name} with (force)`);
	} finally {
		await admin.end({ timeout: 5 });
	}
}

/**
 * Opens a test database for the enclosing describe block (beforeAll) and closes it afterwards.
 * `geography` loads the places of France and the shipped boundaries (a few seconds: once per
 * file and database); `demo` also loads the demo territory marseille-4-12.
 * The returned object's fields are set once beforeAll has run.
 */
export function useTestDatabase(
	kind: DatabaseKind,
	options: { geography?: boolean; demo?: boolean } = {}
): TestDatabase {
	const handle = {} as TestDatabase;
	beforeAll(async () => {
		Object.assign(handle, await openTestDatabase(kind));
		if (options.geography || options.demo) await ensureGeography(handle.db);
		if (options.demo) await seedDemo(handle.db);
	});
	afterAll(async () => {
		await handle.close?.();
	});
	return handle;
}
