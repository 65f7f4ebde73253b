import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '$lib/server/db/client';
import { auditLog } from '$lib/server/db/schema';
import { audit, listAudit } from '$lib/server/services/audit';
import { login } from '$lib/server/services/sessions';
import { THROTTLE_RULES } from '$lib/server/services/throttle';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import {
	PASSWORD,
	auditRowsFromIp,
	errorText,
	insertTerritory,
	insertUser,
	rejectionOf,
	tableText,
	uniqueIp
} from '../factories/accounts';

async function auditCount(db: Parameters<typeof audit>[0]): Promise<number> {
	const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from audit_log`);
	return row?.n ?? -1;
}

describe.each(DATABASES)('accounts: audit log on %s', (kind) => {
	const t = useTestDatabase(kind);

	beforeAll(async () => {
		await insertTerritory(t.db, 'marseille-4-12');
	});

	it('appends an entry with who, what, when (UTC), from where', async () => {
		const ip = uniqueIp();
		const before = await auditCount(t.db);
		const start = Date.now();
		await audit(t.db, {
			actor: { type: 'token', id: 'tok-1', label: 'Import nocturne' },
			action: 'import.structures',
			outcome: 'success',
			target: { type: 'territory', id: 'marseille-4-12' },
			territoryId: 'marseille-4-12',
			ip,
			details: { created: 3, updated: 1, dry_run: false }
		});
		expect(await auditCount(t.db)).toBe(before + 1);
		const [row] = await auditRowsFromIp(t.db, ip);
		expect(row).toMatchObject({
			actor_type: 'token',
			actor_id: 'tok-1',
			actor_label: 'Import nocturne',
			action: 'import.structures',
			outcome: 'success',
			target_type: 'territory',
			target_id: 'marseille-4-12',
			territory_id: 'marseille-4-12',
			ip,
			details: { created: 3, updated: 1, dry_run: false }
		});
		const listed = (await listAudit(t.db, { action: 'import.structures' })).rows[0];
		expect(listed?.at).toBeInstanceOf(Date);
		expect(listed?.at.getTime()).toBeGreaterThanOrEqual(start - 5000);
		expect(listed?.at.getTime()).toBeLessThanOrEqual(Date.now() + 5000);
	});

	it('refuses UPDATE and DELETE: the table is append-only', async () => {
		const ip = uniqueIp();
		await audit(t.db, {
			actor: { type: 'system' },
			action: 'test.immuable',
			outcome: 'success',
			ip
		});
		const [original] = await auditRowsFromIp(t.db, ip);
		const before = await auditCount(t.db);

		const update = await rejectionOf(
			t.db.execute(sql`update audit_log set outcome = 'failure' where ip = ${ip}`)
		);
		expect(errorText(update)).toContain('append-only');
		const updateAll = await rejectionOf(t.db.update(auditLog).set({ actorLabel: 'effacé' }));
		expect(errorText(updateAll)).toContain('append-only');
		const remove = await rejectionOf(t.db.execute(sql`delete from audit_log where ip = ${ip}`));
		expect(errorText(remove)).toContain('append-only');
		const removeAll = await rejectionOf(t.db.delete(auditLog));
		expect(errorText(removeAll)).toContain('append-only');

		expect(await auditCount(t.db)).toBe(before);
		expect(await auditRowsFromIp(t.db, ip)).toEqual([original]);
	});

	describe('listAudit', () => {
		const day = (d: number, h = 12) => new Date(Date.UTC(2024, 2, d, h));
		const entries = [
			{
				at: day(1),
				action: 'filtre.auth.login',
				outcome: 'success',
				actorLabel: 'jean_dupont@ccas.fr'
			},
			{
				at: day(2),
				action: 'filtre.auth.login',
				outcome: 'failure',
				actorLabel: 'jeanXdupont@ccas.fr'
			},
			{
				at: day(3),
				action: 'filtre.auth.logout',
				outcome: 'success',
				actorLabel: 'Jean_Dupont@CCAS.fr'
			},
			{ at: day(4), action: 'filtre.import', outcome: 'denied', actorLabel: 'Import 100%' },
			{ at: day(5), action: 'filtre.import', outcome: 'success', actorLabel: 'Import 1000' },
			{ at: day(6), action: 'filtre.authz', outcome: 'denied', actorLabel: 'partenaire@asso.fr' }
		] as const;

		beforeAll(async () => {
			// Written with chosen dates: the service always stamps now(), which a date filter cannot use.
			await t.db.insert(auditLog).values(
				entries.map((e) => ({
					at: e.at,
					actorType: 'user',
					actorLabel: e.actorLabel,
					action: e.action,
					outcome: e.outcome
				}))
			);
		});

		const labels = async (filters: Parameters<typeof listAudit>[1]) => {
			const { total, rows } = await listAudit(t.db, { action: 'filtre.', ...filters });
			return { total, labels: rows.map((r) => r.actorLabel) };
		};

		it('lists newest first, with the total', async () => {
			const { total, labels: all } = await labels({});
			expect(total).toBe(entries.length);
			expect(all).toEqual(entries.map((e) => e.actorLabel).reverse());
		});

		it('filters by action prefix', async () => {
			expect((await labels({ action: 'filtre.auth.' })).labels).toEqual([
				'Jean_Dupont@CCAS.fr',
				'jeanXdupont@ccas.fr',
				'jean_dupont@ccas.fr'
			]);
			expect((await labels({ action: 'filtre.auth' })).total).toBe(4);
			expect((await labels({ action: 'filtre.import' })).total).toBe(2);
			expect((await labels({ action: 'auth.' })).total).toBe(0);
			// The prefix is taken literally: % and _ are not wildcards.
			expect((await listAudit(t.db, { action: '%' })).total).toBe(0);
			expect((await listAudit(t.db, { action: 'filtre_auth' })).total).toBe(0);
		});

		it('filters by actor, ignoring case, with _ and % taken literally', async () => {
			expect((await labels({ actor: 'jean_dupont' })).labels).toEqual([
				'Jean_Dupont@CCAS.fr',
				'jean_dupont@ccas.fr'
			]);
			expect((await labels({ actor: 'XDUPONT' })).labels).toEqual(['jeanXdupont@ccas.fr']);
			expect((await labels({ actor: '100%' })).labels).toEqual(['Import 100%']);
			expect((await labels({ actor: 'personne' })).total).toBe(0);
		});

		it('filters by outcome', async () => {
			expect((await labels({ outcome: 'denied' })).labels).toEqual([
				'partenaire@asso.fr',
				'Import 100%'
			]);
			expect((await labels({ outcome: 'failure' })).labels).toEqual(['jeanXdupont@ccas.fr']);
		});

		it('filters by date range, from inclusive, to exclusive', async () => {
			expect((await labels({ from: day(2), to: day(4) })).labels).toEqual([
				'Jean_Dupont@CCAS.fr',
				'jeanXdupont@ccas.fr'
			]);
			expect((await labels({ from: day(6) })).labels).toEqual(['partenaire@asso.fr']);
			expect((await labels({ to: day(1, 13) })).labels).toEqual(['jean_dupont@ccas.fr']);
			expect(
				(await labels({ from: day(1), to: day(6), outcome: 'success', actor: 'dupont' })).labels
			).toEqual(['Jean_Dupont@CCAS.fr', 'jean_dupont@ccas.fr']);
		});

		it('pages with limit and offset, the total staying that of the whole filter', async () => {
			const first = await labels({ limit: 4, offset: 0 });
			const second = await labels({ limit: 4, offset: 4 });
			expect(first.total).toBe(entries.length);
			expect(second.total).toBe(entries.length);
			expect(first.labels).toHaveLength(4);
			expect([...first.labels, ...second.labels]).toEqual(
				entries.map((e) => e.actorLabel).reverse()
			);
			expect((await labels({ limit: 4, offset: 8 })).labels).toEqual([]);
		});
	});

	it('holds no password from any sign-in, successful, failed or throttled', async () => {
		const user = await insertUser(t.db);
		const ip = uniqueIp();
		const wrong = 'Essai-Infructueux-8842';
		const typedAsEmail = 'Phrase-Tapee-Au-Mauvais-Endroit-55';
		await login(t.db, { email: user.email, password: PASSWORD, ip });
		await login(t.db, { email: typedAsEmail, password: PASSWORD, ip });
		for (let i = 0; i < THROTTLE_RULES.pair.max; i++) {
			await login(t.db, { email: user.email, password: `${wrong}${i}`, ip });
		}
		await login(t.db, { email: user.email, password: PASSWORD, ip });

		const rows = await auditRowsFromIp(t.db, ip);
		expect(rows.map((r) => r.outcome)).toEqual([
			'success',
			'failure',
			...Array<string>(THROTTLE_RULES.pair.max).fill('failure'),
			'denied'
		]);
		const text = (await tableText(t.db, 'audit_log')).toLowerCase();
		for (const secret of [PASSWORD, wrong, typedAsEmail]) {
			expect(text).not.toContain(secret.toLowerCase());
		}
		// Details hold codes only.
		for (const row of rows) {
			for (const value of Object.values(row.details ?? {})) {
				expect(typeof value === 'number' || /^[a-z_]+$/.test(String(value))).toBe(true);
			}
		}
	});
});
