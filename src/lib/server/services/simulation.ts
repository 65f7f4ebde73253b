import { inArray, sql } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import { structures as structuresTable } from '$lib/server/db/schema';
import type { Caller } from '$lib/server/auth/principal';
import type { CoverageStructure } from '$lib/domain/coverage';
import {
	ageThresholds,
	simulate,
	type OrientationGroup,
	type Scenario,
	type Simulation
} from '$lib/domain/scenario';
import {
	defaultCoordination,
	levelsBetween,
	type LevelCode,
	type ProblemCode
} from '$lib/domain/taxonomy';
import {
	SimulationInputSchema,
	type ScenarioChange,
	type SimulationInput
} from '$lib/schemas/simulation';
import { issuesOf, type Issue } from '$lib/schemas/zod';
import { territoryPlaces, territoryStructures, type ChartStructure } from './coverage';
import { ServiceError, issuesMessage } from './errors';
import { getPlaceCatalog } from './places';
import { addRule, neverRules } from './rules';
import { requireTerritory } from './scope';
import { updateStructure } from './structure-edit';
import { ImportError, importStructures, validateStructureImport } from './structure-import';
import { getStructureRecords } from './structures';

function invalid(issues: Issue[]): ServiceError {
	return new ServiceError(
		'invalid',
		`Scénario refusé, rien n’a été écrit :\n${issuesMessage(issues)}`,
		issues
	);
}

/**
 * The territory's recorded orientations, grouped by situation: dominant problem, level, commune,
 * age class and public. An anonymised orientation keeps its five-year band, not its age: the middle
 * of the band stands for it (a public bounded at 60 or 75 is then judged as it was). Ages are
 * grouped by class between the thresholds of the structures' publics (`ageThresholds`: within a
 * class every structure accepts or refuses alike), and each class is stood for by its youngest age:
 * 100 000 orientations come back as a few thousand rows, the replay unchanged.
 */
async function orientationGroups(
	db: Db,
	territoryId: string,
	thresholds: readonly number[]
): Promise<OrientationGroup[]> {
	const cuts = `{${thresholds.map((t) => Math.trunc(t)).join(',')}}`;
	return queryRows<OrientationGroup>(
		db,
		sql`select problems[1] as problem, level, commune,
				min(coalesce(age, age_band + 2)) as age, apa, handicap, count(*)::int as count
			from orientations where territory_id = ${territoryId}
			group by problems[1], level, commune,
				width_bucket(coalesce(age, age_band + 2), ${cuts}::int[]), apa, handicap`
	);
}

/** A checked scenario: the domain's, and what adopting it needs. */
interface Prepared {
	input: SimulationInput;
	scenario: Scenario;
	structures: ChartStructure[];
	places: string[];
}

/**
 * Reads a scenario against the territory: every structure closed or changed must cover part of
 * it; coverage codes are expanded as the import expands them; added structures go through the
 * import's own validation (nothing written) and must not reuse an existing id. Every problem is
 * listed at once, each naming its field (`remits.0.coverage`, `add.1.level_max`).
 */
async function prepare(
	db: Db,
	territoryId: string,
	raw: unknown,
	/** The territory's structures, when the caller has read them already. */
	loaded?: ChartStructure[]
): Promise<Prepared> {
	const parsed = SimulationInputSchema.safeParse(raw ?? {});
	if (!parsed.success) throw invalid(issuesOf(parsed.error, 'champ inconnu du scénario'));
	const input = parsed.data;
	const [structures, places, catalog] = await Promise.all([
		loaded ?? territoryStructures(db, territoryId),
		territoryPlaces(db, territoryId),
		getPlaceCatalog(db)
	]);
	const known = new Map(structures.map((s) => [s.id, s]));
	const inTerritory = new Set(places);
	const issues: Issue[] = [];
	input.close.forEach((id, i) => {
		if (!known.has(id))
			issues.push({ path: `close.${i}`, message: `structure inconnue du territoire : ${id}` });
	});
	const remits = input.remits.map((r, i) => {
		if (!known.has(r.id))
			issues.push({
				path: `remits.${i}.id`,
				message: `structure inconnue du territoire : ${r.id}`
			});
		const current = known.get(r.id);
		const min = r.level_min ?? current?.levelMin;
		const max = r.level_max ?? current?.levelMax;
		if (min && max && levelsBetween(min, max).length === 0) {
			issues.push({
				path: `remits.${i}.level_max`,
				message: `le niveau maximal (${max}) est inférieur au niveau minimal (${min})`
			});
		}
		let changedPlaces: string[] | undefined;
		if (r.coverage) {
			const expanded = catalog.expand(r.coverage);
			for (const problem of expanded.problems)
				issues.push({ path: `remits.${i}.coverage`, message: problem.message });
			changedPlaces = expanded.places.filter((p) => inTerritory.has(p));
		}
		return {
			id: r.id,
			problems: r.problems,
			levelMin: r.level_min,
			levelMax: r.level_max,
			places: changedPlaces
		};
	});
	let add: CoverageStructure[] = [];
	if (input.add.length > 0) {
		try {
			const checked = await validateStructureImport(db, territoryId, input.add);
			const existing = await db
				.select({ id: structuresTable.id })
				.from(structuresTable)
				.where(inArray(structuresTable.id, checked.ids));
			existing.forEach(({ id }) => {
				const i = checked.ids.indexOf(id);
				issues.push({
					path: `add.${i}.id`,
					message: `l’identifiant ${id} est déjà celui d’une structure`
				});
			});
			add = checked.valid.map(({ data }) => ({
				id: data.id,
				kind: data.kind,
				problems: data.problems,
				levelMin: data.level_min,
				levelMax: data.level_max,
				coordination: data.coordination ?? defaultCoordination(data.kind),
				ageMin: data.age_min ?? null,
				ageMax: data.age_max ?? null,
				apa: data.apa,
				handicap: data.handicap,
				places: (checked.placesById.get(data.id) ?? []).filter((p) => inTerritory.has(p))
			}));
		} catch (error) {
			if (!(error instanceof ImportError)) throw error;
			for (const issue of error.issues) {
				issues.push({
					path: issue.row > 0 ? `add.${issue.row - 1}.${issue.field}` : `add`,
					message: issue.message
				});
			}
		}
	}
	if (issues.length > 0) throw invalid(issues);
	return { input, scenario: { close: input.close, remits, add }, structures, places };
}

/** A simulation for the pages: the domain's answer, the structures' names, what adopting writes. */
export interface SimulationResult extends Simulation {
	names: Map<string, string>;
	structures: ChartStructure[];
	places: string[];
	plan: AdoptionPlan;
}

/** The simulation of a checked scenario (the caller was checked by the function calling it). */
async function run(
	db: Db,
	territoryId: string,
	raw: unknown,
	loaded?: ChartStructure[]
): Promise<SimulationResult> {
	const prepared = await prepare(db, territoryId, raw, loaded);
	const [rules, orientations] = await Promise.all([
		neverRules(db, territoryId),
		orientationGroups(db, territoryId, ageThresholds(prepared.structures, prepared.scenario.add))
	]);
	const result = simulate(
		prepared.structures,
		prepared.places,
		prepared.scenario,
		rules,
		orientations
	);
	const names = new Map(prepared.structures.map((s) => [s.id, s.name]));
	for (const record of prepared.input.add) {
		const r = record as { id?: unknown; name?: unknown };
		if (typeof r.id === 'string' && typeof r.name === 'string') names.set(r.id, r.name);
	}
	return {
		...result,
		names,
		structures: prepared.structures,
		places: prepared.places,
		plan: adoptionPlan(prepared)
	};
}

/**
 * Runs a what-if for a pilot of the territory, nothing written: the grid before and after on the
 * same pure coverage code as the real grid (agreed « never » rules applied to both), the places
 * where cells become gaps or overlaps, the territory's recorded orientations replayed, and what
 * adopting the scenario would write.
 */
export async function simulateScenario(
	db: Db,
	caller: Caller,
	territoryId: string,
	raw: unknown
): Promise<SimulationResult> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	return run(db, territoryId, raw);
}

/** The API's shape of a simulation (contract §3). */
export function toApiSimulation(territoryId: string, s: Simulation) {
	return {
		territory: territoryId,
		cells: s.cells.map(({ problem, level, before, after }) => ({ problem, level, before, after })),
		communes: s.communes.map((c) => ({
			code: c.code,
			gaps_before: c.gapsBefore,
			gaps_after: c.gapsAfter
		})),
		orientations: {
			considered: s.orientations.considered,
			orphan_before: s.orientations.orphanBefore,
			orphan_after: s.orientations.orphanAfter
		}
	};
}

/** What adopting a scenario writes, said before it is written. */
export interface AdoptionPlan {
	rules: { structure: string; problem: ProblemCode | null; level: LevelCode | null }[];
	remits: {
		id: string;
		problems?: ProblemCode[];
		level_min?: LevelCode;
		level_max?: LevelCode;
		coverage?: string[];
	}[];
	add: unknown[];
}

/**
 * A scenario as agreed rules and remit changes. What only takes away — a structure closed, a
 * problem or levels it stops taking — becomes « ne jamais orienter » rules, versioned and undoable
 * from the desk's history like every rule; what gives more (a wider coverage, a new problem or
 * level) changes the structure's remit through its edit service; new structures are imported.
 */
export function adoptionPlan(prepared: Pick<Prepared, 'input' | 'structures'>): AdoptionPlan {
	const plan: AdoptionPlan = { rules: [], remits: [], add: prepared.input.add };
	const byId = new Map(prepared.structures.map((s) => [s.id, s]));
	for (const id of prepared.input.close)
		plan.rules.push({ structure: id, problem: null, level: null });
	for (const change of prepared.input.remits) {
		const current = byId.get(change.id);
		if (!current) continue;
		const problems = change.problems ?? current.problems;
		const levels = levelsBetween(
			change.level_min ?? current.levelMin,
			change.level_max ?? current.levelMax
		);
		const currentLevels = levelsBetween(current.levelMin, current.levelMax);
		const onlyRemoves =
			!change.coverage &&
			problems.every((p) => current.problems.includes(p)) &&
			levels.every((l) => currentLevels.includes(l));
		if (!onlyRemoves) {
			plan.remits.push(change);
			continue;
		}
		for (const p of current.problems.filter((p) => !problems.includes(p)))
			plan.rules.push({ structure: change.id, problem: p, level: null });
		for (const l of currentLevels.filter((l) => !levels.includes(l)))
			plan.rules.push({ structure: change.id, problem: null, level: l });
	}
	return plan;
}

/**
 * Adopts a scenario agreed in concertation, all or nothing in one transaction: its rules added
 * (each audited, undoable), its remit changes saved through the structure's edit service (audited
 * with the fields changed; a structure of another territory needs its own pilot), its new
 * structures imported. `reason` is the concertation that agreed it.
 */
export async function adoptScenario(
	db: Db,
	caller: Caller,
	territoryId: string,
	raw: unknown,
	reason: string,
	agreedOn?: string
): Promise<{ rules: number; remits: number; added: number }> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const prepared = await prepare(db, territoryId, raw);
	const plan = adoptionPlan(prepared);
	if (plan.rules.length + plan.remits.length + plan.add.length === 0) {
		throw invalid([{ path: 'scenario', message: 'le scénario ne change rien' }]);
	}
	await db.transaction(async (t) => {
		const tx = t as unknown as Db;
		for (const rule of plan.rules) {
			await addRule(tx, caller, territoryId, {
				effect: 'never',
				structure: rule.structure,
				problem: rule.problem ?? undefined,
				level: rule.level ?? undefined,
				reason,
				agreed_on: agreedOn
			});
		}
		if (plan.remits.length > 0) {
			const records = new Map(
				(
					await getStructureRecords(
						tx,
						plan.remits.map((r) => r.id)
					)
				).map((r) => [r.id, r])
			);
			for (const change of plan.remits) {
				const record = records.get(change.id);
				if (!record)
					throw invalid([{ path: 'remits', message: `structure introuvable : ${change.id}` }]);
				// The record as the import format has it (its territory is not a field of it).
				const { territory: _territory, ...fields } = record;
				const next: Record<string, unknown> = { ...fields };
				if (change.problems) next.problems = change.problems;
				if (change.level_min) next.level_min = change.level_min;
				if (change.level_max) next.level_max = change.level_max;
				if (change.coverage) {
					next.coverage = [...new Set(change.coverage)];
					delete next.coverage_geojson;
				}
				await updateStructure(tx, caller, change.id, next);
			}
		}
		if (plan.add.length > 0) {
			await importStructures(tx, territoryId, plan.add, 'upsert', undefined, { caller });
		}
	});
	return { rules: plan.rules.length, remits: plan.remits.length, added: plan.add.length };
}

/**
 * The page's changes (its URL, one per parameter) as the API's scenario: the changes of one
 * structure fold into one remit change, starting from its remit as it stands; an extension keeps
 * what the structure covers (its codes, and its places in the territory when a polygon draws
 * them) and adds the codes given; new structures are named `simulation-1`, `simulation-2`…
 */
async function foldChanges(
	db: Db,
	structures: readonly ChartStructure[],
	changes: readonly ScenarioChange[]
): Promise<SimulationInput> {
	const byId = new Map(structures.map((s) => [s.id, s]));
	const extended = changes.flatMap((c) => (c.type === 'etendre' ? [c.structure] : []));
	const records = new Map(
		(await getStructureRecords(db, [...new Set(extended)])).map((r) => [r.id, r])
	);
	const input: SimulationInput = { close: [], remits: [], add: [] };
	const remitOf = (id: string) => {
		let remit = input.remits.find((r) => r.id === id);
		if (!remit) {
			remit = { id };
			input.remits.push(remit);
		}
		return remit;
	};
	for (const change of changes) {
		if (change.type === 'nouvelle') {
			input.add.push({
				id: `simulation-${input.add.length + 1}`,
				name: change.name,
				kind: change.kind,
				problems: change.problems,
				level_min: change.levelMin,
				level_max: change.levelMax,
				coverage: change.coverage
			});
			continue;
		}
		const current = byId.get(change.structure);
		if (change.type === 'fermer') {
			if (!input.close.includes(change.structure)) input.close.push(change.structure);
			continue;
		}
		const remit = remitOf(change.structure);
		if (change.type === 'retirer') {
			remit.problems = (remit.problems ?? current?.problems ?? []).filter(
				(p) => p !== change.problem
			);
		} else if (change.type === 'niveaux') {
			remit.level_min = change.levelMin;
			remit.level_max = change.levelMax;
		} else {
			const own = remit.coverage ?? [
				...(records.get(change.structure)?.coverage ?? []),
				...(current?.places ?? [])
			];
			remit.coverage = [...new Set([...own, ...change.coverage])];
		}
	}
	return input;
}

/**
 * The page's what-if: its changes as the API's scenario (foldChanges), and that scenario's
 * simulation — the caller checked once, the territory's structures read once for both.
 */
export async function simulateChanges(
	db: Db,
	caller: Caller,
	territoryId: string,
	changes: readonly ScenarioChange[]
): Promise<{ input: SimulationInput; result: SimulationResult }> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const structures = await territoryStructures(db, territoryId);
	const input = await foldChanges(db, structures, changes);
	return { input, result: await run(db, territoryId, input, structures) };
}
