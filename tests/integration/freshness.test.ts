/**
 * Freshness campaigns (issue 15), on both databases, with a real SMTP server started here: the
 * pilot asks the structures of its territory not verified for N months; exactly those are asked,
 * their members get one mail each (a link to the structure's page, what to do), a structure
 * without members is recorded all the same; the desk then shows who answered — through a
 * member's « les informations sont à jour », the pilot's « vérifiée aujourd’hui », a remit
 * confirmation —, and a new campaign leaves the answered rows as they were. The walls: another
 * territory's pilot, an agent, a bad number of months are refused, nothing written.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '$lib/server/db/client';
import {
	auditLog,
	freshnessCampaigns as campaignsTable,
	freshnessRequests,
	notifications,
	structureMembers,
	structures
} from '$lib/server/db/schema';
import type { Caller } from '$lib/server/auth/principal';
import { resetMailTransport } from '$lib/server/mail/transport';
import { freshnessCampaigns, startFreshnessCampaign } from '$lib/server/services/freshness';
import { markVerified } from '$lib/server/services/pilotage';
import { confirmRemit, verifyStructure } from '$lib/server/services/structure-remit';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { startSmtpServer, type TestSmtpServer } from '../setup/smtp-server';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { serviceRejection as refusal } from '../factories/callers';
import { insertUser, uniqueEmail } from '../factories/accounts';
import { agentCaller } from '../factories/orientations';
import { DEMO_TERRITORY_ID, structureRecord } from '../factories/structures';

const OTHER = 'autre-fraicheur';
const OTHER_STRUCTURE = 'autre:fraicheur-saad';

describe.each(DATABASES)('freshness campaigns on %s', (kind) => {
	const t = useTestDatabase(kind, { demo: true });
	let smtp: TestSmtpServer;
	const previousSmtp = process.env.SMTP_URL;
	const pilot = agentCaller([DEMO_TERRITORY_ID], 'pilot');
	let ids: string[];
	/** Never verified, 13 months, 3 months, today: the four states the campaigns tell apart. */
	let never: string;
	let old: string;
	let recent: string;
	let toConfirm: string;
	let memberEmail: string;
	let member: Caller;

	beforeAll(async () => {
		smtp = await startSmtpServer();
		process.env.SMTP_URL = smtp.url;
		resetMailTransport();
		await putTerritory(t.db, OTHER, { name: 'Autre territoire', communes: ['13001'] });
		await importStructures(t.db, OTHER, [
			structureRecord({
				id: OTHER_STRUCTURE,
				name: 'SAAD d’ailleurs',
				kind: 'saad',
				coverage: ['13001'],
				updated_at: '2015-03-01'
			})
		]);
		const rows = await t.db
			.select({ id: structures.id })
			.from(structures)
			.where(eq(structures.territoryId, DEMO_TERRITORY_ID))
			.orderBy(structures.name);
		ids = rows.map((r) => r.id);
		expect(ids.length).toBeGreaterThanOrEqual(5);
		[never, old, recent, toConfirm] = ids as [string, string, string, string];
		// Every structure verified today, then four set apart.
		const today = sql`(now() at time zone 'Europe/Paris')::date`;
		await t.db
			.update(structures)
			.set({ updatedAt: today, toConfirm: false })
			.where(eq(structures.territoryId, DEMO_TERRITORY_ID));
		await t.db.update(structures).set({ updatedAt: null }).where(eq(structures.id, never));
		await t.db
			.update(structures)
			.set({ updatedAt: sql`(${today} - interval '13 months')::date` })
			.where(eq(structures.id, old));
		await t.db
			.update(structures)
			.set({ updatedAt: sql`(${today} - interval '3 months')::date` })
			.where(eq(structures.id, recent));
		await t.db
			.update(structures)
			.set({ updatedAt: sql`(${today} - interval '2 years')::date`, toConfirm: true })
			.where(eq(structures.id, toConfirm));
		// Two members for `never` (one disabled, not written to), one for `old`; the others none.
		memberEmail = uniqueEmail('membre');
		const active = await insertUser(t.db, { email: memberEmail, role: 'partner' });
		const disabled = await insertUser(t.db, { role: 'partner', disabled: true });
		const oldMember = await insertUser(t.db, { role: 'partner' });
		await t.db.insert(structureMembers).values([
			{ structureId: never, userId: active.id },
			{ structureId: never, userId: disabled.id },
			{ structureId: old, userId: oldMember.id }
		]);
		member = {
			principal: {
				type: 'user',
				id: active.id,
				label: memberEmail,
				role: 'partner',
				territories: [DEMO_TERRITORY_ID],
				structures: [never]
			},
			ip: '203.0.113.9'
		};
	});

	afterAll(async () => {
		await smtp.stop();
		if (previousSmtp === undefined) delete process.env.SMTP_URL;
		else process.env.SMTP_URL = previousSmtp;
		resetMailTransport();
	});

	const requestsOf = (campaignId: string) =>
		t.db
			.select()
			.from(freshnessRequests)
			.where(eq(freshnessRequests.campaignId, campaignId))
			.orderBy(freshnessRequests.structureId);

	it('refuses another territory’s pilot, an agent and a bad number of months, writing nothing', async () => {
		const elsewhere = await refusal(
			startFreshnessCampaign(t.db, agentCaller([OTHER], 'pilot'), DEMO_TERRITORY_ID, 12)
		);
		expect(elsewhere.kind).toBe('not_found');
		const agent = await refusal(
			startFreshnessCampaign(t.db, agentCaller([DEMO_TERRITORY_ID], 'agent'), DEMO_TERRITORY_ID, 12)
		);
		expect(agent.kind).toBe('forbidden');
		expect(
			(await refusal(freshnessCampaigns(t.db, agentCaller([OTHER], 'pilot'), DEMO_TERRITORY_ID)))
				.kind
		).toBe('not_found');
		for (const months of [0, 61, '1.5', 'douze', '', -3, null]) {
			const bad = await refusal(startFreshnessCampaign(t.db, pilot, DEMO_TERRITORY_ID, months));
			expect(bad.kind, String(months)).toBe('invalid');
			expect(bad.issues.map((i) => i.path)).toEqual(['mois']);
			expect(bad.issues[0]?.message).toMatch(/entre 1 et 60/);
		}
		expect(await t.db.select().from(campaignsTable)).toEqual([]);
		expect(await t.db.select().from(notifications)).toEqual([]);
	});

	let first: string;

	it('asks exactly the structures not verified for N months, and mails their members', async () => {
		smtp.clear();
		const result = await startFreshnessCampaign(t.db, pilot, DEMO_TERRITORY_ID, '12');
		expect(result).toMatchObject({ structures: 3, mailed: 2, withoutMembers: 1 });
		first = result.campaignId;

		const asked = await requestsOf(first);
		expect(asked.map((r) => r.structureId).sort()).toEqual([never, old, toConfirm].sort());
		const byId = new Map(asked.map((r) => [r.structureId, r]));
		expect(byId.get(never)).toMatchObject({ recipients: 1, verifiedBefore: null, answer: null });
		expect(byId.get(old)?.recipients).toBe(1);
		expect(byId.get(old)?.verifiedBefore).toMatch(/^\d{4}-\d{2}-\d{2}$/);
		expect(byId.get(toConfirm)).toMatchObject({ recipients: 0, answeredAt: null });

		// One mail per structure with members, in the outbox and delivered through SMTP.
		const queued = await t.db
			.select()
			.from(notifications)
			.where(eq(notifications.kind, 'freshness'));
		expect(queued).toHaveLength(2);
		expect(queued.every((n) => n.sentAt !== null && n.transport === 'smtp')).toBe(true);
		const [neverName] = await t.db
			.select({ name: structures.name })
			.from(structures)
			.where(eq(structures.id, never));
		const mail = await smtp.waitFor((m) => m.to.includes(memberEmail));
		// The disabled member is not written to.
		expect(mail.to).toEqual([memberEmail]);
		expect(mail.subject).toBe(`Bon Tiers — vérifiez les informations de ${neverName?.name}`);
		expect(mail.text).toContain(`/structures/${encodeURIComponent(never)}`);
		expect(mail.text).not.toContain('/demandes');
		expect(mail.text).toContain('jamais vérifiées');
		expect(mail.text).toContain('« Modifier la fiche »');
		expect(mail.text).toContain('« Les informations sont à jour »');
		const oldMail = await smtp.waitFor((m) => m.text.includes(encodeURIComponent(old)));
		expect(oldMail.text).toMatch(/vérifiées le \d{1,2}(er)? \p{L}+ \d{4}/u);

		// The other territory's stale structure is not asked; the campaign is audited.
		expect(asked.map((r) => r.structureId)).not.toContain(OTHER_STRUCTURE);
		const [entry] = await t.db
			.select()
			.from(auditLog)
			.where(
				and(eq(auditLog.action, 'freshness.campaign'), eq(auditLog.territoryId, DEMO_TERRITORY_ID))
			);
		expect(entry).toMatchObject({
			actorLabel: pilot.principal.label,
			outcome: 'success',
			targetType: 'territory',
			targetId: DEMO_TERRITORY_ID
		});
		expect(entry?.details).toMatchObject({
			campaign: first,
			months: 12,
			structures: 3,
			mailed: 2,
			withoutMembers: 1
		});

		// The desk: the campaign, nobody answered yet.
		const [desk] = await freshnessCampaigns(t.db, pilot, DEMO_TERRITORY_ID);
		expect(desk).toMatchObject({
			id: first,
			months: 12,
			createdBy: pilot.principal.label,
			total: 3,
			answered: 0,
			withoutMembers: 1,
			more: 0
		});
		expect(desk?.createdAt).toBeInstanceOf(Date);
		expect(desk?.requests.map((r) => r.answer)).toEqual([null, null, null]);
		expect(desk?.requests.find((r) => r.structureId === toConfirm)?.recipients).toBe(0);
	});

	it('shows who answered: a member’s verification, the pilot’s « vérifiée aujourd’hui », a remit confirmation', async () => {
		await verifyStructure(t.db, member, never);
		expect(await markVerified(t.db, pilot, DEMO_TERRITORY_ID, old)).toBe(true);
		expect(await confirmRemit(t.db, pilot, toConfirm)).toMatchObject({ already: false });

		const [desk] = await freshnessCampaigns(t.db, pilot, DEMO_TERRITORY_ID);
		expect(desk).toMatchObject({ id: first, total: 3, answered: 3 });
		const byId = new Map(desk!.requests.map((r) => [r.structureId, r]));
		expect(byId.get(never)).toMatchObject({ answer: 'confirm', answeredBy: memberEmail });
		expect(byId.get(old)).toMatchObject({ answer: 'confirm', answeredBy: pilot.principal.label });
		expect(byId.get(toConfirm)).toMatchObject({
			answer: 'confirm',
			answeredBy: pilot.principal.label
		});
		for (const r of desk!.requests) expect(r.answeredAt).toBeInstanceOf(Date);
		// What the structure was when asked stays as it was.
		expect(byId.get(never)?.verifiedBefore).toBeNull();
	});

	it('a new campaign leaves the answered rows alone, and asks again who is still silent', async () => {
		const before = await requestsOf(first);
		// Months 2: `recent` (3 months) is stale now; the three that answered are verified today.
		const second = await startFreshnessCampaign(t.db, pilot, DEMO_TERRITORY_ID, 2);
		expect(second).toMatchObject({ structures: 1, mailed: 0, withoutMembers: 1 });
		expect((await requestsOf(second.campaignId)).map((r) => r.structureId)).toEqual([recent]);
		expect(await requestsOf(first)).toEqual(before);

		// Asked again while its request is open: a third campaign lists it too; one answer closes both.
		const third = await startFreshnessCampaign(t.db, pilot, DEMO_TERRITORY_ID, 2);
		expect(third.structures).toBe(1);
		const desk = await freshnessCampaigns(t.db, pilot, DEMO_TERRITORY_ID);
		expect(desk.map((c) => c.id)).toEqual([third.campaignId, second.campaignId, first]);
		expect(desk.map((c) => [c.answered, c.total])).toEqual([
			[0, 1],
			[0, 1],
			[3, 3]
		]);
		await markVerified(t.db, pilot, DEMO_TERRITORY_ID, recent);
		const after = await freshnessCampaigns(t.db, pilot, DEMO_TERRITORY_ID);
		expect(after.map((c) => [c.answered, c.total])).toEqual([
			[1, 1],
			[1, 1],
			[3, 3]
		]);
		expect(await requestsOf(first)).toEqual(before);

		// Nothing left to ask: the campaign is recorded, empty, and nobody is written to.
		const empty = await startFreshnessCampaign(t.db, pilot, DEMO_TERRITORY_ID, 1);
		expect(empty).toMatchObject({ structures: 0, mailed: 0, withoutMembers: 0 });
		const rows = await queryRows<{ count: number }>(
			t.db,
			sql`select count(*)::int as count from freshness_requests where campaign_id = ${empty.campaignId}`
		);
		expect(rows[0]?.count).toBe(0);
		// Still the two mails of the first campaign only.
		expect(
			await t.db
				.select({ id: notifications.id })
				.from(notifications)
				.where(inArray(notifications.kind, ['freshness']))
		).toHaveLength(2);
		// The desk keeps the 5 latest.
		for (let i = 0; i < 3; i++) await startFreshnessCampaign(t.db, pilot, DEMO_TERRITORY_ID, 60);
		expect(await freshnessCampaigns(t.db, pilot, DEMO_TERRITORY_ID)).toHaveLength(5);
	});
});
