import { eq, inArray } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { loginThrottle } from '$lib/server/db/schema';

/**
 * Brute-force protection of the sign-in, with counters in the database (shared by every app
 * instance). Past `max` failures within `windowMinutes`, the key is blocked, for a delay that
 * doubles with each further failure (capped). One key per account and one per client address:
 * the address limit is higher because an office shares one address.
 */
export const THROTTLE_RULES = {
	account: { max: 5, windowMinutes: 15, blockSeconds: 60, maxBlockSeconds: 3600 },
	ip: { max: 30, windowMinutes: 15, blockSeconds: 60, maxBlockSeconds: 3600 }
} as const;

export type ThrottleKind = keyof typeof THROTTLE_RULES;

export function throttleKey(kind: ThrottleKind, value: string): string {
	return `${kind}:${value.toLowerCase()}`;
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

export async function recordFailure(db: Db, kind: ThrottleKind, key: string, now = new Date()) {
	const rule = THROTTLE_RULES[kind];
	const windowStart = new Date(now.getTime() - rule.windowMinutes * 60_000);
	await db.transaction(async (tx) => {
		const [row] = await tx
			.select()
			.from(loginThrottle)
			.where(eq(loginThrottle.key, key))
			.for('update');
		const fresh = !row || row.windowStart < windowStart;
		const failures = fresh ? 1 : row.failures + 1;
		const over = failures - rule.max;
		const blockedUntil =
			over >= 0
				? new Date(
						now.getTime() + Math.min(rule.blockSeconds * 2 ** over, rule.maxBlockSeconds) * 1000
					)
				: null;
		await tx
			.insert(loginThrottle)
			.values({ key, failures, windowStart: fresh ? now : row.windowStart, blockedUntil })
			.onConflictDoUpdate({
				target: loginThrottle.key,
				set: {
					failures,
					windowStart: fresh ? now : row.windowStart,
					blockedUntil
				}
			});
	});
}

/** A successful sign-in clears the account's counter (not the address's). */
export async function clearFailures(db: Db, key: string): Promise<void> {
	await db.delete(loginThrottle).where(eq(loginThrottle.key, key));
}
