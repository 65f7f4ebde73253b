/**
 * Factories and checks for the orientation engine's integration tests: callers, requests, and an
 * oracle that recomputes, from the structures as imported, which ones a request must recommend or
 * exclude — so that the tests assert on what the data says, never on hard-coded ids.
 */
import { randomUUID } from 'node:crypto';
import { booleanPointInPolygon } from '@turf/turf';
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { queryRows, type Db } from '$lib/server/db/client';
import type { Principal } from '$lib/server/auth/principal';
import {
	defaultCoordination,
	levelInRange,
	problemField,
	PROBLEM_CODES,
	type CriterionCode,
	type LevelCode,
	type ProblemCode
} from '$lib/domain/taxonomy';
import type { RecommendationRequestInput } from '$lib/schemas/orientation';
import type { StructureInput } from '$lib/schemas/structure';
import {
	answerRequest,
	OrientationError,
	parseRecommendationRequest,
	type Caller,
	type RecommendationAnswer
} from '$lib/server/services/orientations';

let sequence = 0;

/** An agent acting on the given territories (`null`: every territory of the instance). */
export function agentCaller(
	territories: string[] | null = null,
	role: Principal['role'] = 'agent'
): Caller {
	sequence++;
	return {
		principal: {
			type: 'user',
			id: randomUUID(),
			label: `agent.${sequence}@example.fr`,
			role,
			territories
		},
		ip: '203.0.113.42'
	};
}

/** Validates a request as the API does (defaults applied), then answers it. */
export async function ask(
	db: Db,
	caller: Caller,
	request: RecommendationRequestInput
): Promise<RecommendationAnswer> {
	return answerRequest(db, caller, parseRecommendationRequest(request));
}

/** The OrientationError a promise is rejected with (fails the test when it resolves). */
export async function orientationRejection(promise: Promise<unknown>): Promise<OrientationError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(OrientationError);
	return error as OrientationError;
}

/** What the tests know of a structure: its import record. */
export type ImportRecord = StructureInput;

/** Unknown statuses (null) are never a reason to exclude: the structure is kept, « à vérifier ». */
function accepts(
	s: ImportRecord,
	age: number | null,
	apa: boolean | null,
	handicap: boolean | null
): boolean {
	if (age !== null && s.age_min != null && age < s.age_min) return false;
	if (age !== null && s.age_max != null && age > s.age_max) return false;
	if (apa === true && s.apa === 'excluded') return false;
	if (apa === false && s.apa === 'required') return false;
	if (handicap === true && s.handicap === 'excluded') return false;
	if (handicap === false && s.handicap === 'required') return false;
	return true;
}

/** The three MAIA conditions, recomputed from the request as the documents state them. */
function gateOpen(request: {
	problems: readonly ProblemCode[];
	criteria?: readonly CriterionCode[];
	case_management_reason?: string;
}): boolean {
	const fields = new Set(request.problems.map(problemField));
	const criteria = request.criteria ?? [];
	return (
		request.case_management_reason !== undefined ||
		(fields.size === 3 &&
			(criteria.includes('aides_insuffisantes') || criteria.includes('services_depasses')) &&
			criteria.includes('sans_coordinateur'))
	);
}

/**
 * Places each structure covers, as the import expanded them (coverage codes and polygons), and the
 * places of each territory.
 */
export async function coverageOf(db: Db): Promise<{
	byStructure: Map<string, Set<string>>;
	/** `structure|commune` pairs a polygon coverage takes only part of. */
	partly: Set<string>;
	territoryOf: Map<string, string>;
	byTerritory: Map<string, Set<string>>;
}> {
	const pairs = await queryRows<{ structure_id: string; commune_code: string; partial: boolean }>(
		db,
		sql`select structure_id, commune_code, partial from structure_communes`
	);
	const byStructure = new Map<string, Set<string>>();
	const partly = new Set<string>();
	for (const p of pairs) {
		let set = byStructure.get(p.structure_id);
		if (!set) byStructure.set(p.structure_id, (set = new Set()));
		set.add(p.commune_code);
		if (p.partial) partly.add(`${p.structure_id}|${p.commune_code}`);
	}
	const owners = await queryRows<{ id: string; territory_id: string }>(
		db,
		sql`select id, territory_id from structures`
	);
	const places = await queryRows<{ territory_id: string; commune_code: string }>(
		db,
		sql`select territory_id, commune_code from territory_communes`
	);
	const byTerritory = new Map<string, Set<string>>();
	for (const p of places) {
		let set = byTerritory.get(p.territory_id);
		if (!set) byTerritory.set(p.territory_id, (set = new Set()));
		set.add(p.commune_code);
	}
	return {
		byStructure,
		partly,
		territoryOf: new Map(owners.map((o) => [o.id, o.territory_id])),
		byTerritory
	};
}

export type Coverage = Awaited<ReturnType<typeof coverageOf>>;

/**
 * Checks an answer against the data: every recommendation covers the place, accepts the person and
 * takes one of the problems at the level; every structure weighed (covering the place, or of the
 * territory) that takes the dominant problem is either recommended or excluded with a reason;
 * `orphan` says whether one of the recommendations takes the dominant problem; the ranking is by
 * score, and a structure with room taking the dominant problem ranks above any that does not.
 */
export function expectConsistent(
	answer: RecommendationAnswer,
	request: {
		age?: number | null;
		apa?: boolean | null;
		handicap?: boolean | null;
		problems: readonly ProblemCode[];
		criteria?: readonly CriterionCode[];
		case_management_reason?: string;
		location?: { lon: number; lat: number };
	},
	records: readonly ImportRecord[],
	coverage: Coverage
): void {
	const level: LevelCode = answer.complexity.level;
	const place = answer.place.code;
	const age = request.age ?? null;
	const apa = request.apa ?? null;
	const handicap = request.handicap ?? null;
	const [dominant] = request.problems;
	const byId = new Map(records.map((r) => [r.id, r]));
	// A polygon taking part of the commune covers a point only if the point is inside it.
	const covers = (r: ImportRecord) =>
		(coverage.byStructure.get(r.id)?.has(place) ?? false) &&
		(!request.location ||
			!coverage.partly.has(`${r.id}|${place}`) ||
			(!!r.coverage_geojson &&
				booleanPointInPolygon(
					[request.location.lon, request.location.lat],
					r.coverage_geojson as Parameters<typeof booleanPointInPolygon>[1]
				)));
	const open = gateOpen(request);
	// Case management takes a complex situation only past the MAIA gate; below it, the
	// coordination structures that follow situations « à coordonner » take it instead.
	const atLevel = (r: ImportRecord) =>
		level === 'complexe' && !open
			? (levelInRange(level, r.level_min, r.level_max) && r.kind !== 'gestion_cas') ||
				(isCoordination(r) && levelInRange('coordonnee', r.level_min, r.level_max))
			: levelInRange(level, r.level_min, r.level_max);
	const territoryPlaces = answer.territory ? coverage.byTerritory.get(answer.territory) : undefined;
	const weighed = (r: ImportRecord) =>
		covers(r) ||
		(answer.territory !== null &&
			(coverage.territoryOf.get(r.id) === answer.territory ||
				[...(coverage.byStructure.get(r.id) ?? [])].some((c) => territoryPlaces?.has(c))));
	const eligible = (r: ImportRecord) =>
		covers(r) &&
		accepts(r, age, apa, handicap) &&
		atLevel(r) &&
		request.problems.some((p) => r.problems.includes(p));

	const recommended = answer.result.recommendations.map((x) => x.structure.id);
	const excluded = answer.result.excluded.map((x) => x.structure.id);
	for (const id of recommended) {
		const r = byId.get(id);
		expect(r, `recommandée mais inconnue : ${id}`).toBeDefined();
		expect(eligible(r as ImportRecord), `recommandée à tort : ${id}`).toBe(true);
	}
	for (const e of answer.result.excluded) {
		const r = byId.get(e.structure.id) as ImportRecord;
		expect(r.problems).toContain(dominant);
		expect(eligible(r), `exclue à tort : ${r.id}`).toBe(false);
		expect(e.reasons.length).toBeGreaterThan(0);
		expect(e.codes.length).toBe(e.reasons.length);
		if (e.codes.includes('area')) expect(covers(r)).toBe(false);
	}
	const expectedRecommended = records.filter((r) => weighed(r) && eligible(r)).map((r) => r.id);
	expect([...recommended].sort()).toEqual(expectedRecommended.sort());
	const expectedExcluded = records
		.filter((r) => weighed(r) && !eligible(r) && r.problems.includes(dominant as ProblemCode))
		.map((r) => r.id);
	expect([...excluded].sort()).toEqual(expectedExcluded.sort());

	const takesDominant = (id: string) => !!byId.get(id)?.problems.includes(dominant as ProblemCode);
	expect(answer.result.orphan).toBe(!recommended.some(takesDominant));

	// Those whose public cannot be checked come last; before them, the dominant problem at the
	// level, then the coordination supports taking it below their range, then the others; by
	// score within each group.
	const group = (x: (typeof answer.result.recommendations)[number]) => {
		const r = byId.get(x.structure.id) as ImportRecord;
		const unsure = x.warnings.some((w) => /à vérifier/.test(w));
		const tier = !r.problems.includes(dominant as ProblemCode)
			? 2
			: levelInRange(level, r.level_min, r.level_max)
				? 0
				: 1;
		return (unsure ? 3 : 0) + tier;
	};
	const order = answer.result.recommendations.map((x) => [group(x), -x.score] as [number, number]);
	expect([...order].sort((a, b) => a[0] - b[0] || a[1] - b[1])).toEqual(order);
	const withRoom = answer.result.recommendations.filter(
		(x) => takesDominant(x.structure.id) && !x.warnings.some((w) => /File active/.test(w))
	);
	const others = answer.result.recommendations.filter((x) => !takesDominant(x.structure.id));
	for (const a of withRoom) {
		for (const b of others) expect(a.score).toBeGreaterThan(b.score);
	}
}

/** Coordination as its primary mission: the record's flag, else the default of its kind. */
function isCoordination(r: ImportRecord): boolean {
	return r.coordination ?? defaultCoordination(r.kind);
}

/** The year and number of a reference `OR-2026-00042` (fails the test when malformed). */
export function parseReference(reference: string): { year: number; number: number } {
	const match = /^OR-(\d{4})-(\d{5,})$/.exec(reference);
	expect(match, `référence mal formée : ${reference}`).not.toBeNull();
	return { year: Number(match?.[1]), number: Number(match?.[2]) };
}

/** The messages of a rejected call's issues, checked to be readable French: no raw code list. */
export function expectReadableMessages(messages: readonly string[]): void {
	expect(messages.length).toBeGreaterThan(0);
	for (const message of messages) {
		// zod's defaults: a `"a"|"b"` list of codes, « Entrée invalide : … attendu, … reçu ».
		expect(message).not.toMatch(/"\w+"\|/);
		expect(message).not.toMatch(/Entrée invalide|Option invalide|Trop (grand|petit)|reçu/);
		expect(message).not.toMatch(/[<>]=?\d/);
	}
}

/** Kinds of the recommendations, best first. */
export function kindsOf(answer: RecommendationAnswer): string[] {
	return answer.result.recommendations.map((r) => r.structure.kind);
}

/** The dominant problems for which this request (dominant problem replaced) is orphan. */
export async function orphanProblems(
	db: Db,
	caller: Caller,
	base: Omit<RecommendationRequestInput, 'problems'>
): Promise<ProblemCode[]> {
	const found: ProblemCode[] = [];
	for (const problem of PROBLEM_CODES) {
		const answer = await ask(db, caller, { ...base, problems: [problem] });
		if (answer.result.orphan) found.push(problem);
	}
	return found;
}

/**
 * Everything the orientation tables and the audit log hold, as one text: a value refused must
 * not be found in it (« never stored »).
 */
export async function storedText(db: Db): Promise<string> {
	const rows = await queryRows<{ dump: string | null }>(
		db,
		sql`select concat_ws(' ',
			(select string_agg(row_to_json(o)::text, ' ') from orientations o),
			(select string_agg(row_to_json(e)::text, ' ') from orientation_events e),
			(select string_agg(row_to_json(a)::text, ' ') from audit_log a),
			(select string_agg(row_to_json(k)::text, ' ') from idempotency_keys k)) as dump`
	);
	return rows[0]?.dump ?? '';
}

/** How many rows each orientation table holds (a refused write changes none). */
export async function orientationCounts(
	db: Db
): Promise<{ orientations: number; events: number; audit: number; keys: number }> {
	const [row] = await queryRows<{
		orientations: number;
		events: number;
		audit: number;
		keys: number;
	}>(
		db,
		sql`select (select count(*) from orientations)::int as orientations,
			(select count(*) from orientation_events)::int as events,
			(select count(*) from audit_log where action like 'orientation.%')::int as audit,
			(select count(*) from idempotency_keys)::int as keys`
	);
	return row as { orientations: number; events: number; audit: number; keys: number };
}

/** The `orientation.create` audit entries of each orientation id. */
export async function createAuditCounts(db: Db): Promise<Map<string, number>> {
	const rows = await queryRows<{ target_id: string; n: number }>(
		db,
		sql`select target_id, count(*)::int as n from audit_log
			where action = 'orientation.create' group by target_id`
	);
	return new Map(rows.map((r) => [r.target_id, r.n]));
}
