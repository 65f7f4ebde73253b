/**
 * Walls that hold (issue 12), on both databases: free text holding a direct identifier is refused
 * at its field and never stored; an agent never orients outside its territories, and every
 * structure it is recommended is one it can open; a retried create with the same Idempotency-Key
 * returns the first answer; an orientation never exists without its audit entry; anonymisation
 * removes every free text and author; database errors print no request value.
 */
import util from 'node:util';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatabaseQueryError, queryRows, type Db } from '$lib/server/db/client';
import { idempotencyKeys, orientationEvents, orientations } from '$lib/server/db/schema';
import type { RecommendationRequestInput } from '$lib/schemas/orientation';
import {
	createOrientation,
	getOrientation,
	ORPHAN_REASON,
	type Caller
} from '$lib/server/services/orientations';
import { purge } from '$lib/server/services/privacy';
import { changeStatus } from '$lib/server/services/referrals';
import { getStructure } from '$lib/server/services/structures';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { DEMO_TERRITORY_ID, structureRecord } from '../factories/structures';
import {
	agentCaller,
	ask,
	orientationCounts,
	orientationRejection,
	orphanProblems,
	storedText
} from '../factories/orientations';

const DEMO_NAME = 'Marseille 4e et 12e arrondissements';
const OTHER = 'aubagne-test';
const AUBAGNE = '13005';
const AIX = '13001';

/** A coordinated medical situation at 82 in Marseille 4e. */
const REQUEST = {
	commune: '13204',
	age: 82,
	apa: false,
	problems: ['medical'],
	criteria: ['isolement'],
	request_type: 'accompagnement',
	consent: true
} satisfies RecommendationRequestInput;

/** A database error's every printable form (what a log could show). */
function printed(error: unknown): string {
	return [
		util.inspect(error, { depth: 10, showHidden: true }),
		String(error),
		JSON.stringify(error),
		error instanceof Error ? (error.stack ?? '') : ''
	].join('\n');
}

async function withTrigger(db: Db, action: string, run: () => Promise<void>): Promise<void> {
	await db.execute(
		sql.raw(`create or replace function test_refuse_audit() returns trigger language plpgsql as $$
			begin
				if new.action = '${action}' then raise exception 'journal indisponible (test)'; end if;
				return new;
			end $$`)
	);
	await db.execute(
		sql.raw(`create trigger test_refuse_audit before insert on audit_log
			for each row execute function test_refuse_audit()`)
	);
	try {
		await run();
	} finally {
		await db.execute(sql.raw('drop trigger test_refuse_audit on audit_log'));
		await db.execute(sql.raw('drop function test_refuse_audit()'));
	}
}

describe.each(DATABASES)('walls that hold on %s', (kind) => {
	const t = useTestDatabase(kind, { demo: true });
	const agent = agentCaller([DEMO_TERRITORY_ID]);
	let best: string;

	beforeAll(async () => {
		await putTerritory(t.db, OTHER, { name: 'Aubagne (test)', communes: [AUBAGNE] });
		await importStructures(t.db, OTHER, [
			structureRecord({
				id: 'aubagne:ssiad',
				name: 'SSIAD d’Aubagne',
				kind: 'ssiad',
				coverage: [AUBAGNE],
				problems: ['medical'],
				level_min: 'simple',
				level_max: 'complexe'
			}),
			// Imported by the other territory, covering a place of the demo one too.
			structureRecord({
				id: 'aubagne:dac',
				name: 'DAC départemental',
				kind: 'dac',
				coverage: [AUBAGNE, '13204'],
				problems: ['medical'],
				level_min: 'simple',
				level_max: 'complexe'
			})
		]);
		best = (await ask(t.db, agent, REQUEST)).result.recommendations[0]?.structure.id as string;
		expect(best).toBeDefined();
	});

	function record(caller: Caller, overrides: Record<string, unknown> = {}, key?: string) {
		return createOrientation(
			t.db,
			caller,
			{ ...REQUEST, structure: best, ...overrides },
			undefined,
			key === undefined ? {} : { idempotencyKey: key }
		);
	}

	describe('free text with a direct identifier', () => {
		const cases = [
			['Fille joignable au 06 12 34 56 78 le soir.', 'un numéro de téléphone', 'le'],
			['Écrire à sophie.durand@exemple.fr', 'une adresse e-mail', 'la'],
			['NIR 1 84 12 76 451 089 46', 'un numéro de sécurité sociale (NIR)', 'le'],
			['Habite 12 rue Sainte, 2e étage.', 'une adresse postale', 'la']
		] as const;

		it.each(cases)(
			'refuses a note holding « %s », naming what it found',
			async (note, noun, it) => {
				const before = await orientationCounts(t.db);
				const error = await orientationRejection(record(agent, { note }));
				expect(error.status).toBe(422);
				expect(error.issues).toEqual([
					{
						path: 'note',
						message: `la note contient ${noun} : retirez-${it}, la structure ${it} demandera à la personne`
					}
				]);
				expect(printed(error)).not.toContain(note);
				expect(await orientationCounts(t.db)).toEqual(before);
				expect(await storedText(t.db)).not.toContain(note);
			}
		);

		it('refuses a level reason and a refusal reason holding one, and changes nothing', async () => {
			const reason = 'La fille (04 91 23 45 67) suit déjà tout.';
			const level = await orientationRejection(
				record(agent, { level: 'simple', level_reason: reason })
			);
			expect(level.issues).toEqual([
				{
					path: 'level_reason',
					message: expect.stringMatching(
						/^le motif du niveau contient un numéro de téléphone : retirez-le/
					)
				}
			]);

			const { id } = await record(agent);
			const before = await orientationCounts(t.db);
			const refusal = 'Rappeler Mme au +33 6 12 34 56 78 ou jean@exemple.fr';
			const status = await orientationRejection(
				changeStatus(t.db, agent, id, { status: 'refused', reason_code: 'autre', reason: refusal })
			);
			expect(status.status).toBe(422);
			expect(status.issues).toEqual([
				{
					path: 'reason',
					message:
						'le motif contient un numéro de téléphone et une adresse e-mail : retirez-les, aucune coordonnée de la personne n’est gardée dans le suivi'
				}
			]);
			expect((await getOrientation(t.db, agent, id))?.status).toBe('sent');
			const after = await orientationCounts(t.db);
			expect({ ...after, audit: before.audit }).toEqual(before);
			const text = await storedText(t.db);
			for (const value of [reason, refusal, '04 91 23 45 67', '+33 6 12 34 56 78']) {
				expect(text).not.toContain(value);
			}
		});

		it('accepts ordinary notes: an age, a date, a postal code, a FINESS number, an arrondissement', async () => {
			const note =
				'82 ans, chute le 12/03/2024, vit seule dans le 4e arrondissement (13004). Suivie par le SSIAD (FINESS 130001234).';
			const { id } = await record(agent, { note });
			expect((await getOrientation(t.db, agent, id))?.note).toBe(note);
			const refused = await changeStatus(t.db, agent, id, {
				status: 'refused',
				reason_code: 'autre',
				reason: 'Il reste 2 places en accueil de jour, pas chez nous.'
			});
			expect(refused.status).toBe('refused');
		});
	});

	describe('an agent orients only within its territories', () => {
		it('answers 404 for a place outside all of them, even naming its own territory', async () => {
			const before = await orientationCounts(t.db);
			for (const request of [
				{ ...REQUEST, territory: DEMO_TERRITORY_ID, commune: AUBAGNE },
				{ ...REQUEST, commune: AUBAGNE },
				{ ...REQUEST, territory: DEMO_TERRITORY_ID, commune: AIX }
			]) {
				const error = await orientationRejection(ask(t.db, agent, request));
				expect(error.status).toBe(404);
				expect(error.message).toBe(
					`Aucun de vos territoires ne contient ${request.commune === AIX ? 'Aix-en-Provence (13001)' : 'Aubagne (13005)'}`
				);
			}
			const recorded = await orientationRejection(
				record(agent, {
					territory: DEMO_TERRITORY_ID,
					commune: AUBAGNE,
					structure: 'aubagne:ssiad'
				})
			);
			expect(recorded.status).toBe(404);
			// Another territory named: unknown, whatever the place.
			const theirs = await orientationRejection(
				ask(t.db, agent, { ...REQUEST, territory: OTHER, commune: AUBAGNE })
			);
			expect(theirs).toMatchObject({ status: 404, message: `Territoire introuvable : ${OTHER}` });
			expect(await orientationCounts(t.db)).toEqual(before);
		});

		it('answers 422 on commune when the place is not in the named territory, naming both', async () => {
			const message = `Aubagne (13005) n’appartient pas au territoire ${DEMO_NAME} (${DEMO_TERRITORY_ID}) : indiquez un lieu de ce territoire, ou le territoire qui le contient`;
			for (const caller of [agentCaller(null, 'admin'), agentCaller([DEMO_TERRITORY_ID, OTHER])]) {
				const error = await orientationRejection(
					ask(t.db, caller, { ...REQUEST, territory: DEMO_TERRITORY_ID, commune: AUBAGNE })
				);
				expect(error.status).toBe(422);
				expect(error.issues).toEqual([{ path: 'commune', message }]);
				const recorded = await orientationRejection(
					record(caller, {
						territory: DEMO_TERRITORY_ID,
						commune: AUBAGNE,
						structure: 'aubagne:ssiad'
					})
				);
				expect(recorded.issues).toEqual([{ path: 'commune', message }]);
				// Without the territory, the one containing the place answers.
				expect((await ask(t.db, caller, { ...REQUEST, commune: AUBAGNE })).territory).toBe(OTHER);
			}
			// A place in no territory, for a caller acting everywhere: 422 if a territory is named.
			const admin = agentCaller(null, 'admin');
			const aix = await orientationRejection(
				ask(t.db, admin, { ...REQUEST, territory: DEMO_TERRITORY_ID, commune: AIX })
			);
			expect(aix.issues.map((i) => i.path)).toEqual(['commune']);
			expect((await ask(t.db, admin, { ...REQUEST, commune: AIX })).territory).toBeNull();
		});

		it('recommends only structures the caller can open, whichever territory imported them', async () => {
			for (const [caller, scope, place] of [
				[agent, [DEMO_TERRITORY_ID], '13204'],
				[agent, [DEMO_TERRITORY_ID], '13212'],
				[agentCaller([OTHER]), [OTHER], AUBAGNE]
			] as const) {
				const answer = await ask(t.db, caller, { ...REQUEST, commune: place });
				const listed = [
					...answer.result.recommendations.map((r) => r.structure.id),
					...answer.result.excluded.map((e) => e.structure.id)
				];
				expect(listed.length).toBeGreaterThan(0);
				for (const id of listed) {
					expect(await getStructure(t.db, id, scope), `${id} pour ${place}`).not.toBeNull();
				}
			}
			// The département service imported elsewhere is recommended in Marseille 4e (it covers
			// it) and opens there; the service of Aubagne alone is neither listed nor visible.
			const answer = await ask(t.db, agent, REQUEST);
			expect(answer.result.recommendations.map((r) => r.structure.id)).toContain('aubagne:dac');
			expect(JSON.stringify(answer.result)).not.toContain('aubagne:ssiad');
			expect(await getStructure(t.db, 'aubagne:ssiad', [DEMO_TERRITORY_ID])).toBeNull();
			const { id } = await record(agent, { structure: 'aubagne:dac' });
			expect(await getOrientation(t.db, agent, id)).toMatchObject({
				territoryId: DEMO_TERRITORY_ID,
				structure: { id: 'aubagne:dac' }
			});
		});
	});

	describe('Idempotency-Key', () => {
		it('returns the first answer to a retry, and writes one record, event and audit entry', async () => {
			const caller = agentCaller([DEMO_TERRITORY_ID]);
			const key = `essai-${kind}-1`;
			const before = await orientationCounts(t.db);
			const first = await record(caller, { note: 'Passage jeudi.' }, key);
			expect(first.replayed).toBe(false);
			const again = await record(caller, { note: 'Passage jeudi.' }, key);
			expect(again).toEqual({ ...first, replayed: true });
			// The same request, said differently (defaults written out, keys in another order).
			const reordered = await createOrientation(
				t.db,
				caller,
				Object.fromEntries(
					Object.entries({
						...REQUEST,
						structure: best,
						note: '  Passage jeudi. ',
						level: null,
						request_type: 'accompagnement'
					}).reverse()
				),
				undefined,
				{ idempotencyKey: key }
			);
			expect(reordered.id).toBe(first.id);
			const after = await orientationCounts(t.db);
			expect(after.orientations).toBe(before.orientations + 1);
			expect(after.events).toBe(before.events + 1);
			expect(after.keys).toBe(before.keys + 1);
			const audit = await queryRows<{ action: string }>(
				t.db,
				sql`select action from audit_log where target_id = ${first.id} order by id`
			);
			expect(audit.map((a) => a.action)).toEqual([
				'orientation.create',
				'orientation.replay',
				'orientation.replay'
			]);
			// Stored hashed, with the principal and the time.
			const [stored] = await t.db
				.select()
				.from(idempotencyKeys)
				.where(eq(idempotencyKeys.orientationId, first.id));
			expect(stored).toMatchObject({
				principalType: 'user',
				principalId: caller.principal.id,
				keyHash: expect.stringMatching(/^[0-9a-f]{64}$/)
			});
			expect(stored?.createdAt).toBeInstanceOf(Date);
			expect(JSON.stringify(stored)).not.toContain(key);
		});

		it('refuses the same key with another request (422), and keeps keys per principal', async () => {
			const caller = agentCaller([DEMO_TERRITORY_ID]);
			const key = `essai-${kind}-2`;
			const first = await record(caller, {}, key);
			const before = await orientationCounts(t.db);
			const error = await orientationRejection(record(caller, { age: 83 }, key));
			expect(error.status).toBe(422);
			expect(error.issues).toEqual([
				{
					path: 'Idempotency-Key',
					message: expect.stringContaining('a déjà servi pour une autre demande')
				}
			]);
			expect(await orientationCounts(t.db)).toEqual(before);
			// Another agent's same key is its own.
			const other = await record(agentCaller([DEMO_TERRITORY_ID]), {}, key);
			expect(other.id).not.toBe(first.id);
			expect(other.replayed).toBe(false);
			for (const bad of ['', 'a b', 'x'.repeat(256), 'clé']) {
				const invalid = await orientationRejection(record(caller, {}, bad));
				expect(invalid.issues.map((i) => i.path)).toEqual(['Idempotency-Key']);
			}
		});

		it('records once when the same key arrives several times at once', async () => {
			const caller = agentCaller([DEMO_TERRITORY_ID]);
			const key = `essai-${kind}-concurrent`;
			const before = await orientationCounts(t.db);
			const all = await Promise.all(Array.from({ length: 6 }, () => record(caller, {}, key)));
			expect(new Set(all.map((a) => a.id)).size).toBe(1);
			expect(new Set(all.map((a) => a.reference)).size).toBe(1);
			expect(all.filter((a) => !a.replayed)).toHaveLength(1);
			const after = await orientationCounts(t.db);
			expect(after.orientations).toBe(before.orientations + 1);
			expect(after.keys).toBe(before.keys + 1);
		});

		it('forgets keys after 24 hours in the daily purge', async () => {
			const caller = agentCaller([DEMO_TERRITORY_ID]);
			const old = await record(caller, {}, `essai-${kind}-ancienne`);
			const recent = await record(caller, {}, `essai-${kind}-recente`);
			await t.db
				.update(idempotencyKeys)
				.set({ createdAt: sql`now() - interval '25 hours'` })
				.where(eq(idempotencyKeys.orientationId, old.id));
			const result = await purge(t.db);
			expect(result.idempotencyKeys).toBe(1);
			const left = await t.db
				.select({ id: idempotencyKeys.orientationId })
				.from(idempotencyKeys)
				.where(sql`${idempotencyKeys.orientationId} in (${old.id}, ${recent.id})`);
			expect(left.map((l) => l.id)).toEqual([recent.id]);
			// After that, the old key is a new one.
			const anew = await record(caller, {}, `essai-${kind}-ancienne`);
			expect(anew.id).not.toBe(old.id);
			expect((await record(caller, {}, `essai-${kind}-recente`)).id).toBe(recent.id);
		});
	});

	describe('audit in the same transaction', () => {
		it('writes no orientation, event or key when its audit entry cannot be written', async () => {
			const note = 'Clé chez la gardienne, passage jeudi.';
			const key = `essai-${kind}-journal`;
			const before = await orientationCounts(t.db);
			await withTrigger(t.db, 'orientation.create', async () => {
				const error = await record(agent, { note }, key).then(
					() => null,
					(e: unknown) => e
				);
				expect(error).toBeInstanceOf(DatabaseQueryError);
				expect((error as DatabaseQueryError).code).toBe('P0001');
				expect(printed(error)).not.toContain(note);
				expect(await orientationCounts(t.db)).toEqual(before);
			});
			// The key was never stored: the retry records it, once.
			const retried = await record(agent, { note }, key);
			expect(retried.replayed).toBe(false);
			expect((await orientationCounts(t.db)).orientations).toBe(before.orientations + 1);
		});

		it('changes no status when its audit entry cannot be written', async () => {
			const { id } = await record(agent);
			const before = await orientationCounts(t.db);
			await withTrigger(t.db, 'orientation.status', async () => {
				await expect(changeStatus(t.db, agent, id, { status: 'accepted' })).rejects.toBeInstanceOf(
					DatabaseQueryError
				);
			});
			expect((await getOrientation(t.db, agent, id))?.history.map((h) => h.status)).toEqual([
				'sent'
			]);
			expect((await orientationCounts(t.db)).events).toBe(before.events);
		});

		it('tells the second of two crossing answers that the status moved', async () => {
			const { id, reference } = await record(agent);
			const results = await Promise.allSettled([
				changeStatus(t.db, agent, id, { status: 'accepted' }),
				changeStatus(t.db, agent, id, {
					status: 'refused',
					reason_code: 'hors_missions',
					reason: 'Hors de nos missions.'
				})
			]);
			const detail = await getOrientation(t.db, agent, id);
			// Each change that succeeded is in the history, after `sent`, and nothing else.
			// Neither may follow the other: exactly one applies, the other is told why.
			expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
			expect(detail?.history).toHaveLength(2);
			const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
			expect(failed.reason).toMatchObject({ status: 422 });
			expect(failed.reason.issues[0].message).toMatch(
				new RegExp(`^l’orientation ${reference} est « (Acceptée|Refusée) »`)
			);
		});
	});

	describe('anonymisation past the retention period', () => {
		it('removes every free text and author of an orientation and of its history', async () => {
			const me = agentCaller([DEMO_TERRITORY_ID]);
			const texts = {
				note: 'Aidante épuisée, rappeler après 18 h.',
				level_reason: 'Le médecin traitant suit déjà la situation.',
				waiting: 'Une place se libère le mois prochain.',
				refusal: 'Hors de notre secteur ce mois-ci.',
				closing: 'Réorientée vers l’accueil de jour.'
			};
			const answer = await ask(t.db, me, { ...REQUEST, level: 'simple' });
			const { id } = await record(me, {
				note: texts.note,
				level: 'simple',
				level_reason: texts.level_reason,
				structure: answer.result.recommendations[0]?.structure.id
			});
			// A refusal is final (re-oriented, never closed): the closing text goes on a second one.
			await changeStatus(t.db, me, id, { status: 'waitlisted', reason: texts.waiting });
			await changeStatus(t.db, me, id, {
				status: 'refused',
				reason_code: 'autre',
				reason: texts.refusal
			});
			const ended = await record(me, { note: texts.note });
			await changeStatus(t.db, me, ended.id, { status: 'accepted' });
			await changeStatus(t.db, me, ended.id, {
				status: 'closed',
				reason_code: 'autre',
				reason: texts.closing
			});
			const base = {
				commune: '13204',
				age: 55,
				criteria: ['cumul_pathologies' as const, 'services_depasses' as const],
				consent: false
			};
			const [problem] = await orphanProblems(t.db, me, base);
			const orphan = await createOrientation(t.db, me, {
				...base,
				problems: [problem],
				structure: null,
				note: 'Aucune structure.'
			});
			const kept = await record(me, { note: 'Toujours en cours.' });
			await t.db
				.update(orientations)
				.set({ statusChangedAt: sql`now() - interval '30 months'` })
				.where(sql`${orientations.id} in (${id}, ${ended.id}, ${orphan.id})`);

			const result = await purge(t.db);
			expect(result.orientations).toBe(3);
			const rows = await t.db
				.select()
				.from(orientations)
				.where(sql`${orientations.id} in (${id}, ${ended.id}, ${orphan.id}, ${kept.id})`);
			const byId = new Map(rows.map((r) => [r.id, r]));
			for (const gone of [id, ended.id, orphan.id]) {
				expect(byId.get(gone)).toMatchObject({
					age: null,
					ageBand: 80 - (gone === orphan.id ? 25 : 0),
					note: null,
					levelReason: null,
					createdBy: null,
					createdByType: null
				});
			}
			expect(byId.get(kept.id)).toMatchObject({
				note: 'Toujours en cours.',
				createdBy: me.principal.id
			});
			const events = await t.db
				.select()
				.from(orientationEvents)
				.where(sql`${orientationEvents.orientationId} in (${id}, ${ended.id}, ${orphan.id})`)
				.orderBy(orientationEvents.id);
			// The free texts and authors go; the reason codes, a closed list, stay.
			expect(
				events.map((e) => [e.orientationId, e.status, e.reasonCode, e.reason, e.actorId])
			).toEqual([
				[id, 'sent', null, null, null],
				[id, 'waitlisted', null, null, null],
				[id, 'refused', 'autre', null, null],
				[ended.id, 'sent', null, null, null],
				[ended.id, 'accepted', null, null, null],
				[ended.id, 'closed', 'autre', null, null],
				[orphan.id, 'closed', null, ORPHAN_REASON, null]
			]);
			const text = await storedText(t.db);
			for (const value of [...Object.values(texts), 'Aucune structure.']) {
				expect(text).not.toContain(value);
			}
			// Its audit entries carry codes only, nothing to anonymise.
			const audit = await queryRows<{ details: unknown }>(
				t.db,
				sql`select details from audit_log where target_id = ${id}`
			);
			expect(audit.length).toBeGreaterThan(0);
			expect(await purge(t.db)).toMatchObject({ orientations: 0 });
		});
	});

	describe('database errors', () => {
		it('print no parameter value: no params, no detail, no cause; the code and constraint stay', async () => {
			const { id } = await record(agent);
			const secret = 'Mme Martin, 06 12 34 56 78';
			const duplicate = await t.db
				.insert(orientations)
				.values({
					id,
					commune: '13204',
					problems: ['medical'],
					criteria: [],
					requestType: 'accompagnement',
					computedLevel: 'simple',
					level: 'simple',
					consent: true,
					orphan: false,
					status: 'sent',
					note: secret
				})
				.then(
					() => null,
					(e: unknown) => e
				);
			expect(duplicate).toBeInstanceOf(DatabaseQueryError);
			expect(duplicate).toMatchObject({
				code: '23505',
				constraint: 'orientations_pkey',
				table: 'orientations'
			});
			const text = printed(duplicate);
			expect(text).not.toContain(secret);
			expect(text).not.toContain(id);
			expect(text).toContain('23505');
			expect(text).toContain('orientations_pkey');
			expect((duplicate as Error).cause).toBeUndefined();
			expect(duplicate).not.toHaveProperty('params');

			// A data exception quotes the value in its message: only the code is kept.
			const cast = await t.db.execute(sql`select ${secret}::int`).then(
				() => null,
				(e: unknown) => e
			);
			expect(cast).toMatchObject({ code: '22P02' });
			expect(printed(cast)).not.toContain(secret);

			// Inside a transaction too; the app's own errors pass unchanged.
			const inside = await t.db
				.transaction(async (tx) => {
					await tx.execute(
						sql`insert into orientation_counters (year, last) values (${secret}, 1)`
					);
				})
				.then(
					() => null,
					(e: unknown) => e
				);
			expect(inside).toBeInstanceOf(DatabaseQueryError);
			expect(printed(inside)).not.toContain(secret);
			const own = new Error('à moi');
			await expect(
				t.db.transaction(async () => {
					throw own;
				})
			).rejects.toBe(own);
		});
	});
});
