/**
 * Orientation records (issue 4): what createOrientation accepts and refuses, the status flow and
 * its history, the territorial scope, the audit trail of every read and write, and the
 * anonymisation of old records.
 */
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Db } from '$lib/server/db/client';
import { orientations } from '$lib/server/db/schema';
import type { RecommendationRequestInput } from '$lib/schemas/orientation';
import { listAudit } from '$lib/server/services/audit';
import {
	changeStatus,
	createOrientation,
	getOrientation,
	listOrientations,
	type Caller
} from '$lib/server/services/orientations';
import { anonymiseOrientations } from '$lib/server/services/privacy';
import { importStructures } from '$lib/server/services/structures';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { DEMO_TERRITORY_ID, structureRecord } from '../factories/structures';
import { agentCaller, ask, orientationRejection, orphanProblems } from '../factories/orientations';

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
			reason: 'Prise en charge terminée.'
		});
		expect(closed.status).toBe('closed');
		expect(closed.history.map((h) => [h.status, h.reason])).toEqual([
			['sent', null],
			['accepted', null],
			['closed', 'Prise en charge terminée.']
		]);
		const times = closed.history.map((h) => h.at.getTime());
		expect([...times].sort((a, b) => a - b)).toEqual(times);
		expect(closed.statusChangedAt.getTime()).toBeGreaterThanOrEqual(closed.createdAt.getTime());
		expect((await getOrientation(t.db, agent, id))?.history).toEqual(closed.history);
	});

	it('requires a reason to refuse', async () => {
		const { id } = await record();
		const error = await orientationRejection(changeStatus(t.db, agent, id, { status: 'refused' }));
		expect(error.status).toBe(422);
		expect(error.issues.map((i) => i.path)).toEqual(['reason']);
		const refused = await changeStatus(t.db, agent, id, {
			status: 'refused',
			reason: 'Hors de nos critères d’admission.'
		});
		expect(refused.history.map((h) => [h.status, h.reason])).toEqual([
			['sent', null],
			['refused', 'Hors de nos critères d’admission.']
		]);
		expect((await changeStatus(t.db, agent, id, { status: 'closed' })).status).toBe('closed');
	});

	it('refuses an illegal transition or an unknown status, and changes nothing', async () => {
		const { id } = await record();
		for (const status of ['sent', 'perdue']) {
			const error = await orientationRejection(changeStatus(t.db, agent, id, { status }));
			expect(error.status).toBe(422);
			expect(error.issues.map((i) => i.path)).toEqual(['status']);
		}
		await changeStatus(t.db, agent, id, { status: 'accepted' });
		const backwards = await orientationRejection(
			changeStatus(t.db, agent, id, { status: 'refused', reason: 'Trop tard.' })
		);
		expect(backwards.issues[0]?.message).toMatch(/« accepted » à « refused » impossible/);
		await changeStatus(t.db, agent, id, { status: 'closed' });
		for (const status of ['sent', 'accepted', 'closed']) {
			const error = await orientationRejection(changeStatus(t.db, agent, id, { status }));
			expect(error.status).toBe(422);
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
		await orientationRejection(changeStatus(t.db, outsider, id, { status: 'closed' }));

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
		expect(create?.details).toEqual({ orphan: false, level: 'coordonnee', structure: best });
		const status = rows.find(
			(r) => r.action === 'orientation.status' && r.targetId === id && r.outcome === 'success'
		);
		expect(status?.details).toEqual({ from: 'sent', to: 'accepted' });
		// Codes and counts only: the free text never reaches the log.
		expect(JSON.stringify(rows)).not.toContain(note);
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
