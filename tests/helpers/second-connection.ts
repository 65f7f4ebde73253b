/**
 * A second, independent handle on a test database: on PostgreSQL, a new connection pool to the
 * same database (what another app instance would have). PGlite in memory lives in this process
 * only: there is no second connection to open, and null is returned.
 */
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Db } from '$lib/server/db/client';
import * as schema from '$lib/server/db/schema';
import type { TestDatabase } from './databases';

export interface SecondConnection {
	db: Db;
	close(): Promise<void>;
}

export function openSecondConnection(t: TestDatabase): SecondConnection | null {
	if (t.kind !== 'postgres' || !t.url) return null;
	const client = postgres(t.url, { max: 2, onnotice: () => {} });
	return {
		db: drizzle(client, { schema }) as unknown as Db,
		close: () => client.end({ timeout: 5 })
	};
}
