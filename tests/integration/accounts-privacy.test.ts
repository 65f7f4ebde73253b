import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '$lib/server/db/client';
import { loginThrottle } from '$lib/server/db/schema';
import {
	DEFAULT_RETENTION_MONTHS,
	getRetentionMonths,
	purge,
	setRetentionMonths
} from '$lib/server/services/privacy';
import { listAudit } from '$lib/server/services/audit';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import {
	insertSession,
	insertUser,
	minutesAgo,
	sessionHashesOf,
	uniqueEmail
} from '../factories/accounts';
import { throttleKey } from '$lib/server/services/throttle';

const HOUR = 60;
const DAY = 24 * HOUR;

async function throttleKeys(db: Parameters<typeof purge>[0]): Promise<string[]> {
	const rows = await queryRows<{ key: string }>(
		db,
		sql`select key from login_throttle order by key`
	);
	return rows.map((r) => r.key);
}

describe.each(DATABASES)('accounts: privacy on %s', (kind) => {
	const t = useTestDatabase(kind);

	it('keeps records 24 months by default; the setting can be changed within 1–120 months', async () => {
		expect(DEFAULT_RETENTION_MONTHS).toBe(24);
		expect(await getRetentionMonths(t.db)).toBe(24);
		await setRetentionMonths(t.db, 36);
		expect(await getRetentionMonths(t.db)).toBe(36);
		await setRetentionMonths(t.db, 1);
		expect(await getRetentionMonths(t.db)).toBe(1);
		await setRetentionMonths(t.db, 120);
		expect(await getRetentionMonths(t.db)).toBe(120);

		for (const invalid of [0, -3, 121, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
			await expect(setRetentionMonths(t.db, invalid)).rejects.toThrow(/entre 1 et 120/);
		}
		expect(await getRetentionMonths(t.db)).toBe(120);

		// A damaged stored value falls back to the default rather than purging everything.
		await t.db.execute(sql`update settings set value = 'abc' where key = 'retention_months'`);
		expect(await getRetentionMonths(t.db)).toBe(DEFAULT_RETENTION_MONTHS);
		await setRetentionMonths(t.db, DEFAULT_RETENTION_MONTHS);
	});

	it('purge removes expired sessions and stale sign-in counters, and logs itself', async () => {
		const user = await insertUser(t.db, { password: false });
		const expired = await insertSession(t.db, user.id, { expiresAt: minutesAgo(5) });
		const idle = await insertSession(t.db, user.id, { lastSeenAt: minutesAgo(2 * HOUR) });
		const live = await insertSession(t.db, user.id, { lastSeenAt: minutesAgo(5) });

		const stale = throttleKey('account', uniqueEmail('ancien'));
		const recent = throttleKey('account', uniqueEmail('recent'));
		const stillBlocked = throttleKey('ip', '198.51.100.7');
		await t.db.insert(loginThrottle).values([
			{ key: stale, failures: 3, windowStart: minutesAgo(2 * DAY) },
			{ key: recent, failures: 2, windowStart: minutesAgo(30) },
			// A long attack: its window opened days ago but its block still runs.
			{
				key: stillBlocked,
				failures: 40,
				windowStart: minutesAgo(3 * DAY),
				blockedUntil: new Date(Date.now() + HOUR * 60_000)
			}
		]);

		const result = await purge(t.db);
		expect(result).toEqual({
			retentionMonths: DEFAULT_RETENTION_MONTHS,
			sessions: 2,
			throttle: 1,
			orientations: 0,
			idempotencyKeys: 0,
			mails: 0,
			invitations: 0
		});
		expect(await sessionHashesOf(t.db, user.id)).toEqual([live.tokenHash]);
		expect(await sessionHashesOf(t.db, user.id)).not.toContain(expired.tokenHash);
		expect(await sessionHashesOf(t.db, user.id)).not.toContain(idle.tokenHash);
		expect(await throttleKeys(t.db)).toEqual([recent, stillBlocked].sort());

		const { rows } = await listAudit(t.db, { action: 'privacy.purge' });
		expect(rows[0]).toMatchObject({
			actorType: 'system',
			action: 'privacy.purge',
			outcome: 'success',
			details: {
				retention_months: DEFAULT_RETENTION_MONTHS,
				sessions: 2,
				throttle: 1,
				orientations: 0,
				idempotency_keys: 0
			}
		});

		// Nothing left to do the second time, and that run is logged too.
		expect(await purge(t.db)).toMatchObject({
			retentionMonths: DEFAULT_RETENTION_MONTHS,
			sessions: 0,
			throttle: 0
		});
		expect((await listAudit(t.db, { action: 'privacy.purge' })).total).toBe(2);
	});
	it('purge forgets idempotency keys after 24 hours and anonymises old records, in one transaction', async () => {
		const insertOrientation = (id: string, note: string, months: number) =>
			t.db.execute(sql`insert into orientations (id, commune, problems, criteria, request_type,
				computed_level, level, level_reason, case_management_reason, consent, orphan, status, note,
				created_by, created_by_type, age, status_changed_at)
				values (${id}, '13204', '{medical}', '{}', 'accompagnement', 'simple', 'coordonnee',
					'Motif du niveau.', 'Motif de la gestion de cas.', true, false, 'refused', ${note},
					'u-1', 'user', 84,
					now() - make_interval(months => ${months}))`);
		await insertOrientation('vieille', 'Note ancienne.', 30);
		await insertOrientation('recente', 'Note récente.', 1);
		await t.db.execute(sql`insert into orientation_events (orientation_id, status, reason, actor_id)
			values ('vieille', 'refused', 'Motif du refus.', 'u-2'), ('recente', 'refused', 'Motif.', 'u-2')`);
		const key = (hash: string, orientation: string, hours: number) =>
			t.db.execute(sql`insert into idempotency_keys (principal_type, principal_id, key_hash,
				request_hash, orientation_id, response, created_at)
				values ('user', 'u-1', ${hash}, 'r', ${orientation}, '{}'::jsonb,
					now() - make_interval(hours => ${hours}))`);
		await key('a', 'recente', 25);
		await key('b', 'recente', 23);

		const result = await purge(t.db);
		expect(result).toMatchObject({ orientations: 1, idempotencyKeys: 1 });
		const keys = await queryRows<{ key_hash: string }>(
			t.db,
			sql`select key_hash from idempotency_keys order by key_hash`
		);
		expect(keys.map((k) => k.key_hash)).toEqual(['b']);
		const rows = await queryRows<Record<string, unknown>>(
			t.db,
			sql`select o.id, o.note, o.level_reason, o.case_management_reason, o.created_by, o.age, o.age_band, e.reason, e.actor_id
				from orientations o join orientation_events e on e.orientation_id = o.id order by o.id`
		);
		expect(rows).toEqual([
			{
				id: 'recente',
				note: 'Note récente.',
				level_reason: 'Motif du niveau.',
				case_management_reason: 'Motif de la gestion de cas.',
				created_by: 'u-1',
				age: 84,
				age_band: null,
				reason: 'Motif.',
				actor_id: 'u-2'
			},
			{
				id: 'vieille',
				note: null,
				level_reason: null,
				case_management_reason: null,
				created_by: null,
				age: null,
				age_band: null,
				reason: null,
				actor_id: null
			}
		]);
		const { rows: logged } = await listAudit(t.db, { action: 'privacy.purge' });
		expect(logged[0]?.details).toMatchObject({ orientations: 1, idempotency_keys: 1 });
	});

	it('purge forgets delivered mail after 90 days and spent or expired invitations', async () => {
		const user = await insertUser(t.db, { email: uniqueEmail('membre') });
		await t.db
			.execute(sql`insert into notifications (key, kind, recipients, subject, body, sent_at, created_at)
			values ('a', 'invitation', array['old@example.fr'], 's', 'b', now() - interval '91 days', now() - interval '91 days'),
				('b', 'invitation', array['new@example.fr'], 's', 'b', now() - interval '89 days', now() - interval '89 days'),
				('c', 'invitation', array['pending@example.fr'], 's', 'b', null, now() - interval '2 days')`);
		await t.db.execute(sql`insert into invitations (token_hash, user_id, expires_at, used_at)
			values ('used', ${user.id}, now() + interval '1 day', now()),
				('expired', ${user.id}, now() - interval '1 minute', null),
				('live', ${user.id}, now() + interval '6 days', null)`);
		const result = await purge(t.db);
		expect(result).toMatchObject({ mails: 1, invitations: 2 });
		const left = await queryRows<{ key: string }>(
			t.db,
			sql`select key from notifications order by key`
		);
		expect(left.map((r) => r.key)).toEqual(['b', 'c']);
		const links = await queryRows<{ token_hash: string }>(
			t.db,
			sql`select token_hash from invitations`
		);
		expect(links.map((r) => r.token_hash)).toEqual(['live']);
	});
});
