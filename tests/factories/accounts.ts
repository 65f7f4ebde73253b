/**
 * Factories for accounts, sessions and the audit log. Argon2 costs ≈ 80 ms a hash: the shared
 * password is hashed once per test file and its hash reused for every account inserted here;
 * `createUser` (which hashes) is kept for the tests that are about it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import { sessions, territories, userTerritories, users } from '$lib/server/db/schema';
import { hashPassword } from '$lib/server/auth/password';
import { sha256 } from '$lib/server/auth/crypto';
import type { Role } from '$lib/domain/roles';

/** A password that satisfies the rules (≥ 12 characters, not common, zxcvbn score ≥ 3). */
export const PASSWORD = 'tartine-boussole-girafe-1987';
export const OTHER_PASSWORD = 'cormoran-lavande-trottinette-42';

let passwordHash: Promise<string> | undefined;
/** The Argon2id hash of PASSWORD, computed once. */
export function hashedPassword(): Promise<string> {
	passwordHash ??= hashPassword(PASSWORD);
	return passwordHash;
}

let sequence = 0;
/** A fresh address at each call, so that tests sharing a database never share an account. */
export function uniqueEmail(name = 'agent'): string {
	sequence++;
	return `${name}.${sequence}.${randomBytes(3).toString('hex')}@example.fr`;
}

/** A fresh client address (TEST-NET-3), so that address counters never mix between tests. */
let addressSequence = 0;
export function uniqueIp(): string {
	addressSequence++;
	return `203.0.${113 + Math.floor(addressSequence / 250)}.${addressSequence % 250}`;
}

export async function insertTerritory(db: Db, id: string, name = `Territoire ${id}`) {
	await db.insert(territories).values({ id, name }).onConflictDoNothing();
	return id;
}

export interface TestUser {
	id: string;
	email: string;
	password: string;
}

/** An account inserted directly, with PASSWORD (already hashed) unless `password: false`. */
export async function insertUser(
	db: Db,
	options: {
		email?: string;
		role?: Role;
		territories?: string[];
		disabled?: boolean;
		password?: boolean;
	} = {}
): Promise<TestUser> {
	const id = randomUUID();
	const email = options.email ?? uniqueEmail(options.role ?? 'agent');
	await db.insert(users).values({
		id,
		email,
		role: options.role ?? 'agent',
		passwordHash: options.password === false ? null : await hashedPassword(),
		disabledAt: options.disabled ? new Date() : null
	});
	if (options.territories?.length) {
		await db
			.insert(userTerritories)
			.values(options.territories.map((territoryId) => ({ userId: id, territoryId })));
	}
	return { id, email, password: PASSWORD };
}

/** A session row written directly (no login): its token, hash and chosen times. */
export async function insertSession(
	db: Db,
	userId: string,
	options: { lastSeenAt?: Date; expiresAt?: Date } = {}
): Promise<{ token: string; tokenHash: string }> {
	const token = randomBytes(32).toString('base64url');
	const tokenHash = sha256(token);
	await db.insert(sessions).values({
		tokenHash,
		userId,
		lastSeenAt: options.lastSeenAt ?? new Date(),
		expiresAt: options.expiresAt ?? new Date(Date.now() + 3_600_000)
	});
	return { token, tokenHash };
}

export function minutesAgo(minutes: number, from = Date.now()): Date {
	return new Date(from - minutes * 60_000);
}

/** The token hashes of a user's sessions, sorted. */
export async function sessionHashesOf(db: Db, userId: string): Promise<string[]> {
	const rows = await queryRows<{ token_hash: string }>(
		db,
		sql`select token_hash from sessions where user_id = ${userId} order by token_hash`
	);
	return rows.map((r) => r.token_hash);
}

/** Every row of a table as JSON text, to prove a secret appears nowhere in it. */
export async function tableText(
	db: Db,
	table: 'sessions' | 'api_tokens' | 'audit_log' | 'login_throttle' | 'users'
): Promise<string> {
	const rows = await queryRows<{ row: unknown }>(
		db,
		sql`select row_to_json(t)::text as row from ${sql.identifier(table)} t`
	);
	return rows.map((r) => String(r.row)).join('\n');
}

export interface AuditRow {
	id: string | number;
	actor_type: string;
	actor_id: string | null;
	actor_label: string | null;
	action: string;
	outcome: string;
	target_type: string | null;
	target_id: string | null;
	territory_id: string | null;
	ip: string | null;
	details: Record<string, unknown> | null;
}

/** Audit rows of one client address (each test uses its own), oldest first. */
export async function auditRowsFromIp(db: Db, ip: string): Promise<AuditRow[]> {
	return queryRows<AuditRow>(db, sql`select * from audit_log where ip = ${ip} order by id`);
}

/** Every message of an error and of its causes (drizzle wraps driver errors). */
export function errorText(error: unknown): string {
	const parts: string[] = [];
	for (let e = error, depth = 0; e && depth < 5; depth++) {
		parts.push(e instanceof Error ? e.message : String(e));
		e = e instanceof Error ? e.cause : undefined;
	}
	return parts.join('\n');
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
	const outcome = await promise.then(
		() => ({ resolved: true as const }),
		(error: unknown) => ({ resolved: false as const, error })
	);
	if (outcome.resolved) throw new Error('expected a rejection, got a result');
	return outcome.error;
}
