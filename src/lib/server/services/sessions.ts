import { eq, lt, or, sql } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { sessions, users } from '$lib/server/db/schema';
import { randomSecret, sha256 } from '$lib/server/auth/crypto';
import { verifyDecoy, verifyPassword } from '$lib/server/auth/password';
import type { Caller, Principal } from '$lib/server/auth/principal';
import { z } from '$lib/schemas/zod';
import { readConfig } from '$lib/server/config';
import { audit } from './audit';
import { authGeneration, cachedSession, forgetSession, rememberSession } from './auth-cache';
import { claimAttempt, clearFailures, releaseAttempt, retryAfter, throttleKey } from './throttle';
import { findUserByEmail, getUser, userPrincipal } from './users';

/** Session lifetimes: ended after this long without activity, and in any case after the maximum. */
export function sessionPolicy(env: Record<string, string | undefined> = process.env) {
	return readConfig(env).session;
}

// Writing last_seen_at on every request would be a write per page view: once a minute is enough.
const TOUCH_EVERY_MS = 60_000;

export type LoginResult =
	| { ok: true; token: string; principal: Principal; expiresAt: Date }
	| { ok: false; reason: 'invalid' }
	| { ok: false; reason: 'throttled'; retryAfter: number };

/**
 * Email + password sign-in. Any account with a password may use it, whatever its `auth_provider`:
 * a local account later linked to ProConnect keeps its password (services/oidc-accounts.ts, which
 * ends the same way, with `startSession`, once it has found the account from the `sub` claim).
 */
export async function login(
	db: Db,
	input: { email: string; password: string; ip: string }
): Promise<LoginResult> {
	const email = input.email.trim().toLowerCase();
	// What was typed is logged only when it is an email address: people type their password
	// into the email field often enough, and the audit log must never hold a password.
	const typed = z.email().safeParse(email).success ? email : null;
	const pairKey = throttleKey('pair', email, input.ip);
	const accountKey = throttleKey('account', email);
	const ipKey = throttleKey('ip', input.ip);
	// Each attempt is counted before the password is checked, so that simultaneous guesses
	// cannot all get in before the first failure is recorded.
	let wait = await retryAfter(db, [pairKey, accountKey, ipKey]);
	if (wait === 0) wait = await claimAttempt(db, 'pair', pairKey);
	if (wait === 0) wait = await claimAttempt(db, 'account', accountKey);
	if (wait === 0) wait = await claimAttempt(db, 'ip', ipKey);
	if (wait > 0) {
		await audit(db, {
			actor: { type: 'anonymous', label: typed },
			action: 'auth.login',
			outcome: 'denied',
			ip: input.ip,
			details: { reason: 'throttled', retry_after: wait }
		});
		return { ok: false, reason: 'throttled', retryAfter: wait };
	}
	const row = await findUserByEmail(db, email);
	const valid = row?.passwordHash
		? await verifyPassword(row.passwordHash, input.password)
		: (await verifyDecoy(input.password), false);
	if (!row || !valid || row.disabledAt) {
		await audit(db, {
			actor: row
				? { type: 'user', id: row.id, label: row.email }
				: { type: 'anonymous', label: typed },
			action: 'auth.login',
			outcome: 'failure',
			ip: input.ip,
			details: {
				reason: !row ? 'unknown_account' : row.disabledAt && valid ? 'disabled' : 'bad_password'
			}
		});
		return { ok: false, reason: 'invalid' };
	}
	await clearFailures(db, [pairKey, accountKey]);
	await releaseAttempt(db, ipKey);
	const user = await getUser(db, row.id);
	if (!user) return { ok: false, reason: 'invalid' };
	const { token, expiresAt } = await startSession(db, user.id);
	await db.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, user.id));
	await audit(db, {
		actor: { type: 'user', id: user.id, label: user.email },
		action: 'auth.login',
		outcome: 'success',
		ip: input.ip
	});
	return { ok: true, token, principal: userPrincipal(user), expiresAt };
}

/** A new random token (256 bits) for every sign-in; only its hash is stored. */
export async function startSession(
	db: Db,
	userId: string
): Promise<{ token: string; expiresAt: Date }> {
	const token = randomSecret(32);
	const policy = sessionPolicy();
	const expiresAt = new Date(Date.now() + policy.maxHours * 3_600_000);
	await db.insert(sessions).values({ tokenHash: sha256(token), userId, expiresAt });
	return { token, expiresAt };
}

/**
 * The principal behind a session cookie, or null when the session is unknown, expired (absolute
 * lifetime), idle for too long, or its account disabled.
 */
export async function validateSession(
	db: Db,
	token: string
): Promise<{ principal: Principal; tokenHash: string; expiresAt: Date } | null> {
	const tokenHash = sha256(token);
	const now = Date.now();
	const idleLimit = sessionPolicy().idleMinutes * 60_000;
	// Known to this process and, as far as it knows, still live: no query. A session that looks
	// idle here may have been active on another server (its last_seen_at is not notified), so
	// that one is read again from the database rather than ended on this process's word.
	const cached = cachedSession(db, tokenHash);
	if (cached && cached.expiresAt.getTime() > now && now - cached.lastSeenAt <= idleLimit) {
		if (now - cached.lastSeenAt > TOUCH_EVERY_MS) {
			cached.lastSeenAt = now;
			await touchSession(db, tokenHash, now);
		}
		return { principal: cached.principal, tokenHash, expiresAt: cached.expiresAt };
	}
	const generation = authGeneration(db);
	const [row] = await db
		.select({ session: sessions, disabledAt: users.disabledAt })
		.from(sessions)
		.innerJoin(users, eq(users.id, sessions.userId))
		.where(eq(sessions.tokenHash, tokenHash));
	if (!row) return null;
	if (
		row.disabledAt ||
		row.session.expiresAt.getTime() <= now ||
		now - row.session.lastSeenAt.getTime() > idleLimit
	) {
		await endSession(db, tokenHash);
		return null;
	}
	let lastSeenAt = row.session.lastSeenAt.getTime();
	if (now - lastSeenAt > TOUCH_EVERY_MS) {
		lastSeenAt = now;
		await touchSession(db, tokenHash, now);
	}
	const user = await getUser(db, row.session.userId);
	if (!user) return null;
	const principal = userPrincipal(user);
	rememberSession(db, generation, tokenHash, {
		principal,
		expiresAt: row.session.expiresAt,
		lastSeenAt
	});
	return { principal, tokenHash, expiresAt: row.session.expiresAt };
}

// last_seen_at has no trigger (migration 0011): touching it drops no server's cache.
async function touchSession(db: Db, tokenHash: string, now: number): Promise<void> {
	await db
		.update(sessions)
		.set({ lastSeenAt: new Date(now) })
		.where(eq(sessions.tokenHash, tokenHash));
}

/**
 * One session ends. Forgotten by this process at once: outside a transaction, PostgreSQL's
 * notification of the delete may come a moment after it returns (other servers wait for it).
 */
export async function endSession(db: Db, tokenHash: string): Promise<void> {
	await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
	forgetSession(db, tokenHash);
}

/** "Log out everywhere": every session of the account. */
export async function endAllSessions(db: Db, userId: string): Promise<number> {
	const gone = await db.delete(sessions).where(eq(sessions.userId, userId)).returning();
	return gone.length;
}

/** Signing out: this session ends, audited in the same transaction. */
export async function signOut(db: Db, caller: Caller, tokenHash: string | null): Promise<void> {
	await db.transaction(async (tx) => {
		if (tokenHash) await endSession(tx as unknown as Db, tokenHash);
		await audit(tx as unknown as Db, {
			actor: caller.principal,
			action: 'auth.logout',
			outcome: 'success',
			ip: caller.ip
		});
	});
}

/** « Se déconnecter partout »: every session of the caller's account, audited with the count. */
export async function signOutEverywhere(db: Db, caller: Caller): Promise<number> {
	const { principal } = caller;
	if (principal.type !== 'user') return 0;
	return db.transaction(async (tx) => {
		const ended = await endAllSessions(tx as unknown as Db, principal.id);
		await audit(tx as unknown as Db, {
			actor: principal,
			action: 'auth.logout_everywhere',
			outcome: 'success',
			ip: caller.ip,
			details: { sessions: ended }
		});
		return ended;
	});
}

/** Housekeeping: sessions past their lifetime or idle limit. */
export async function purgeExpiredSessions(db: Db): Promise<number> {
	const idle = sessionPolicy().idleMinutes;
	const gone = await db
		.delete(sessions)
		.where(
			or(
				lt(sessions.expiresAt, new Date()),
				lt(sessions.lastSeenAt, sql`now() - make_interval(mins => ${idle})`)
			)
		)
		.returning({ tokenHash: sessions.tokenHash });
	return gone.length;
}
