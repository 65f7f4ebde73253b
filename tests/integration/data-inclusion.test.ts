/**
 * data·inclusion (issue 15, contract §8) on both databases: the demo territory exported, valid
 * against the schema files and their two other rules; imported into a fresh instance, it gives
 * the same structures and the same recommendations; an invalid file is refused naming file,
 * record and field, with nothing written; the caller is checked by the services; the API
 * endpoint answers a reader of the territory and nobody else.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CODES, type ProblemCode } from '$lib/domain/taxonomy';
import type { Principal } from '$lib/server/auth/principal';
import type { RecommendationRequestInput } from '$lib/schemas/orientation';
import { routeApi } from '$lib/server/api-router';
import { API_BASE } from '$lib/server/api-operation';
import { auditLog, structures } from '$lib/server/db/schema';
import {
	exportDataInclusion,
	importDataInclusion,
	type DataInclusionExportResult
} from '$lib/server/services/data-inclusion';
import { ServiceError } from '$lib/server/services/errors';
import { toApiAnswer } from '$lib/server/services/orientations';
import { DEMO_TERRITORY } from '$lib/server/services/setup';
import { exportStructures } from '$lib/server/services/structures';
import { putTerritory } from '$lib/server/services/territories';
import type { Db } from '$lib/server/db/client';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { dataInclusionProblems } from '../helpers/data-inclusion-schema';
import { agentCaller, ask } from '../factories/orientations';
import { DEMO_TERRITORY_ID, demoRecords } from '../factories/structures';

const OTHER = 'pays-aixois';

/** The refusal a promise is rejected with (fails the test when it resolves). */
async function refusal(promise: Promise<unknown>): Promise<ServiceError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(ServiceError);
	return error as ServiceError;
}

/** As the files would be read back: plain JSON. */
const asFiles = (e: DataInclusionExportResult) =>
	JSON.parse(JSON.stringify({ structures: e.structures, services: e.services })) as {
		structures: Record<string, unknown>[];
		services: Record<string, unknown>[];
	};

async function countStructures(db: Db, territory: string): Promise<number> {
	const [row] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(structures)
		.where(eq(structures.territoryId, territory));
	return row?.n ?? 0;
}

/** Requests across the problems, the two communes and a few persons (age, APA, disability). */
function requests(): RecommendationRequestInput[] {
	const persons = [
		{ age: 82, apa: true, handicap: false },
		{ age: 67, apa: null, handicap: null },
		{ age: 35, apa: false, handicap: true }
	];
	return ['13204', '13212'].flatMap((commune) =>
		PROBLEM_CODES.flatMap((problem, i) =>
			persons.map((person, j) => ({
				territory: DEMO_TERRITORY_ID,
				commune,
				...person,
				problems: [problem, PROBLEM_CODES[(i + 5 + j) % PROBLEM_CODES.length] as ProblemCode],
				criteria: j === 1 ? ['isolement', 'aides_insuffisantes'] : [],
				request_type: j === 0 ? 'information' : 'accompagnement',
				consent: true
			}))
		)
	);
}

describe.each(DATABASES)('data·inclusion on %s', (kind) => {
	const source = useTestDatabase(kind, { demo: true });
	const target = useTestDatabase(kind, { geography: true });
	const reader = agentCaller([DEMO_TERRITORY_ID], 'partner');
	const pilot = agentCaller([DEMO_TERRITORY_ID], 'pilot');
	let exported: DataInclusionExportResult;

	beforeAll(async () => {
		exported = await exportDataInclusion(source.db, reader, DEMO_TERRITORY_ID);
		await putTerritory(target.db, DEMO_TERRITORY_ID, {
			name: DEMO_TERRITORY.name,
			communes: [...DEMO_TERRITORY.communes]
		});
	});

	it('exports the demo territory as the schema defines it: one structure and one service each', () => {
		expect(dataInclusionProblems('structure', exported.structures)).toEqual([]);
		expect(dataInclusionProblems('service', exported.services)).toEqual([]);
		const demo = demoRecords();
		expect(exported.structures.map((s) => s.id)).toEqual(demo.map((r) => r.id).sort());
		expect(exported.services.map((s) => s.structure_id)).toEqual(
			exported.structures.map((s) => s.id)
		);
		for (const record of demo) {
			const s = exported.structures.find((x) => x.id === record.id);
			expect(s?.source).toBe('bon-tiers');
			// Every demo structure has a verification date within the schema's range.
			expect(s?.date_maj, record.id).toBe(record.updated_at);
		}
		// A département coverage is written as the département's code; a polygon as its places.
		const apa = exported.services.find((s) => s.bon_tiers.kind === 'equipe_apa');
		expect(apa?.zone_eligibilite).toEqual(['13']);
		const polygon = exported.services.find((s) => s.bon_tiers.coverage_geojson !== undefined);
		expect(polygon?.zone_eligibilite?.length).toBeGreaterThan(0);
		expect(polygon?.zone_eligibilite?.every((c) => /^\d{5}$/.test(c))).toBe(true);
		expect(exported.warnings).toEqual([]);
	});

	it('reads its export back into a fresh instance: same structures, same recommendations', async () => {
		const result = await importDataInclusion(
			target.db,
			pilot,
			DEMO_TERRITORY_ID,
			asFiles(exported),
			'replace'
		);
		expect(result).toMatchObject({ total: demoRecords().length, created: demoRecords().length });
		// Bon Tiers' own files leave nothing to guess.
		expect(result.warnings).toEqual([]);
		expect(await exportStructures(target.db, DEMO_TERRITORY_ID)).toEqual(
			await exportStructures(source.db, DEMO_TERRITORY_ID)
		);
		const agent = agentCaller([DEMO_TERRITORY_ID]);
		let recommended = 0;
		for (const request of requests()) {
			const before = toApiAnswer(await ask(source.db, agent, request));
			const after = toApiAnswer(await ask(target.db, agent, request));
			expect(after, JSON.stringify(request)).toEqual(before);
			recommended += before.recommendations.length;
		}
		expect(recommended).toBeGreaterThan(100);
		// Audited as an import, with its format.
		const entries = await target.db
			.select()
			.from(auditLog)
			.where(and(eq(auditLog.action, 'import.structures'), eq(auditLog.outcome, 'success')));
		expect(entries.map((e) => (e.details as { format?: string }).format)).toContain(
			'data-inclusion'
		);
	});

	it('refuses an invalid file naming file, record and field, and writes nothing', async () => {
		const before = await exportStructures(target.db, DEMO_TERRITORY_ID);
		const files = asFiles(exported);
		const services = files.services;
		const ext = (i: number) => services[i]?.bon_tiers as Record<string, unknown>;
		ext(2).level_min = 'expert';
		ext(4).coverage = ['99999'];
		services[6] = { ...services[6], structure_id: 'absente' };
		files.structures[1] = { ...files.structures[1], nom: 42 };
		const first = await refusal(
			importDataInclusion(target.db, pilot, DEMO_TERRITORY_ID, files, 'replace')
		);
		expect(first.kind).toBe('invalid');
		expect(first.message).toMatch(/rien n’a été écrit/);
		// Records are read first: the unreadable one and the missing structure are all it says.
		expect(first.issues.map((i) => i.path)).toEqual([
			`structures.json, enregistrement 2 (${files.structures[1]?.id as string}), nom`
		]);

		files.structures[1] = asFiles(exported).structures[1] as Record<string, unknown>;
		const second = await refusal(
			importDataInclusion(target.db, pilot, DEMO_TERRITORY_ID, files, 'replace')
		);
		expect(second.issues.map((i) => i.path)).toEqual([
			`services.json, enregistrement 7 (${services[6]?.id as string}), structure_id`
		]);

		services[6] = asFiles(exported).services[6] as Record<string, unknown>;
		const third = await refusal(
			importDataInclusion(target.db, pilot, DEMO_TERRITORY_ID, files, 'replace')
		);
		// What the import itself refuses is located where the value came from.
		expect(third.issues.map((i) => `${i.path} : ${i.message}`)).toEqual([
			expect.stringMatching(
				new RegExp(`^services\\.json, enregistrement 3 \\(.+\\), bon_tiers\\.level_min : .*expert`)
			),
			expect.stringMatching(
				/^services\.json, enregistrement 5 \(.+\), bon_tiers\.coverage : .*lieu inconnu : 99999/
			)
		]);

		const notArray = await refusal(
			importDataInclusion(target.db, pilot, DEMO_TERRITORY_ID, {
				structures: {},
				services: []
			})
		);
		expect(notArray.issues.map((i) => i.path)).toEqual(['structures.json, fichier']);
		expect(await exportStructures(target.db, DEMO_TERRITORY_ID)).toEqual(before);
	});

	it('names the record whose id another territory owns', async () => {
		await putTerritory(source.db, OTHER, { name: 'Pays d’Aix', communes: ['13001'] });
		const error = await refusal(
			importDataInclusion(source.db, agentCaller(null, 'pilot'), OTHER, asFiles(exported))
		);
		expect(error.issues[0]?.path).toBe(
			`services.json, enregistrement 1 (${exported.services[0]?.id}), id`
		);
		expect(error.issues[0]?.message).toMatch(/appartient déjà au territoire marseille-4-12/);
		expect(await countStructures(source.db, OTHER)).toBe(0);
	});

	it('imports another producer’s files through the mapping, its gaps as warnings', async () => {
		const files = {
			structures: [
				{
					source: 'dora',
					id: 'dora--s1',
					nom: 'Centre communal d’action sociale',
					date_maj: '2025-02-14',
					code_insee: '13204',
					reseaux_porteurs: ['ccas-cias'],
					siret: '12345678901234'
				}
			],
			services: [
				{
					source: 'dora',
					id: 'dora--v1',
					structure_id: 'dora--s1',
					nom: 'Aide aux démarches',
					description: 'Accompagnement aux démarches administratives.',
					date_maj: '2025-02-14',
					thematiques: [
						'difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives',
						'numerique--acceder-a-des-services-en-ligne'
					],
					publics: ['seniors'],
					zone_eligibilite: ['13204', '13212']
				}
			]
		};
		const result = await importDataInclusion(target.db, pilot, DEMO_TERRITORY_ID, files);
		expect(result.created).toBe(1);
		expect(result.warnings).toEqual(
			expect.arrayContaining([
				expect.stringMatching(
					/^services\.json, enregistrement 1 \(dora--v1\), thematiques : .*numerique--acceder-a-des-services-en-ligne.*sans équivalent/
				)
			])
		);
		const answer = await ask(target.db, agentCaller([DEMO_TERRITORY_ID]), {
			territory: DEMO_TERRITORY_ID,
			commune: '13212',
			age: 70,
			problems: ['droits'],
			request_type: 'information',
			consent: true
		});
		expect(answer.result.recommendations.map((r) => r.structure.id)).toContain('dora--v1');
	});

	it('checks the caller: a reader to export, a pilot of the territory to import', async () => {
		const elsewhere = agentCaller([OTHER], 'pilot');
		expect((await refusal(exportDataInclusion(source.db, elsewhere, DEMO_TERRITORY_ID))).kind).toBe(
			'not_found'
		);
		expect(
			(
				await refusal(
					importDataInclusion(target.db, elsewhere, DEMO_TERRITORY_ID, asFiles(exported))
				)
			).kind
		).toBe('not_found');
		expect(
			(await refusal(importDataInclusion(target.db, reader, DEMO_TERRITORY_ID, asFiles(exported))))
				.kind
		).toBe('forbidden');
	});

	describe('GET /api/v1/territories/{id}/data-inclusion', () => {
		async function get(principal: Principal | null, territory = DEMO_TERRITORY_ID) {
			const url = new URL(
				`http://bon-tiers.test${API_BASE}/territories/${territory}/data-inclusion`
			);
			const response = await routeApi({
				request: new Request(url),
				url,
				locals: { db: source.db, requestId: randomUUID(), principal, sessionHash: null },
				getClientAddress: () => '203.0.113.77'
			});
			return { status: response.status, body: (await response.json()) as Record<string, unknown> };
		}
		const token = (territories: string[] | null): Principal => ({
			type: 'token',
			id: randomUUID(),
			label: 'di-test',
			role: 'partner',
			territories
		});

		it('answers a reader of the territory the structures and services of the export', async () => {
			for (const territories of [[DEMO_TERRITORY_ID], null]) {
				const answer = await get(token(territories));
				expect(answer.status).toBe(200);
				expect(Object.keys(answer.body).sort()).toEqual(['services', 'structures']);
				expect(answer.body.structures).toEqual(exported.structures);
				expect(answer.body.services).toEqual(exported.services);
			}
		});

		it('is « not found » for a caller of another territory, as an unknown territory is', async () => {
			const other = await get(token([OTHER]));
			const unknown = await get(token(null), 'atlantide');
			expect(other.status).toBe(404);
			expect(unknown.status).toBe(404);
			expect((other.body.error as { code: string }).code).toBe(
				(unknown.body.error as { code: string }).code
			);
			expect((await get(null)).status).toBe(401);
		});
	});
});
