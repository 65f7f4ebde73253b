import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { DrizzleQueryError, sql, type SQL } from 'drizzle-orm';
import { PgPreparedQuery, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { acquireDataDirLock, explainDataDirError, type DataDirLock } from './lock';
import { CACHE_CHANNEL, watchDatabase } from './notify';
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
			extensions: { pg_trgm, unaccent },
			...emptyCluster(inMemory ? null : dataDir, migrationsDir)
		});
		const db = withSanitizedTransactions(drizzlePglite(client, { schema }) as unknown as Db);
		await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: migrationsDir });
		// PGlite calls the listener before the committing query's promise resolves (one process,
		// one connection), so its views are never stale.
		const notify = watchDatabase(db);
		const unlisten = await client.listen(CACHE_CHANNEL, (payload) => notify(payload));
		return {
			db,
			driver: 'pglite',
			location: inMemory ? 'PGlite en mémoire' : `PGlite ${dataDir}`,
			async close() {
				await unlisten();
				await client.close();
				lock?.release();
			}
		};
	} catch (error) {
		lock?.release();
		throw explainDataDirError(error, dataDir);
	}
}

/**
 * The archive of an empty cluster made at build time (scripts/pglite-template.mjs), for a data
 * directory that holds no database yet: loading it skips PGlite's initdb (4 to 5 s of a first
 * start). Used only when it was made by the PGlite installed; anything else runs initdb.
 */
function emptyCluster(dataDir: string | null, migrationsDir: string): { loadDataDir?: Blob } {
	if (dataDir !== null && fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return {};
	const root = path.dirname(path.resolve(migrationsDir));
	const archive = path.join(root, 'build', 'pglite-template.tar.gz');
	try {
		const stamp = JSON.parse(fs.readFileSync(`${archive}.json`, 'utf8')) as { pglite?: string };
		const installed = JSON.parse(
			fs.readFileSync(
				path.join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json'),
				'utf8'
			)
		) as { version?: string };
		if (!stamp.pglite || stamp.pglite !== installed.version) return {};
		return { loadDataDir: new Blob([fs.readFileSync(archive)]) };
	} catch {
		return {};
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
	const wrapped = withSanitizedTransactions(db as unknown as Db);
	// postgres.js listens on a connection of its own and listens again after a reconnection; each
	// (re)connection drops every view (notifications sent while it was down are lost).
	const notify = watchDatabase(wrapped);
	droppingViewsAtCommit(wrapped, notify);
	const listening = await client.listen(
		CACHE_CHANNEL,
		(payload) => notify(payload),
		() => notify(null)
	);
	return {
		db: wrapped,
		driver: 'postgres',
		location: `PostgreSQL ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
		async close() {
			await listening.unlisten().catch(() => {});
			await client.end({ timeout: 5 });
		}
	};
}

/* --------------------------- Database errors, safe to print --------------------------- */

/**
 * A failed query as the rest of the app sees it: the SQLSTATE `code`, the `constraint`, `table`
 * and `column` it names, and the statement's text (placeholders `$1`…, never their values), but
 * neither the parameters nor the server's `detail` (« Failing row contains (…, <the note>) »,
 * « Key (id)=(…) »), nor a message that may quote a value (« invalid input syntax for type
 * integer: "…" »), nor the driver's error as `cause` (it carries all of them). Whatever prints it
 * — handleError, the CLI, the daily purge's log — prints nothing the request brought.
 */
export class DatabaseQueryError extends Error {
	/** SQLSTATE (`23505`), or the driver's code for a connection failure (`ECONNREFUSED`). */
	readonly code: string | undefined;
	readonly constraint: string | undefined;
	readonly table: string | undefined;
	readonly column: string | undefined;
	readonly query: string | undefined;

	constructor(fields: {
		code?: string;
		constraint?: string;
		table?: string;
		column?: string;
		query?: string;
		serverMessage?: string;
	}) {
		const said = [
			fields.code && `SQLSTATE ${fields.code}`,
			fields.constraint && `contrainte ${fields.constraint}`,
			fields.table && `table ${fields.table}`,
			fields.column && `colonne ${fields.column}`
		].filter(Boolean);
		super(
			`Requête refusée par la base de données${said.length > 0 ? ` (${said.join(', ')})` : ''}` +
				(fields.serverMessage ? ` : ${fields.serverMessage}` : '')
		);
		this.name = 'DatabaseQueryError';
		this.code = fields.code;
		this.constraint = fields.constraint;
		this.table = fields.table;
		this.column = fields.column;
		this.query = fields.query;
	}
}

/**
 * SQLSTATE classes whose server message names objects only, never a value: connection (08),
 * integrity constraints (23: « duplicate key value violates unique constraint "…" », the values
 * being in `detail`), transaction rollback (40), syntax or access rule (42: it may quote the
 * statement, which holds placeholders only), resources (53), object state (55), operator
 * intervention (57), and P0, the RAISE of this project's own triggers (migrations), whose
 * wording is constant (« audit_log is append-only ») — a trigger must never format a value into
 * it. Any other class (22, data exceptions, quotes the value) keeps its code alone.
 */
const SAFE_MESSAGE_CLASSES = new Set(['08', '23', '40', '42', '53', '55', '57', 'P0']);

const SQLSTATE = /^[0-9A-Z]{5}$/;

function stringField(source: object, ...names: string[]): string | undefined {
	for (const name of names) {
		const value = (source as Record<string, unknown>)[name];
		if (typeof value === 'string' && value !== '') return value;
	}
	return undefined;
}

/** Whether an error comes from a database driver (postgres.js, PGlite) or drizzle's wrapper. */
function isDriverError(error: object): boolean {
	if (error instanceof DrizzleQueryError) return true;
	const e = error as Record<string, unknown>;
	return (
		typeof e.code === 'string' &&
		('severity' in e || 'routine' in e || 'params' in e || 'parameters' in e || 'query' in e)
	);
}

/**
 * The error safe to print: a drizzle or driver error becomes a {@link DatabaseQueryError} (see
 * there for what it keeps); any other error, the app's own included, is returned unchanged.
 */
export function sanitizeDatabaseError(error: unknown): unknown {
	if (!error || typeof error !== 'object' || error instanceof DatabaseQueryError) return error;
	if (!isDriverError(error)) return error;
	const query = error instanceof DrizzleQueryError ? error.query : stringField(error, 'query');
	// The driver's error: drizzle's cause, or the error itself.
	let source: object = error;
	const cause = (error as { cause?: unknown }).cause;
	if (error instanceof DrizzleQueryError && cause && typeof cause === 'object') source = cause;
	if (source instanceof DatabaseQueryError) return new DatabaseQueryError({ ...source, query });
	const code = stringField(source, 'code');
	const message = source instanceof Error ? source.message : undefined;
	// A driver's own code (ECONNREFUSED, CONNECTION_CLOSED) comes with a message about the
	// connection; drizzle's own message lists the parameters.
	const safe =
		code !== undefined &&
		(SQLSTATE.test(code) ? SAFE_MESSAGE_CLASSES.has(code.slice(0, 2)) : true) &&
		!(source instanceof DrizzleQueryError);
	return new DatabaseQueryError({
		code,
		constraint: stringField(source, 'constraint', 'constraint_name'),
		table: stringField(source, 'table', 'table_name'),
		column: stringField(source, 'column', 'column_name'),
		query,
		serverMessage: safe ? message : undefined
	});
}

/**
 * Every query of either driver runs through drizzle's PgPreparedQuery.queryWithCache, which wraps
 * a failure in a DrizzleQueryError whose message and `params` hold the parameters (a note
 * included) and whose `cause` holds the driver's error (`detail`, `params`, `parameters`).
 * Drizzle offers no hook on errors (its logger sees successful queries only), so the one method
 * is wrapped here, once per process, to throw a {@link DatabaseQueryError} instead.
 */
const SANITIZED = Symbol.for('bon-tiers.sanitized-database-errors');

function sanitizeQueryErrors(): void {
	const prototype = PgPreparedQuery.prototype as unknown as Record<PropertyKey, unknown> & {
		queryWithCache: (...args: unknown[]) => Promise<unknown>;
	};
	if (prototype[SANITIZED]) return;
	const original = prototype.queryWithCache;
	prototype.queryWithCache = async function (this: unknown, ...args: unknown[]) {
		try {
			return await original.apply(this, args);
		} catch (error) {
			throw sanitizeDatabaseError(error);
		}
	};
	prototype[SANITIZED] = true;
}

sanitizeQueryErrors();

/**
 * A transaction's own failures (BEGIN, COMMIT, a deferred constraint) come from the driver
 * without passing through queryWithCache: sanitised too. Errors thrown by the callback, the
 * app's own included, pass unchanged (sanitizeDatabaseError leaves them alone).
 */
function withSanitizedTransactions(db: Db): Db {
	const transaction = db.transaction.bind(db);
	db.transaction = (async (...args: Parameters<Db['transaction']>) => {
		try {
			return await transaction(...args);
		} catch (error) {
			throw sanitizeDatabaseError(error);
		}
	}) as Db['transaction'];
	return db;
}

/**
 * With PostgreSQL, a notification reaches this process on the listening connection, a moment
 * after the writing transaction's COMMIT has returned on another: the next request could still
 * read the views of before. So each transaction reads, just before it commits, which views its
 * statements changed (the triggers of migration 0011 note them in a transaction-local setting),
 * and drops them once the commit has returned. One more query per transaction; none for reads
 * outside transactions. PGlite needs none of this (its listener runs before the commit returns).
 */
function droppingViewsAtCommit(db: Db, notify: (payload: string | null) => void): void {
	const transaction = db.transaction.bind(db);
	db.transaction = (async (...args: Parameters<Db['transaction']>) => {
		const [work, config] = args;
		let changed = '';
		const result = await transaction(async (tx) => {
			const value = await work(tx);
			const rows = await queryRows<{ changed: string | null }>(
				tx as unknown as Db,
				sql`select current_setting('bon_tiers.changed', true) as changed`
			);
			changed = rows[0]?.changed ?? '';
			return value;
		}, config);
		for (const name of new Set(changed.split(',').filter((n) => n !== ''))) notify(name);
		return result;
	}) as Db['transaction'];
}

/** Rows of a raw query, whichever driver ran it (PGlite returns {rows}, postgres.js an array). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
	const result = (await db.execute(query)) as unknown;
	return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}
