/**
 * The referral loop (issue 14, contract §7), on both databases, with a real SMTP server started
 * here: an orientation reaches its structure's members by mail and in their inbox; they refuse
 * with a coded reason; the agent re-orients (the refusing structure left out, the two records
 * linked); the second structure accepts, then closes. Reminders and expiry follow the territory's
 * delays on a clock the test sets, each mail sent once; a case-management service decides
 * admission against the MAIA conditions and its caseload is counted from its orientations; the
 * walls: a member of S sees nothing of another structure, an agent cannot answer for S when S
 * has members.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '$lib/server/db/client';
import { orientations, structures } from '$lib/server/db/schema';
import { systemCaller, type Caller } from '$lib/server/auth/principal';
import type { RecommendationRequestInput } from '$lib/schemas/orientation';
import { resetMailTransport } from '$lib/server/mail/transport';
import { createOrientation, listOrientations } from '$lib/server/services/orientations';
import { changeStatus, reorient, runReferralJobs } from '$lib/server/services/referrals';
import { inboxOf, inviteMember } from '$lib/server/services/members';
import { createApiToken, authenticateApiToken } from '$lib/server/services/api-tokens';
import { getStructure } from '$lib/server/services/structures';
import { setReferralDelays } from '$lib/server/services/territories';
import { createUser, getUser, userPrincipal } from '$lib/server/services/users';
import { ServiceError } from '$lib/server/services/errors';
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../setup/smtp-server';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { DEMO_TERRITORY_ID } from '../factories/structures';
import { ask, orientationRejection } from '../factories/orientations';

/** A coordinated medical situation at 82 in Marseille 4e, with a note. */
const REQUEST = {
	commune: '13204',
	age: 82,
	apa: false,
	problems: ['medical', 'troubles_cognitifs'],
	criteria: ['isolement'],
	request_type: 'accompagnement',
	consent: true
} satisfies RecommendationRequestInput;

/** The note the agent types: the inbox shows it, no mail may carry it. */
const NOTE = 'Troubles de la mémoire depuis six mois, fille présente le week-end.';

/** A situation for case management: three fields, help insufficient, nobody to coordinate. */
const COMPLEX = {
	commune: '13204',
	age: 79,
	apa: true,
	problems: ['medical', 'logement', 'perte_autonomie'],
	criteria: ['aides_insuffisantes', 'sans_coordinateur', 'isolement', 'refus_aide'],
	request_type: 'accompagnement',
	consent: true
} satisfies RecommendationRequestInput;

const DAY = 86_400_000;

/** Words of the request that no mail may carry (age, problems, note). */
const PERSONAL = [
	/\b82\b/,
	/\b80\b/,
	/mémoire/i,
	/médical/i,
	/medical/i,
	/troubles/i,
	/cognitif/i,
	/week-end/i,
	/fille/i
];

function expectNothingPersonal(mail: ReceivedMail) {
	const text = `${mail.subject}\n${mail.text}`;
	for (const word of PERSONAL) expect(text).not.toMatch(word);
}

describe.each(DATABASES)('the referral loop on %s', (kind) => {
	const t = useTestDatabase(kind, { demo: true });
	let smtp: TestSmtpServer;
	const previousSmtp = process.env.SMTP_URL;
	let agent: Caller;
	let agentEmail: string;
	const members = new Map<string, { caller: Caller; email: string }>();
	let first: string;
	let second: string;

	async function account(email: string, role: 'partner' | 'agent', structureIds: string[] = []) {
		const { user } = await createUser(t.db, systemCaller('test'), {
			email,
			role,
			territories: [DEMO_TERRITORY_ID],
			password: 'cheval-agrafe-batterie-correcte-2026',
			structures: structureIds
		});
		const summary = await getUser(t.db, user.id);
		return { principal: userPrincipal(summary!), ip: '203.0.113.7' } satisfies Caller;
	}

	beforeAll(async () => {
		smtp = await startSmtpServer();
		process.env.SMTP_URL = smtp.url;
		resetMailTransport();
		agentEmail = `agent.${kind}@guichet.example.fr`;
		agent = await account(agentEmail, 'agent');
		const ranked = (await ask(t.db, agent, REQUEST)).result.recommendations;
		first = ranked[0]?.structure.id as string;
		second = ranked[1]?.structure.id as string;
		expect(first).toBeDefined();
		expect(second).toBeDefined();
		for (const id of [first, second, 'demo:gestion-cas-est']) {
			const email = `membre.${id.replace(/\W/g, '-')}.${kind}@structure.example.fr`;
			members.set(id, { caller: await account(email, 'partner', [id]), email });
		}
	});

	afterAll(async () => {
		await smtp.stop();
		if (previousSmtp === undefined) delete process.env.SMTP_URL;
		else process.env.SMTP_URL = previousSmtp;
		resetMailTransport();
	});

	const member = (id: string) => members.get(id)!.caller;

	it('drives record → inbox → refusal → re-orientation → acceptance → closing', async () => {
		smtp.clear();
		const created = await createOrientation(t.db, agent, {
			...REQUEST,
			note: NOTE,
			structure: first
		});

		// The structure's member is told by mail: a link to the inbox, nothing on the person.
		const told = await smtp.waitFor((m) => m.subject.includes(created.reference));
		expect(told.to).toEqual([members.get(first)!.email]);
		expect(told.text).toContain(
			`/structures/${encodeURIComponent(first)}/demandes?orientation=${created.id}`
		);
		expectNothingPersonal(told);

		// … and finds it in its inbox, the age as a band only.
		const inbox = await listOrientations(t.db, member(first), {
			structure: first,
			order: 'inbox'
		});
		expect(inbox.rows.map((r) => r.reference)).toContain(created.reference);
		expect(inbox.rows.find((r) => r.id === created.id)).toMatchObject({ ageBand: 80 });

		// The agent cannot answer for a structure that has members.
		const forbidden = await orientationRejection(
			changeStatus(t.db, agent, created.id, { status: 'accepted' })
		);
		expect(forbidden.status).toBe(403);
		expect(forbidden.message).toMatch(/a des membres/);

		// The member refuses with a coded reason; the agent is told, without the free text.
		smtp.clear();
		const refused = await changeStatus(t.db, member(first), created.id, {
			status: 'refused',
			reason_code: 'file_active_complete',
			reason: 'Plus de place avant janvier.'
		});
		expect(refused.status).toBe('refused');
		expect(refused.age).toBeNull();
		expect(refused.history.at(-1)).toMatchObject({
			status: 'refused',
			reasonCode: 'file_active_complete',
			byStructure: true
		});
		const answer = await smtp.waitFor((m) => m.to.includes(agentEmail));
		expect(answer.subject).toContain(created.reference);
		expect(answer.text).toContain('File active complète');
		expect(answer.text).not.toContain('janvier');
		expect(answer.text).toContain(`/orientations/${created.id}`);

		// Re-orientation: the refusing structure is left out, named among the exclusions.
		const again = await reorient(t.db, agent, created.reference, {});
		expect(again.answer.result.recommendations.map((r) => r.structure.id)).not.toContain(first);
		const left = again.answer.result.excluded.find((e) => e.structure.id === first);
		expect(left?.codes).toEqual(['refused']);
		expect(left?.reasons[0]).toContain(created.reference);
		expect(left?.reasons[0]).toContain('File active complète');
		const [next] = await t.db.select().from(orientations).where(eq(orientations.id, again.id));
		expect(next).toMatchObject({ previousId: created.id, structureId: second, status: 'sent' });

		// Linked both ways; a second re-orientation of the same record is refused.
		const byAgent = await changeStatus(t.db, member(second), again.id, { status: 'accepted' });
		expect(byAgent.previous).toEqual({ id: created.id, reference: created.reference });
		const twice = await orientationRejection(reorient(t.db, agent, created.id, {}));
		expect(twice.status).toBe(422);
		expect(twice.issues[0]?.message).toContain(again.reference);
		const list = await listOrientations(t.db, agent, { mine: true });
		expect(list.rows.find((r) => r.id === created.id)).toMatchObject({ reoriented: true });

		// The second structure closes the follow-up with a reason; nothing moves after.
		const closed = await changeStatus(t.db, member(second), again.id, {
			status: 'closed',
			reason_code: 'fin_accompagnement'
		});
		expect(closed.history.map((h) => h.status)).toEqual(['sent', 'accepted', 'closed']);
		const after = await orientationRejection(
			changeStatus(t.db, member(second), again.id, { status: 'accepted' })
		);
		expect(after.status).toBe(422);
	});

	it('keeps each structure behind its wall', async () => {
		const o = await createOrientation(t.db, agent, { ...REQUEST, note: NOTE, structure: first });
		const other = member(second);
		// A member of another structure neither sees it, nor its inbox, nor answers it.
		const listed = await listOrientations(t.db, other, {});
		expect(listed.rows.map((r) => r.id)).not.toContain(o.id);
		await expect(inboxOf(t.db, other, first)).rejects.toBeInstanceOf(ServiceError);
		const answer = await orientationRejection(
			changeStatus(t.db, other, o.id, { status: 'accepted' })
		);
		expect(answer.status).toBe(404);
		// A structure's token acts as its member, nothing more.
		const { token } = await createApiToken(t.db, systemCaller('test'), {
			name: `SI ${kind}`,
			role: 'partner',
			structure: first
		});
		const principal = await authenticateApiToken(t.db, token);
		expect(principal).toMatchObject({ structures: [first], territories: [DEMO_TERRITORY_ID] });
		const system = { principal: principal!, ip: null } satisfies Caller;
		const since = new Date(Date.now() - 60_000);
		const polled = await listOrientations(t.db, system, { structure: first, since });
		expect(polled.rows.map((r) => r.id)).toContain(o.id);
		expect((await listOrientations(t.db, system, { structure: second })).total).toBe(0);
		const waitlisted = await changeStatus(t.db, system, o.id, { status: 'waitlisted' });
		expect(waitlisted.history.at(-1)).toMatchObject({ status: 'waitlisted', byStructure: true });
		// The coded reasons are checked.
		const bad = await orientationRejection(
			changeStatus(t.db, system, o.id, { status: 'refused', reason_code: 'trop_loin' })
		);
		expect(bad.issues[0]).toMatchObject({ path: 'reason_code' });
		const autre = await orientationRejection(
			changeStatus(t.db, system, o.id, { status: 'refused', reason_code: 'autre' })
		);
		expect(autre.issues[0]).toMatchObject({ path: 'reason' });
	});

	it('lets the agent record the answer of a structure without members, marked as such', async () => {
		const ranked = (await ask(t.db, agent, REQUEST)).result.recommendations;
		const alone = ranked.find((r) => !members.has(r.structure.id))?.structure.id as string;
		const o = await createOrientation(t.db, agent, { ...REQUEST, structure: alone });
		const recorded = await changeStatus(t.db, agent, o.id, { status: 'accepted' });
		expect(recorded.history.at(-1)).toMatchObject({ status: 'accepted', byStructure: false });
		expect(recorded.structureHasMembers).toBe(false);
	});

	it('reminds after the territory’s delay, once more before expiry, then expires — each mail once', async () => {
		const pilot = { principal: { ...agent.principal, role: 'pilot' as const }, ip: null };
		// The territory's pilot sets its delays; a reminder after the expiry is refused.
		const late: unknown = await setReferralDelays(t.db, pilot, DEMO_TERRITORY_ID, {
			reminder_days: 12,
			expiry_days: 12
		}).catch((e: unknown) => e);
		expect((late as ServiceError).issues[0]).toMatchObject({ path: 'reminder_days' });
		await expect(
			setReferralDelays(t.db, agent, DEMO_TERRITORY_ID, { reminder_days: 5, expiry_days: 12 })
		).rejects.toMatchObject({ kind: 'forbidden' });
		await setReferralDelays(t.db, pilot, DEMO_TERRITORY_ID, { reminder_days: 5, expiry_days: 12 });
		const o = await createOrientation(t.db, agent, { ...REQUEST, note: NOTE, structure: first });
		const sentAt = (await t.db.select().from(orientations).where(eq(orientations.id, o.id)))[0]!
			.statusChangedAt;
		const at = (days: number) => new Date(sentAt.getTime() + days * DAY + 60_000);
		const mailsFor = () => smtp.messages.filter((m) => m.subject.includes(o.reference));
		smtp.clear();

		await runReferralJobs(t.db, at(4));
		expect(mailsFor()).toHaveLength(0);
		const overdueBefore = await listOrientations(t.db, agent, { status: 'overdue' }, at(4));
		expect(overdueBefore.rows.map((r) => r.id)).not.toContain(o.id);

		await runReferralJobs(t.db, at(5));
		await runReferralJobs(t.db, at(6));
		expect(mailsFor().map((m) => m.subject)).toEqual([expect.stringMatching(/^Relance/)]);
		expect(mailsFor()[0]?.to).toEqual([members.get(first)!.email]);
		const overdue = await listOrientations(t.db, agent, { status: 'overdue' }, at(6));
		expect(overdue.rows.map((r) => r.id)).toContain(o.id);

		await runReferralJobs(t.db, at(9));
		await runReferralJobs(t.db, at(10));
		expect(mailsFor().map((m) => m.subject)).toEqual([
			expect.stringMatching(/^Relance/),
			expect.stringMatching(/^Dernière relance/)
		]);

		const result = await runReferralJobs(t.db, at(12));
		expect(result.expired).toBeGreaterThanOrEqual(1);
		await runReferralJobs(t.db, at(13));
		const [row] = await t.db.select().from(orientations).where(eq(orientations.id, o.id));
		expect(row?.status).toBe('expired');
		const expiry = mailsFor().filter(
			(m) => /expir/i.test(m.subject) && !/relance/i.test(m.subject)
		);
		expect(expiry.flatMap((m) => m.to).sort()).toEqual(
			[agentEmail, members.get(first)!.email].sort()
		);
		for (const m of mailsFor()) expectNothingPersonal(m);

		// Expired: re-oriented like a refusal, the silent structure left out.
		const again = await reorient(t.db, agent, o.id, {});
		const left = again.answer.result.excluded.find((e) => e.structure.id === first);
		expect(left?.reasons[0]).toMatch(/expirer/);
		await setReferralDelays(t.db, pilot, DEMO_TERRITORY_ID, { reminder_days: 10, expiry_days: 30 });
	});

	it('decides case-management admission on the MAIA conditions and counts its caseload', async () => {
		const S = 'demo:gestion-cas-est';
		const cm = member(S);
		const typed = await getStructure(t.db, S);
		// With members, the typed figure gives way to the count of accepted orientations.
		expect(typed).toMatchObject({ caseloadCounted: true, caseloadCurrent: 0 });
		await t.db.update(structures).set({ caseloadMax: 1 }).where(eq(structures.id, S));

		const a = await createOrientation(t.db, agent, { ...COMPLEX, structure: S });
		// Absent, the admission is taken from the request, and recorded so.
		const admitted = await changeStatus(t.db, cm, a.id, { status: 'accepted' });
		expect(admitted.history.at(-1)?.admission).toEqual({
			trois_champs: true,
			aides_insuffisantes: true,
			sans_coordinateur: true,
			from_request: true
		});
		expect((await getStructure(t.db, S))?.caseloadCurrent).toBe(1);

		// Full: accepting is refused, the waiting list takes it.
		const b = await createOrientation(t.db, agent, { ...COMPLEX, structure: S });
		const full = await orientationRejection(changeStatus(t.db, cm, b.id, { status: 'accepted' }));
		expect(full.issues[0]?.message).toMatch(/file active complète \(1 sur 1\)/);
		const waiting = await changeStatus(t.db, cm, b.id, {
			status: 'waitlisted',
			admission: { trois_champs: true, aides_insuffisantes: true, sans_coordinateur: true }
		});
		expect(waiting.history.at(-1)?.admission).toMatchObject({ from_request: false });
		expect((await getStructure(t.db, S))?.waitlist).toBe(1);

		// The engine's « full » warning follows the count.
		const answer = await ask(t.db, agent, COMPLEX);
		const rec = answer.result.recommendations.find((r) => r.structure.id === S);
		expect(rec?.warnings.join(' ')).toMatch(/1 situations suivies pour 1 places|complet/i);

		// Closing the first frees the place; a condition judged missing needs a reason.
		await changeStatus(t.db, cm, a.id, { status: 'closed', reason_code: 'entree_etablissement' });
		const missing = await orientationRejection(
			changeStatus(t.db, cm, b.id, {
				status: 'accepted',
				admission: { trois_champs: true, aides_insuffisantes: false, sans_coordinateur: true }
			})
		);
		expect(missing.issues[0]).toMatchObject({ path: 'admission' });
		expect((await changeStatus(t.db, cm, b.id, { status: 'accepted' })).status).toBe('accepted');
		const [counted] = await queryRows<{ n: number }>(
			t.db,
			sql`select count(*)::int as n from orientations where structure_id = ${S} and status = 'accepted'`
		);
		expect((await getStructure(t.db, S))?.caseloadCurrent).toBe(Number(counted?.n));
	});

	it('invites a member: a one-time link by mail, or a one-time password without mail', async () => {
		const pilot = await account(`pilote.${kind}@territoire.example.fr`, 'agent');
		pilot.principal.role = 'pilot';
		smtp.clear();
		const mailed = await inviteMember(t.db, pilot, second, {
			email: `nouvelle.${kind}@structure.example.fr`
		});
		expect(mailed).toMatchObject({ created: true, mailed: true, oneTimePassword: null });
		const invitation = await smtp.waitFor((m) =>
			m.to.includes(`nouvelle.${kind}@structure.example.fr`)
		);
		expect(invitation.text).toMatch(/\/invitation\/[A-Za-z0-9_-]{20,}/);
		const again: unknown = await inviteMember(t.db, pilot, second, {
			email: `nouvelle.${kind}@structure.example.fr`
		}).catch((e: unknown) => e);
		expect(again).toBeInstanceOf(ServiceError);
		expect((again as ServiceError).kind).toBe('conflict');
		expect((again as ServiceError).message).toMatch(/déjà membre/);

		delete process.env.SMTP_URL;
		resetMailTransport();
		try {
			const handed = await inviteMember(t.db, pilot, second, {
				email: `sans.courriel.${kind}@structure.example.fr`
			});
			expect(handed.oneTimePassword).toMatch(/\S{12,}/);
		} finally {
			process.env.SMTP_URL = smtp.url;
			resetMailTransport();
		}
		// A member (a partner) does not invite.
		await expect(
			inviteMember(t.db, member(second), second, { email: 'x@example.fr' })
		).rejects.toBeInstanceOf(ServiceError);
	});
});
