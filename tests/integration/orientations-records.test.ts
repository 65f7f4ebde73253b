/**
 * Orientation records (issues 4 and 11): what createOrientation accepts and refuses, in readable
 * French; the status flow and its history; references (`OR-2026-00042`), unique under concurrent
 * creation and backfilled by the migration; the list, every status by default, refused and overdue
 * first; the request kept for a re-orientation; the territorial scope, the audit trail of every
 * read and write, and the anonymisation of old records.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { localYear } from '$lib/format';
import { openDatabase, queryRows, type Database, type Db } from '$lib/server/db/client';
import { orientationCounters, orientations } from '$lib/server/db/schema';
import { DEFAULT_REMINDER_DAYS, type RecommendationRequestInput } from '$lib/schemas/orientation';
import { listAudit } from '$lib/server/services/audit';
import {
	answerRequest,
	createOrientation,
	getOrientation,
	getOrientationRequest,
	listOrientations,
	parseRecommendationRequest,
	type Caller
} from '$lib/server/services/orientations';
import { anonymiseOrientations } from '$lib/server/services/privacy';
import { changeStatus } from '$lib/server/services/referrals';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import {
	DATABASES,
	MIGRATIONS_DIR,
	useTestDatabase,
	type DatabaseKind
} from '../helpers/databases';
import { DEMO_TERRITORY_ID, structureRecord } from '../factories/structures';
import {
	agentCaller,
	ask,
	expectReadableMessages,
	orientationRejection,
	orphanProblems,
	parseReference
} from '../factories/orientations';

const OTHER = 'autre-territoire';

/** A coordinated medical situation at 82 in Marseille 4e: several structures are recommended. */
const REQUEST = {
	commune: '13204',
	age: 82,
	apa: false,
	problems: ['medical'],
	criteria: ['isolement'],
	request_type: 'accompagnement',
	consent: true
} satisfies RecommendationRequestInput;

async function countOrientations(db: Db): Promise<number> {
	const [row] = await queryRows<{ n: number }>(
		db,
		sql`select count(*)::int as n from orientations`
	);
	return row?.n ?? 0;
}

describe.each(DATABASES)('orientation records on %s', (kind) => {
	const t = useTestDatabase(kind, { demo: true });
	const agent = agentCaller([DEMO_TERRITORY_ID]);
	/** The best structure for REQUEST, and one that takes its problem but is excluded. */
	let best: string;
	let excluded: string;

	beforeAll(async () => {
		const answer = await ask(t.db, agent, REQUEST);
		best = answer.result.recommendations[0]?.structure.id as string;
		excluded = answer.result.excluded[0]?.structure.id as string;
		expect(best).toBeDefined();
		expect(excluded).toBeDefined();
		await putTerritory(t.db, OTHER, { name: 'Autre territoire', communes: ['13005'] });
		await importStructures(t.db, OTHER, [
			structureRecord({
				id: 'autre:medecin',
				kind: 'medecin',
				coverage: ['13005'],
				problems: ['medical'],
				level_min: 'simple',
				level_max: 'coordonnee'
			})
		]);
	});

	async function record(caller: Caller = agent, overrides: Record<string, unknown> = {}) {
		return createOrientation(t.db, caller, { ...REQUEST, structure: best, ...overrides });
	}

	it('records an orientation toward one of the recommendations, with its answer and history', async () => {
		const { id, answer } = await record(agent, { note: 'Rappeler le fils mardi matin.' });
		expect(answer.result.recommendations[0]?.structure.id).toBe(best);
		const detail = await getOrientation(t.db, agent, id);
		expect(detail).toMatchObject({
			id,
			territoryId: DEMO_TERRITORY_ID,
			commune: '13204',
			communeName: 'Marseille 4e Arrondissement',
			age: 82,
			ageBand: 80,
			apa: false,
			problems: ['medical'],
			criteria: ['isolement'],
			requestType: 'accompagnement',
			computedLevel: 'coordonnee',
			level: 'coordonnee',
			levelReason: null,
			consent: true,
			orphan: false,
			status: 'sent',
			note: 'Rappeler le fils mardi matin.',
			mine: true
		});
		expect(detail?.structure?.id).toBe(best);
		expect(detail?.history.map((h) => [h.status, h.reason])).toEqual([['sent', null]]);
		expect((await getOrientation(t.db, agentCaller([DEMO_TERRITORY_ID]), id))?.mine).toBe(false);
	});

	it('records the first recommendation when the request names no structure (contract §3)', async () => {
		const { id, answer } = await createOrientation(t.db, agent, { ...REQUEST });
		const first = answer.result.recommendations[0]?.structure.id;
		expect(first).toBe(best);
		const detail = await getOrientation(t.db, agent, id);
		expect(detail?.structure?.id).toBe(first);
		expect(detail?.status).toBe('sent');
	});

	it('refuses a structure that is not among the recommendations', async () => {
		const before = await countOrientations(t.db);
		for (const structure of [excluded, 'inconnue:123']) {
			const error = await orientationRejection(record(agent, { structure }));
			expect(error.status).toBe(422);
			expect(error.issues).toEqual([
				{ path: 'structure', message: 'choisissez une des structures recommandées' }
			]);
		}
		// No structure while the situation is not orphan.
		const none = await orientationRejection(record(agent, { structure: null }));
		expect(none.issues.map((i) => i.path)).toEqual(['structure']);
		expect(await countOrientations(t.db)).toBe(before);
	});

	it('requires consent to send the situation to a structure', async () => {
		const before = await countOrientations(t.db);
		for (const consent of [false, undefined]) {
			const error = await orientationRejection(record(agent, { consent }));
			expect(error.status).toBe(422);
			expect(error.issues.map((i) => i.path)).toEqual(['consent']);
		}
		expect(await countOrientations(t.db)).toBe(before);
	});

	it('requires a reason to override the computed level, and keeps both levels', async () => {
		const error = await orientationRejection(record(agent, { level: 'simple' }));
		expect(error.issues.map((i) => i.path)).toEqual(['level_reason']);

		// Choosing the computed level needs no reason.
		await record(agent, { level: 'coordonnee' });

		const answer = await ask(t.db, agent, { ...REQUEST, level: 'simple' });
		const structure = answer.result.recommendations[0]?.structure.id;
		const { id } = await record(agent, {
			level: 'simple',
			level_reason: 'Le médecin traitant suit déjà la situation.',
			structure
		});
		const detail = await getOrientation(t.db, agent, id);
		expect(detail).toMatchObject({
			computedLevel: 'coordonnee',
			level: 'simple',
			levelReason: 'Le médecin traitant suit déjà la situation.'
		});
	});

	it('refuses an unknown field such as a name, at its path, and writes nothing', async () => {
		const before = await countOrientations(t.db);
		const error = await orientationRejection(record(agent, { nom: 'Dupont' }));
		expect(error.status).toBe(422);
		expect(error.issues).toHaveLength(1);
		expect(error.issues[0]?.path).toBe('nom');
		expect(error.issues[0]?.message).toMatch(/champ inconnu/);
		const nested = await orientationRejection(
			record(agent, { location: { lon: 5.4, lat: 43.3, prenom: 'Jean' } })
		);
		expect(nested.issues.map((i) => i.path)).toEqual(['location.prenom']);
		expect(await countOrientations(t.db)).toBe(before);
	});

	it('records an orphan situation with no structure, closed at once and counted as orphan', async () => {
		const base = {
			commune: '13204',
			age: 55,
			criteria: ['cumul_pathologies' as const, 'services_depasses' as const],
			consent: false
		};
		const [problem] = await orphanProblems(t.db, agent, base);
		expect(problem).toBeDefined();
		const { id, answer } = await createOrientation(t.db, agent, {
			...base,
			problems: [problem],
			structure: null
		});
		expect(answer.result.orphan).toBe(true);
		const detail = await getOrientation(t.db, agent, id);
		expect(detail).toMatchObject({
			orphan: true,
			structure: null,
			status: 'closed',
			consent: false
		});
		expect(detail?.history.map((h) => h.status)).toEqual(['closed']);
		expect(detail?.history[0]?.reason).toMatch(/orpheline/);
		expect((await listOrientations(t.db, agent, { orphan: true })).rows.map((r) => r.id)).toContain(
			id
		);
	});

	it('follows sent → accepted → closed, keeping the history in order', async () => {
		const { id } = await record();
		const accepted = await changeStatus(t.db, agent, id, { status: 'accepted' });
		expect(accepted.status).toBe('accepted');
		const closed = await changeStatus(t.db, agent, id, {
			status: 'closed',
			reason_code: 'fin_accompagnement',
			reason: 'Prise en charge terminée.'
		});
		expect(closed.status).toBe('closed');
		// The demo's structures have no members: the agent records their answers, and the record
		// says so (`byStructure: false`).
		expect(
			closed.history.map((h) => [h.status, h.reasonCode, h.reason, h.byStructure, h.admission])
		).toEqual([
			['sent', null, null, false, null],
			['accepted', null, null, false, null],
			['closed', 'fin_accompagnement', 'Prise en charge terminée.', false, null]
		]);
		const times = closed.history.map((h) => h.at.getTime());
		expect([...times].sort((a, b) => a - b)).toEqual(times);
		expect(closed.statusChangedAt.getTime()).toBeGreaterThanOrEqual(closed.createdAt.getTime());
		expect((await getOrientation(t.db, agent, id))?.history).toEqual(closed.history);
	});

	it('requires a coded reason to refuse or to close, and a text for « autre »', async () => {
		const { id } = await record();
		const error = await orientationRejection(changeStatus(t.db, agent, id, { status: 'refused' }));
		expect(error.status).toBe(422);
		expect(error.issues.map((i) => i.path)).toEqual(['reason_code']);
		expect(error.issues[0]?.message).toMatch(/^un refus doit être motivé : hors_zone, /);
		// A text alone is no longer enough: the structure says why with a code.
		const textOnly = await orientationRejection(
			changeStatus(t.db, agent, id, { status: 'refused', reason: 'Hors de nos critères.' })
		);
		expect(textOnly.issues.map((i) => i.path)).toEqual(['reason_code']);
		const unknown = await orientationRejection(
			changeStatus(t.db, agent, id, { status: 'refused', reason_code: 'fin_accompagnement' })
		);
		expect(unknown.issues.map((i) => i.path)).toEqual(['reason_code']);
		expect(unknown.issues[0]?.message).toMatch(/^motif inconnu : fin_accompagnement/);
		const other = await orientationRejection(
			changeStatus(t.db, agent, id, { status: 'refused', reason_code: 'autre' })
		);
		expect(other.issues).toEqual([{ path: 'reason', message: 'précisez le motif « autre »' }]);
		// A status that is not a refusal or a closing takes no code.
		const coded = await orientationRejection(
			changeStatus(t.db, agent, id, { status: 'accepted', reason_code: 'hors_zone' })
		);
		expect(coded.issues.map((i) => i.path)).toEqual(['reason_code']);
		const closing = await orientationRejection(changeStatus(t.db, agent, id, { status: 'closed' }));
		expect(closing.issues.map((i) => i.path)).toEqual(['reason_code']);
		expect(closing.issues[0]?.message).toMatch(
			/^une clôture doit être motivée : fin_accompagnement/
		);
		expect((await getOrientation(t.db, agent, id))?.status).toBe('sent');

		const refused = await changeStatus(t.db, agent, id, {
			status: 'refused',
			reason_code: 'hors_public',
			reason: 'Hors de nos critères d’admission.'
		});
		expect(refused.history.map((h) => [h.status, h.reasonCode, h.reason])).toEqual([
			['sent', null, null],
			['refused', 'hors_public', 'Hors de nos critères d’admission.']
		]);
		// A refusal is final: the agent re-orients it, it is not closed.
		const after = await orientationRejection(
			changeStatus(t.db, agent, id, { status: 'closed', reason_code: 'fin_accompagnement' })
		);
		expect(after.status).toBe(422);
		expect(after.issues).toEqual([
			{
				path: 'status',
				message: `l’orientation ${refused.reference} est « Refusée » : son statut ne change plus (réorientez-la)`
			}
		]);
		expect((await getOrientation(t.db, agent, id))?.status).toBe('refused');
	});

	it('refuses an illegal transition or an unknown status, and changes nothing', async () => {
		const { id } = await record();
		for (const status of ['sent', 'perdue']) {
			const error = await orientationRejection(changeStatus(t.db, agent, id, { status }));
			expect(error.status).toBe(422);
			expect(error.issues.map((i) => i.path)).toEqual(['status']);
		}
		// Only the instance lets an orientation expire, after the territory's delay.
		const expired = await orientationRejection(
			changeStatus(t.db, agent, id, { status: 'expired' })
		);
		expect(expired.status).toBe(422);
		expect(expired.issues.map((i) => i.path)).toEqual(['status']);
		expect(expired.issues[0]?.message).toMatch(
			/^l’orientation OR-\d{4}-\d{5} est « Envoyée » : seule l’instance la fait expirer/
		);
		await changeStatus(t.db, agent, id, { status: 'accepted' });
		const backwards = await orientationRejection(
			changeStatus(t.db, agent, id, {
				status: 'refused',
				reason_code: 'hors_missions',
				reason: 'Trop tard.'
			})
		);
		expect(backwards.issues[0]?.message).toMatch(
			/^l’orientation OR-\d{4}-\d{5} est « Acceptée » : elle ne peut pas devenir « Refusée » \(seulement « Clôturée »\)$/
		);
		for (const status of ['waitlisted', 'expired']) {
			const error = await orientationRejection(changeStatus(t.db, agent, id, { status }));
			expect(error.status).toBe(422);
			expect(error.issues.map((i) => i.path)).toEqual(['status']);
		}
		await changeStatus(t.db, agent, id, { status: 'closed', reason_code: 'deces' });
		for (const change of [
			{ status: 'sent' },
			{ status: 'accepted' },
			{ status: 'closed', reason_code: 'fin_accompagnement' }
		]) {
			const error = await orientationRejection(changeStatus(t.db, agent, id, change));
			expect(error.status).toBe(422);
			expect(error.issues.map((i) => i.path)).toEqual(['status']);
		}
		const detail = await getOrientation(t.db, agent, id);
		expect(detail?.history.map((h) => h.status)).toEqual(['sent', 'accepted', 'closed']);
	});

	it('keeps each territory’s orientations to its own agents', async () => {
		const { id } = await record();
		const outsider = agentCaller([OTHER]);
		expect(await getOrientation(t.db, outsider, id)).toBeNull();
		const error = await orientationRejection(
			changeStatus(t.db, outsider, id, { status: 'accepted' })
		);
		expect(error.status).toBe(404);
		expect((await getOrientation(t.db, agent, id))?.status).toBe('sent');
		// A place of none of its territories: nothing to answer.
		expect((await orientationRejection(ask(t.db, outsider, REQUEST))).status).toBe(404);

		const theirs = await createOrientation(t.db, outsider, {
			...REQUEST,
			commune: '13005',
			structure: 'autre:medecin'
		});
		expect(theirs.answer.territory).toBe(OTHER);

		const seenByOutsider = await listOrientations(t.db, outsider, {});
		expect(seenByOutsider.rows.map((r) => r.id)).toEqual([theirs.id]);
		expect(seenByOutsider.total).toBe(1);
		const seenByAgent = await listOrientations(t.db, agent, { limit: 500 });
		expect(seenByAgent.rows.map((r) => r.id)).toContain(id);
		expect(seenByAgent.rows.map((r) => r.id)).not.toContain(theirs.id);
		expect(new Set(seenByAgent.rows.map((r) => r.territoryId))).toEqual(
			new Set([DEMO_TERRITORY_ID])
		);
		const everywhere = await listOrientations(t.db, agentCaller(null, 'admin'), { limit: 500 });
		expect(everywhere.rows.map((r) => r.id)).toEqual(expect.arrayContaining([id, theirs.id]));
		const none = await listOrientations(t.db, agentCaller([]), {});
		expect(none.total).toBe(0);
	});

	it('audits every read and write of an orientation, and denied attempts', async () => {
		const caller = agentCaller([DEMO_TERRITORY_ID]);
		const note = 'Voisine inquiète, passage prévu jeudi.';
		const { id } = await record(caller, { note });
		await getOrientation(t.db, caller, id);
		await changeStatus(t.db, caller, id, { status: 'accepted' });
		await listOrientations(t.db, caller, { status: 'open' });
		const outsider = agentCaller([OTHER]);
		await getOrientation(t.db, outsider, id);
		await orientationRejection(
			changeStatus(t.db, outsider, id, { status: 'closed', reason_code: 'fin_accompagnement' })
		);

		const { rows } = await listAudit(t.db, { action: 'orientation.', limit: 1000 });
		const mine = rows
			.filter((r) => r.targetId === id || r.actorId === caller.principal.id)
			.reverse()
			.map((r) => ({
				action: r.action,
				outcome: r.outcome,
				actor: r.actorId,
				target: r.targetId,
				territory: r.territoryId
			}));
		const me = caller.principal.id;
		const them = outsider.principal.id;
		expect(mine).toEqual([
			{
				action: 'orientation.create',
				outcome: 'success',
				actor: me,
				target: id,
				territory: DEMO_TERRITORY_ID
			},
			{
				action: 'orientation.read',
				outcome: 'success',
				actor: me,
				target: id,
				territory: DEMO_TERRITORY_ID
			},
			{
				action: 'orientation.status',
				outcome: 'success',
				actor: me,
				target: id,
				territory: DEMO_TERRITORY_ID
			},
			{ action: 'orientation.list', outcome: 'success', actor: me, target: null, territory: null },
			{ action: 'orientation.read', outcome: 'denied', actor: them, target: id, territory: null },
			{ action: 'orientation.status', outcome: 'denied', actor: them, target: id, territory: null }
		]);
		const create = rows.find((r) => r.action === 'orientation.create' && r.targetId === id);
		const { reference } = (await getOrientation(t.db, caller, id)) as { reference: string };
		expect(create?.details).toEqual({
			reference,
			orphan: false,
			level: 'coordonnee',
			structure: best,
			previous: null
		});
		const read = rows.find(
			(r) => r.action === 'orientation.read' && r.targetId === id && r.outcome === 'success'
		);
		expect(read?.details).toEqual({ reference });
		const status = rows.find(
			(r) => r.action === 'orientation.status' && r.targetId === id && r.outcome === 'success'
		);
		expect(status?.details).toEqual({
			reference,
			from: 'sent',
			to: 'accepted',
			reason_code: null,
			by_structure: false
		});
		// Codes and counts only: the free text never reaches the log.
		expect(JSON.stringify(rows)).not.toContain(note);
	});

	it('gives every orientation a reference of its year, unique and increasing, even when created concurrently', async () => {
		const first = await record();
		const before = parseReference(first.reference);
		const created = await Promise.all(Array.from({ length: 20 }, () => record()));
		const numbers = created.map((c) => parseReference(c.reference));
		const year = localYear(new Date());
		for (const n of numbers) expect(n.year).toBe(year);
		const sorted = numbers.map((n) => n.number).sort((a, b) => a - b);
		// Twenty distinct numbers, one after the other, all after the earlier one.
		expect(new Set(sorted).size).toBe(20);
		expect(sorted).toEqual(Array.from({ length: 20 }, (_, i) => before.number + 1 + i));
		const last = await record();
		expect(parseReference(last.reference).number).toBe(before.number + 21);
		const [counter] = await t.db
			.select()
			.from(orientationCounters)
			.where(eq(orientationCounters.year, year));
		expect(counter?.last).toBe(before.number + 21);

		// Its year is the year of its creation in Europe/Paris.
		const detail = await getOrientation(t.db, agent, last.id);
		expect(detail?.reference).toBe(last.reference);
		expect(localYear(detail?.createdAt as Date)).toBe(year);
		// A rolled-back insert gives its number back.
		await t.db
			.transaction(async (tx) => {
				await tx.execute(sql`insert into orientations (id, commune, problems, criteria,
					request_type, computed_level, level, consent, orphan, status)
					values ('annulee', '13204', '{medical}', '{}', 'accompagnement', 'simple', 'simple',
						true, false, 'sent')`);
				throw new Error('annulée');
			})
			.catch(() => undefined);
		expect(parseReference((await record()).reference).number).toBe(before.number + 22);
	});

	it('finds an orientation by its reference as by its id, in the caller’s territories only', async () => {
		const { id, reference } = await record();
		expect((await getOrientation(t.db, agent, reference))?.id).toBe(id);
		expect((await getOrientation(t.db, agent, reference.toLowerCase()))?.id).toBe(id);
		expect(await getOrientation(t.db, agentCaller([OTHER]), reference)).toBeNull();
		expect(await getOrientation(t.db, agent, 'OR-1999-99999')).toBeNull();
		const accepted = await changeStatus(t.db, agent, reference, { status: 'accepted' });
		expect(accepted).toMatchObject({ id, reference, status: 'accepted' });
	});

	it('lists every status by default, the refused ones first, with a count per status', async () => {
		const me = agentCaller([DEMO_TERRITORY_ID]);
		const a = await record(me);
		const b = await record(me);
		const c = await record(me);
		const d = await record(me);
		await changeStatus(t.db, me, b.id, {
			status: 'refused',
			reason_code: 'hors_zone',
			reason: 'Hors de notre secteur.'
		});
		await changeStatus(t.db, me, c.id, { status: 'accepted' });
		await changeStatus(t.db, me, c.id, { status: 'closed', reason_code: 'fin_accompagnement' });
		await changeStatus(t.db, me, d.id, { status: 'waitlisted' });

		// Right after a refusal, the agent's list shows it, first.
		const list = await listOrientations(t.db, me, { mine: true });
		expect(list.total).toBe(4);
		expect(list.rows.map((r) => r.id)).toEqual([b.id, d.id, c.id, a.id]);
		expect(list.rows[0]).toMatchObject({
			status: 'refused',
			reference: b.reference,
			reasonCode: 'hors_zone',
			reoriented: false
		});
		expect(list.counts).toEqual({
			sent: 1,
			accepted: 0,
			refused: 1,
			waitlisted: 1,
			expired: 0,
			closed: 1,
			overdue: 0,
			all: 4
		});
		const refused = await listOrientations(t.db, me, { mine: true, status: 'refused' });
		expect(refused.rows.map((r) => r.id)).toEqual([b.id]);
		expect(refused.total).toBe(1);
		// The counts stay those of every status, whichever one is listed.
		expect(refused.counts.all).toBe(4);
		// Open: sent, on a waiting list or accepted — still in progress.
		const open = await listOrientations(t.db, me, { mine: true, status: 'open' });
		expect(open.rows.map((r) => r.id)).toEqual([d.id, a.id]);
		expect(open.total).toBe(2);
	});

	it('lists as overdue what was sent more than the delay ago without an answer, after the refusals', async () => {
		const me = agentCaller([DEMO_TERRITORY_ID]);
		const late = await record(me);
		const answered = await record(me);
		const recent = await record(me);
		const refused = await record(me);
		const lateLonger = await record(me);
		await changeStatus(t.db, me, answered.id, { status: 'accepted' });
		await changeStatus(t.db, me, refused.id, {
			status: 'refused',
			reason_code: 'file_active_complete',
			reason: 'Liste d’attente.'
		});
		const ago = (days: number) => sql`now() - make_interval(days => ${days})`;
		const backdate = (id: string, days: number) =>
			t.db
				.update(orientations)
				.set({ statusChangedAt: ago(days), createdAt: ago(days) })
				.where(eq(orientations.id, id));
		await backdate(late.id, DEFAULT_REMINDER_DAYS + 1);
		await backdate(lateLonger.id, DEFAULT_REMINDER_DAYS + 5);
		await backdate(answered.id, DEFAULT_REMINDER_DAYS + 3);
		await backdate(recent.id, DEFAULT_REMINDER_DAYS - 1);

		const overdue = await listOrientations(t.db, me, { mine: true, status: 'overdue' });
		expect(overdue.rows.map((r) => r.id)).toEqual([lateLonger.id, late.id]);
		expect(overdue.rows.every((r) => r.overdue && r.status === 'sent')).toBe(true);
		expect(overdue.total).toBe(2);
		expect(overdue.counts).toMatchObject({ overdue: 2, sent: 3, all: 5 });

		// Refused first, then overdue (the longest waiting first), then the others, newest first.
		const all = await listOrientations(t.db, me, { mine: true });
		expect(all.rows.map((r) => r.id)).toEqual([
			refused.id,
			lateLonger.id,
			late.id,
			recent.id,
			answered.id
		]);
		expect((await getOrientation(t.db, me, late.id))?.overdue).toBe(true);
		expect((await getOrientation(t.db, me, recent.id))?.overdue).toBe(false);
		// Two days later, the recent one is overdue too.
		const later = new Date(Date.now() + 2 * 86_400_000);
		const then = await listOrientations(t.db, me, { mine: true, status: 'overdue' }, later);
		expect(then.rows.map((r) => r.id)).toEqual([lateLonger.id, late.id, recent.id]);

		// The delay is the territory's own (`reminder_days`, 10 days by default).
		const setDelay = (days: number) =>
			t.db.execute(
				sql`update territories set reminder_days = ${days} where id = ${DEMO_TERRITORY_ID}`
			);
		await setDelay(DEFAULT_REMINDER_DAYS + 3);
		try {
			const longer = await listOrientations(t.db, me, { mine: true, status: 'overdue' });
			expect(longer.rows.map((r) => r.id)).toEqual([lateLonger.id]);
			expect((await getOrientation(t.db, me, late.id))?.overdue).toBe(false);
		} finally {
			await setDelay(DEFAULT_REMINDER_DAYS);
		}
	});

	it('says what is wrong in French, naming the expected values by their labels', async () => {
		const wrong = await orientationRejection(
			record(agent, {
				problems: ['medical', 'inconnu'],
				criteria: ['isolement', 42],
				age: 'quatre-vingts',
				apa: 'oui',
				request_type: 'urgent',
				level: 'maximal',
				consent: 'oui'
			})
		);
		expect(wrong.status).toBe(422);
		const byPath = Object.fromEntries(wrong.issues.map((i) => [i.path, i.message]));
		expect(Object.keys(byPath).sort()).toEqual(
			['age', 'apa', 'consent', 'criteria.1', 'level', 'problems.1', 'request_type'].sort()
		);
		expectReadableMessages(Object.values(byPath));
		expect(byPath['problems.1']).toMatch(/^valeur inconnue pour le problème : choisissez /);
		expect(byPath['problems.1']).toContain('« Perte d’autonomie »');
		expect(byPath['problems.1']).not.toContain('perte_autonomie');
		expect(byPath['level']).toContain('« Situation complexe »');
		expect(byPath['request_type']).toBe(
			'valeur inconnue pour le type de demande : choisissez « Accompagnement », « Information » ou « Demande d’un service (soins à domicile, place en établissement déjà décidée) »'
		);
		expect(byPath['criteria.1']).toContain('« Isolement (aucun proche impliqué) »');
		expect(byPath['age']).toBe('l’âge est un nombre entier d’années');
		expect(byPath['apa']).toMatch(/vrai ou faux/);

		const ranges = await orientationRejection(
			record(agent, { age: 150, problems: [], location: { lon: 200, lat: 43 } })
		);
		expectReadableMessages(ranges.issues.map((i) => i.message));
		expect(ranges.issues.find((i) => i.path === 'age')?.message).toBe(
			'l’âge ne peut pas dépasser 130 ans'
		);

		const { id } = await record();
		const status = await orientationRejection(changeStatus(t.db, agent, id, { status: 'perdue' }));
		expectReadableMessages(status.issues.map((i) => i.message));
		expect(status.issues).toEqual([
			{
				path: 'status',
				message:
					'valeur inconnue pour le statut : choisissez « Envoyée », « Acceptée », « Refusée », « En liste d’attente », « Expirée » ou « Clôturée »'
			}
		]);
		const missing = await orientationRejection(changeStatus(t.db, agent, id, {}));
		expect(missing.issues[0]?.message).toMatch(/^indiquez le statut : « Envoyée »/);
		const unknownCode = await orientationRejection(
			changeStatus(t.db, agent, id, { status: 'closed', reason_code: 'guerison' })
		);
		expectReadableMessages(unknownCode.issues.map((i) => i.message));
		expect(unknownCode.issues).toEqual([
			{
				path: 'reason_code',
				message:
					'motif inconnu : guerison (attendu : fin_accompagnement, deces, demenagement, entree_etablissement, autre)'
			}
		]);
		const closed = await changeStatus(t.db, agent, id, {
			status: 'closed',
			reason_code: 'demenagement'
		});
		const after = await orientationRejection(changeStatus(t.db, agent, id, { status: 'accepted' }));
		expect(after.issues[0]?.message).toBe(
			`l’orientation ${closed.reference} est « Clôturée » : son statut ne change plus`
		);
	});

	it('gives back the request of a refused orientation, to orient it again, to its territory only', async () => {
		const me = agentCaller([DEMO_TERRITORY_ID]);
		const answer = await ask(t.db, me, { ...REQUEST, level: 'complexe' });
		const structure = answer.result.recommendations[0]?.structure.id as string;
		const { id, reference } = await record(me, {
			level: 'complexe',
			level_reason: 'Aidante épuisée.',
			structure
		});
		await changeStatus(t.db, me, id, {
			status: 'refused',
			reason_code: 'hors_missions',
			reason: 'Hors de nos missions.'
		});

		const request = await getOrientationRequest(t.db, me, id);
		expect(request).toEqual({
			id,
			reference,
			status: 'refused',
			territory: DEMO_TERRITORY_ID,
			commune: '13204',
			age: 82,
			apa: false,
			handicap: null,
			problems: ['medical'],
			criteria: ['isolement'],
			request_type: 'accompagnement',
			level: 'complexe',
			level_reason: 'Aidante épuisée.',
			case_management_reason: undefined,
			structure: {
				id: structure,
				name: answer.result.recommendations[0]?.structure.name,
				kind: answer.result.recommendations[0]?.structure.kind
			}
		});
		// It is a valid request, answered as the first one was.
		const {
			id: _id,
			reference: _reference,
			status: _status,
			structure: _structure,
			level_reason: _reason,
			...input
		} = request as NonNullable<typeof request>;
		const again = await answerRequest(t.db, me, parseRecommendationRequest(input));
		expect(again.complexity).toEqual(answer.complexity);
		// By its reference too; a computed level comes back as null, to be computed again.
		const plain = await record(me);
		expect(await getOrientationRequest(t.db, me, plain.reference)).toMatchObject({
			id: plain.id,
			level: null,
			level_reason: undefined,
			structure: { id: best }
		});

		// Outside the caller's territories: nothing, as for an unknown id; both reads are audited.
		const outsider = agentCaller([OTHER]);
		expect(await getOrientationRequest(t.db, outsider, id)).toBeNull();
		const nobody = agentCaller([]);
		expect(await getOrientationRequest(t.db, nobody, reference)).toBeNull();
		const { rows } = await listAudit(t.db, { action: 'orientation.read', limit: 1000 });
		expect(
			rows
				.filter((r) => r.targetId === id || r.targetId === reference)
				.map((r) => [r.actorId, r.outcome, r.details])
				.reverse()
		).toEqual([
			[me.principal.id, 'success', { reference }],
			[outsider.principal.id, 'denied', null],
			[nobody.principal.id, 'denied', null]
		]);
	});

	it('anonymises records past the retention period: no exact age, note or author; the age band stays', async () => {
		const old = await record(agent, { age: 87, note: 'Fille joignable le soir.' });
		const recent = await record(agent, { age: 91, note: 'À revoir dans un mois.' });
		await t.db
			.update(orientations)
			.set({ statusChangedAt: sql`now() - interval '30 months'` })
			.where(eq(orientations.id, old.id));

		expect(await anonymiseOrientations(t.db, 24)).toBe(1);
		const [row] = await t.db.select().from(orientations).where(eq(orientations.id, old.id));
		expect(row).toMatchObject({
			age: null,
			ageBand: 85,
			note: null,
			createdBy: null,
			createdByType: null,
			problems: ['medical'],
			level: 'coordonnee'
		});
		expect(row?.anonymisedAt).toBeInstanceOf(Date);
		const detail = await getOrientation(t.db, agent, old.id);
		expect(detail).toMatchObject({ age: null, ageBand: 85, note: null, mine: false });

		const kept = await getOrientation(t.db, agent, recent.id);
		expect(kept).toMatchObject({
			age: 91,
			ageBand: 90,
			note: 'À revoir dans un mois.',
			mine: true
		});
		// Done once: a second run has nothing left to do.
		expect(await anonymiseOrientations(t.db, 24)).toBe(0);
	});
});

/**
 * A database migrated to 0004 with orientations in it, then to the latest: migration 0005 numbers
 * the existing records year by year (Europe/Paris) in the order they were created, and the next
 * record continues from there.
 */
async function openMigratedTo(
	kind: DatabaseKind,
	location: string,
	migrationsDir: string
): Promise<Database> {
	return kind === 'pglite'
		? openDatabase({ dataDir: location, migrationsDir })
		: openDatabase({ databaseUrl: location, migrationsDir });
}

describe.each(DATABASES)('reference backfill on %s', (kind) => {
	it('numbers the records made before references existed, by year of creation in Paris', async () => {
		const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bontiers-backfill-'));
		const partial = path.join(scratch, 'migrations');
		fs.mkdirSync(path.join(partial, 'meta'), { recursive: true });
		const journal = JSON.parse(
			fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')
		) as { entries: { tag: string }[] };
		const upTo = journal.entries.findIndex((e) => e.tag.startsWith('0005_'));
		expect(upTo).toBeGreaterThan(0);
		const before = { ...journal, entries: journal.entries.slice(0, upTo) };
		fs.writeFileSync(path.join(partial, 'meta', '_journal.json'), JSON.stringify(before));
		for (const e of before.entries)
			fs.copyFileSync(
				path.join(MIGRATIONS_DIR, `${e.tag}.sql`),
				path.join(partial, `${e.tag}.sql`)
			);

		let location = path.join(scratch, 'data');
		let drop = async () => {};
		if (kind === 'postgres') {
			const server = inject('postgresUrl');
			const name = `test_${randomBytes(6).toString('hex')}`;
			const admin = postgres(server, { max: 1, onnotice: () => {} });
			await admin.unsafe(`create database ${name}`);
			await admin.end({ timeout: 5 });
			const url = new URL(server);
			url.pathname = `/${name}`;
			location = url.href;
			drop = async () => {
				const again = postgres(server, { max: 1, onnotice: () => {} });
				await again.unsafe(`drop database if exists ${name} with (force)`);
				await again.end({ timeout: 5 });
			};
		}
		try {
			// Given as UTC instants: the first of them is already 2026 in Paris.
			const made = {
				a: '2025-12-31T23:30:00Z',
				b: '2025-06-01T08:00:00Z',
				c: '2025-12-31T22:30:00Z',
				d: '2026-02-01T10:00:00Z',
				e: '2025-06-01T08:00:00Z'
			};
			const old = await openMigratedTo(kind, location, partial);
			try {
				for (const [id, at] of Object.entries(made)) {
					await old.db.execute(sql`insert into orientations (id, commune, problems, criteria,
						request_type, computed_level, level, consent, orphan, status, created_at)
						values (${id}, '13204', '{medical}', '{}', 'accompagnement', 'simple', 'simple',
							true, false, 'sent', ${at}::timestamptz)`);
				}
			} finally {
				await old.close();
			}
			const migrated = await openMigratedTo(kind, location, MIGRATIONS_DIR);
			try {
				const rows = await queryRows<{ id: string; reference: string }>(
					migrated.db,
					sql`select id, reference from orientations order by id`
				);
				expect(Object.fromEntries(rows.map((r) => [r.id, r.reference]))).toEqual({
					a: 'OR-2026-00001',
					b: 'OR-2025-00001',
					c: 'OR-2025-00003',
					d: 'OR-2026-00002',
					// Same instant as b: the id breaks the tie.
					e: 'OR-2025-00002'
				});
				const [next] = await queryRows<{ reference: string }>(
					migrated.db,
					sql`insert into orientations (id, commune, problems, criteria, request_type,
						computed_level, level, consent, orphan, status)
						values ('f', '13204', '{medical}', '{}', 'accompagnement', 'simple', 'simple',
							true, false, 'sent')
						returning reference`
				);
				const year = localYear(new Date());
				const counted = { 2025: 3, 2026: 2 }[year] ?? 0;
				expect(next?.reference).toBe(`OR-${year}-${String(counted + 1).padStart(5, '0')}`);
			} finally {
				await migrated.close();
			}
		} finally {
			await drop();
			fs.rmSync(scratch, { recursive: true, force: true });
		}
	});
});
