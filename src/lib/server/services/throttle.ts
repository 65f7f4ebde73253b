import { eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { loginThrottle } from '$lib/server/db/schema';
import { sha256 } from '$lib/server/auth/crypto';

/**
 * Brute-force protection of the sign-in, with counters in the database (shared by every app
 * instance). Past `max` failures within `windowMinutes`, the key is blocked, for a delay that
 * doubles with each further failure (capped): a backoff, never a lock-out.
 * - `pair` (an account from one address) is the tight one: guesses from one place are slowed
 *   hard, without touching the owner signing in from elsewhere.
 * - `account` (from any address) catches guesses spread over many addresses, with a short cap:
 *   the owner with the right password gets in once the delay has passed.
 * - `ip` (any account from one address) is loose, because a whole office shares one address.
 */
export const THROTTLE_RULES = {
	pair: { max: 5, windowMinutes: 15, blockSeconds: 60, maxBlockSeconds: 3600 },
	account: { max: 20, windowMinutes: 15, blockSeconds: 30, maxBlockSeconds: 300 },
	ip: { max: 100, windowMinutes: 15, blockSeconds: 60, maxBlockSeconds: 900 }
} as const;

export type ThrottleKind = keyof typeof THROTTLE_RULES;

/**
 * The counter's key: the email or address is hashed, so the table holds no personal data (nor a
 * password typed into the email field by mistake).
 */
export function throttleKey(kind: ThrottleKind, value: string, address?: string): string {
	const subject = value.trim().toLowerCase();
	return `${kind}:${sha256(address === undefined ? subject : `${subject}\n${address}`)}`;
}

/** Seconds to wait before another attempt for any of these keys, 0 when none is blocked. */
export async function retryAfter(db: Db, keys: string[], now = new Date()): Promise<number> {
	const rows = await db.select().from(loginThrottle).where(inArray(loginThrottle.key, keys));
	let wait = 0;
	for (const row of rows) {
		if (row.blockedUntil && row.blockedUntil > now) {
			wait = Math.max(wait, Math.ceil((row.blockedUntil.getTime() - now.getTime()) / 1000));
		}
	}
	return wait;
}

/**
 * Counts one failure on `key`, atomically: concurrent attempts are serialised on the key's row
 * (created first if missing, so that two first failures cannot overwrite each other).
 * A key is forgotten only once its window has passed and any block ended at least a window ago:
 * an attacker who waits out each block keeps doubling it up to the cap instead of starting over.
 * With `refuseWhenBlocked`, nothing is counted while the key is blocked and the wait is returned.
 */
async function count(
	db: Db,
	kind: ThrottleKind,
	key: string,
	now: Date,
	refuseWhenBlocked: boolean
): Promise<number> {
	const rule = THROTTLE_RULES[kind];
	const windowStart = new Date(now.getTime() - rule.windowMinutes * 60_000);
	return db.transaction(async (tx) => {
		await tx
			.insert(loginThrottle)
			.values({ key, failures: 0, windowStart: now, blockedUntil: null })
			.onConflictDoNothing({ target: loginThrottle.key });
		const [row] = await tx
			.select()
			.from(loginThrottle)
			.where(eq(loginThrottle.key, key))
			.for('update');
		if (!row) throw new Error(`compteur de connexion introuvable : ${key}`);
		if (refuseWhenBlocked && row.blockedUntil && row.blockedUntil > now) {
			return Math.ceil((row.blockedUntil.getTime() - now.getTime()) / 1000);
		}
		const fresh =
			row.failures === 0 ||
			(row.windowStart < windowStart && !(row.blockedUntil && row.blockedUntil >= windowStart));
		const failures = fresh ? 1 : row.failures + 1;
		const over = failures - rule.max;
		const blockedUntil =
			over >= 0
				? new Date(
						now.getTime() + Math.min(rule.blockSeconds * 2 ** over, rule.maxBlockSeconds) * 1000
					)
				: null;
		await tx
			.update(loginThrottle)
			.set({ failures, windowStart: fresh ? now : row.windowStart, blockedUntil })
			.where(eq(loginThrottle.key, key));
		return 0;
	});
}

/** Counts a failed attempt on `key`. */
export async function recordFailure(
	db: Db,
	kind: ThrottleKind,
	key: string,
	now = new Date()
): Promise<void> {
	await count(db, kind, key, now, false);
}

/**
 * Counts an attempt on `key` before the password is even checked, unless the key is blocked:
 * returns the seconds to wait (nothing counted), or 0 when the attempt may go ahead. Counting
 * first means that many simultaneous guesses cannot all slip in before the first failure is
 * recorded; a successful sign-in then clears the count (`clearFailures`).
 */
export function claimAttempt(
	db: Db,
	kind: ThrottleKind,
	key: string,
	now = new Date()
): Promise<number> {
	return count(db, kind, key, now, true);
}

/** A successful sign-in clears the account's counters. */
export async function clearFailures(db: Db, keys: string[]): Promise<void> {
	await db.delete(loginThrottle).where(inArray(loginThrottle.key, keys));
}

/**
 * A successful sign-in gives its claimed attempt back to the address (not more: one valid
 * account must not reset the count of guesses made from the same address on other accounts).
 */
export async function releaseAttempt(db: Db, key: string): Promise<void> {
	await db
		.update(loginThrottle)
		.set({ failures: sql`greatest(${loginThrottle.failures} - 1, 0)` })
		.where(eq(loginThrottle.key, key));
}
