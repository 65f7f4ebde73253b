import { and, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import {
	idempotencyKeys,
	invitations,
	loginThrottle,
	notifications,
	settings
} from '$lib/server/db/schema';
import { audit } from './audit';
import { ORPHAN_REASON } from './orientations';
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
	/** Idempotency keys past IDEMPOTENCY_KEY_HOURS. */
	idempotencyKeys: number;
	/** Referral mails delivered more than MAIL_KEEP_DAYS ago, and spent or expired invitations. */
	mails: number;
	invitations: number;
}

/**
 * How long a delivered mail stays in the outbox: enough to answer « did they get it? », no
 * longer — its rows hold staff addresses. A pending one stays until delivered or given up.
 */
export const MAIL_KEEP_DAYS = 90;

/**
 * How long a `POST /orientations` retry with the same `Idempotency-Key` returns the first answer:
 * long enough for any client's retries, short enough that the keys (and the answers kept with
 * them) do not pile up.
 */
export const IDEMPOTENCY_KEY_HOURS = 24;

/**
 * Past the retention period after its last status change, an orientation keeps only what the
 * pilots' aggregates need: the exact age becomes a five-year band; every free text goes (the
 * note, the level reason, the case-management reason, the reason of each status change — the
 * orphan event's wording is the instance's own and stays), and so does who wrote them (the
 * orienting account, and the account behind each status change). Its audit entries hold codes
 * and counts only (audit.ts: the reference, levels, statuses, a structure id), no free text to
 * remove; they keep which account acted, as an audit log must, and the table refuses updates.
 * One statement, so a record is never half anonymised.
 */
export async function anonymiseOrientations(db: Db, months: number): Promise<number> {
	const [row] = await queryRows<{ count: number }>(
		db,
		sql`with done as (
				update orientations
				set age = null, note = null, level_reason = null, case_management_reason = null,
					created_by = null, created_by_type = null, anonymised_at = now()
				where anonymised_at is null
					and status_changed_at < now() - make_interval(months => ${months})
				returning id
			), events as (
				update orientation_events e
				set reason = case when e.reason = ${ORPHAN_REASON} then e.reason end, actor_id = null
				from done where e.orientation_id = done.id
				returning e.id
			)
			select (select count(*) from done)::int as count, (select count(*) from events)::int as events`
	);
	return row?.count ?? 0;
}

/** Idempotency keys older than IDEMPOTENCY_KEY_HOURS: a retry after that records anew. */
export async function purgeIdempotencyKeys(db: Db): Promise<number> {
	const done = await db
		.delete(idempotencyKeys)
		.where(
			lt(idempotencyKeys.createdAt, sql`now() - make_interval(hours => ${IDEMPOTENCY_KEY_HOURS})`)
		)
		.returning({ id: idempotencyKeys.orientationId });
	return done.length;
}

/**
 * The daily clean-up (also `npm run cli -- purge`): expired sessions, stale sign-in counters, old
 * idempotency keys, and, past the retention period, orientation records are anonymised. One
 * transaction, its audit entry included: the log says what was done, never more nor less.
 */
export async function purge(db: Db): Promise<PurgeResult> {
	return db.transaction(async (tx) => {
		const retentionMonths = await getRetentionMonths(tx);
		const sessions = await purgeExpiredSessions(tx);
		const throttle = (
			await tx
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
		const keys = await purgeIdempotencyKeys(tx);
		const mails = (
			await tx
				.delete(notifications)
				.where(
					or(
						lt(notifications.sentAt, sql`now() - make_interval(days => ${MAIL_KEEP_DAYS})`),
						and(
							isNull(notifications.sentAt),
							lt(notifications.createdAt, sql`now() - make_interval(days => ${MAIL_KEEP_DAYS})`)
						)
					)
				)
				.returning({ id: notifications.id })
		).length;
		const spent = (
			await tx
				.delete(invitations)
				.where(or(isNotNull(invitations.usedAt), lt(invitations.expiresAt, sql`now()`)))
				.returning({ tokenHash: invitations.tokenHash })
		).length;
		const anonymised = await anonymiseOrientations(tx, retentionMonths);
		await audit(tx, {
			actor: { type: 'system' },
			action: 'privacy.purge',
			outcome: 'success',
			details: {
				retention_months: retentionMonths,
				sessions,
				throttle,
				orientations: anonymised,
				idempotency_keys: keys,
				mails,
				invitations: spent
			}
		});
		return {
			retentionMonths,
			sessions,
			throttle,
			orientations: anonymised,
			idempotencyKeys: keys,
			mails,
			invitations: spent
		};
	});
}
