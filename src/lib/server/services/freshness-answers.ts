import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { freshnessRequests } from '$lib/server/db/schema';
import type { Caller } from '$lib/server/auth/principal';

/**
 * A person vouched for a structure (saved its form, or said its information is right): every
 * freshness campaign still waiting on it counts it as answered. Called in the transaction of that
 * change, so the desk never shows an answer whose change was rolled back, nor misses one.
 */
export async function markFreshnessAnswered(
	tx: Db,
	caller: Caller,
	structureId: string,
	answer: 'edit' | 'confirm'
): Promise<void> {
	await tx
		.update(freshnessRequests)
		.set({ answeredAt: sql`now()`, answeredBy: caller.principal.label, answer })
		.where(
			and(eq(freshnessRequests.structureId, structureId), isNull(freshnessRequests.answeredAt))
		);
}
