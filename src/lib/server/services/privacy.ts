import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { loginThrottle, orientations, settings } from '$lib/server/db/schema';
import { audit } from './audit';
import { purgeExpiredSessions } from './sessions';

export const DEFAULT_RETENTION_MONTHS = 24;

/** Months after the last status change before an orientation record is anonymised. */
export async function getRetentionMonths(db: Db): Promise<number> {
	const [row] = await db.select().from(settings).where(eq(settings.key, 'retention_months'));
	const months = Number(row?.value);
	return Number.isInteger(months) && months > 0 ? months : DEFAULT_RETENTION_MONTHS;
}

export async function setRetentionMonths(db: Db, months: number): Promise<void> {
	if (!Number.isInteger(months) || months < 1 || months > 120) {
		throw new Error('durée de conservation : un nombre entier de mois entre 1 et 120');
	}
	await db
		.insert(settings)
		.values({ key: 'retention_months', value: String(months) })
		.onConflictDoUpdate({
			target: settings.key,
			set: { value: String(months), updatedAt: sql`now()` }
		});
}

export interface PurgeResult {
	retentionMonths: number;
	sessions: number;
	throttle: number;
	orientations: number;
}

/**
 * Past the retention period after its last status change, an orientation keeps only what the
 * pilots' aggregates need: the exact age becomes a five-year band, the note and the author go.
 */
export async function anonymiseOrientations(db: Db, months: number): Promise<number> {
	const done = await db
		.update(orientations)
		.set({ age: null, note: null, createdBy: null, createdByType: null, anonymisedAt: new Date() })
		.where(
			and(
				isNull(orientations.anonymisedAt),
				lt(orientations.statusChangedAt, sql`now() - make_interval(months => ${months})`)
			)
		)
		.returning({ id: orientations.id });
	return done.length;
}

/**
 * The daily clean-up (also `npm run cli -- purge`): expired sessions, stale sign-in counters,
 * and, past the retention period, orientation records are anonymised. Logged in the audit log.
 */
export async function purge(db: Db): Promise<PurgeResult> {
	const retentionMonths = await getRetentionMonths(db);
	const sessions = await purgeExpiredSessions(db);
	const throttle = (
		await db
			.delete(loginThrottle)
			// Stale: no failure counted nor any block running for a day.
			.where(
				lt(
					sql`coalesce(${loginThrottle.blockedUntil}, ${loginThrottle.windowStart})`,
					sql`now() - interval '1 day'`
				)
			)
			.returning({ key: loginThrottle.key })
	).length;
	const anonymised = await anonymiseOrientations(db, retentionMonths);
	const result = { retentionMonths, sessions, throttle, orientations: anonymised };
	await audit(db, {
		actor: { type: 'system' },
		action: 'privacy.purge',
		outcome: 'success',
		details: { retention_months: retentionMonths, sessions, throttle, orientations: anonymised }
	});
	return result;
}
