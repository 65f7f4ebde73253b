/**
 * The what-if on 300 structures and 100 000 orientations (issue 16: "`npm run bench` reports the
 * what-if time on 300 structures and 100 000 orientations"), measured twice:
 *
 *  1. the pure simulation (`simulate` of src/lib/domain/scenario.ts, the code the page and
 *     `POST …/simulations` run): the big synthetic territory of the chart's benchmark
 *     (tests/bench/chart-data.ts, seeded) and 100 000 generated orientations over its communes,
 *     for four scenarios (close one structure, extend one to every commune, add one, the three at
 *     once with five agreed « never » rules). The orientations are handed over as the service
 *     reads them — folded into identical situations (problem, level, commune, age, APA, handicap) —
 *     and, as a worst case, unfolded (100 000 groups of one, every situation different);
 *  2. the whole service (`simulateScenario`: checks, the territory's structures, rules and the
 *     orientations' GROUP BY, then the same `simulate`) on in-memory PGlite with the 300
 *     structures imported and the 100 000 orientations inserted.
 *
 * p50/p95/max over RUNS timed runs after WARMUP untimed ones.
 * Environment: BENCH_WHATIF_STRUCTURES (default 300), BENCH_WHATIF_ORIENTATIONS (default 100 000),
 * BENCH_WHATIF_RUNS (default 20).
 */
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { LEVEL_CODES, PROBLEM_CODES } from '$lib/domain/taxonomy';
import {
	ageThresholds,
	simulate,
	type NeverRule,
	type OrientationGroup,
	type Scenario
} from '$lib/domain/scenario';
import { openDatabase } from '$lib/server/db/client';
import { systemCaller } from '$lib/server/auth/principal';
import { ensureGeography } from '$lib/server/services/setup';
import { simulateScenario } from '$lib/server/services/simulation';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import type { StructureInput } from '$lib/schemas/structure';
import {
	BIG_TERRITORY_COMMUNES,
	CHART_SEED,
	bigTerritoryStructures,
	chartStructures
} from './chart-data';
import {
	measureRuns,
	mulberry32,
	repoRoot,
	round,
	timed,
	type BenchResult,
	type BenchRow,
	type Stats
} from './report';

const STRUCTURES = Number(process.env.BENCH_WHATIF_STRUCTURES ?? 300);
const ORIENTATIONS = Number(process.env.BENCH_WHATIF_ORIENTATIONS ?? 100_000);
const RUNS = Number(process.env.BENCH_WHATIF_RUNS ?? 20);
const WARMUP = 3;
const SEED = 0x5_1a7e;
const TERRITORY = 'bench-simulation';
const BATCH = 5000;

const measure = (run: () => unknown): Promise<Stats> => measureRuns(run, RUNS, WARMUP);

function row(stage: string, scenario: string, stats: Stats, extra: BenchRow = {}): BenchRow {
	return {
		stage,
		scenario,
		'p50 ms': round(stats.p50, 2),
		'p95 ms': round(stats.p95, 2),
		'max ms': round(stats.max, 2),
		...extra
	};
}

interface Situation {
	problem: (typeof PROBLEM_CODES)[number];
	level: (typeof LEVEL_CODES)[number];
	commune: string;
	age: number | null;
	apa: boolean | null;
	handicap: boolean | null;
}

/** 100 000 requests over the territory's communes: every problem and level, ages 20–99, some unknown. */
function generateSituations(count: number): Situation[] {
	const random = mulberry32(SEED);
	const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
	const tri = () => (random() < 0.15 ? null : random() < 0.4);
	return Array.from({ length: count }, () => ({
		problem: pick(PROBLEM_CODES),
		level: pick(LEVEL_CODES),
		commune: pick(BIG_TERRITORY_COMMUNES),
		age: random() < 0.05 ? null : 20 + Math.floor(random() * 80),
		apa: tri(),
		handicap: tri()
	}));
}

/**
 * What the service's GROUP BY does, in memory: one group per situation, ages by class between the
 * publics' thresholds (the youngest age of the class standing for it), or by exact age.
 */
function fold(
	situations: readonly Situation[],
	thresholds?: readonly number[]
): OrientationGroup[] {
	const classOf = (age: number | null) =>
		age === null || !thresholds ? age : thresholds.filter((t) => t <= age).length;
	const groups = new Map<string, OrientationGroup>();
	for (const s of situations) {
		const key = `${s.problem}|${s.level}|${s.commune}|${classOf(s.age)}|${s.apa}|${s.handicap}`;
		const group = groups.get(key);
		if (!group) groups.set(key, { ...s, count: 1 });
		else {
			group.count++;
			if (s.age !== null && group.age !== null && s.age < group.age) group.age = s.age;
		}
	}
	return [...groups.values()];
}

/** The scenarios tried, in the domain's shape and in the API's (for the service). */
function scenarios(records: readonly StructureInput[]) {
	const [first, second] = records as [StructureInput, StructureInput];
	const added: StructureInput = {
		id: 'bench-nouvelle',
		name: 'Nouvelle structure (banc d’essai)',
		kind: 'dac',
		problems: ['perte_autonomie', 'medical', 'sante_mentale'],
		level_min: 'coordonnee',
		level_max: 'complexe',
		coverage: [...BIG_TERRITORY_COMMUNES]
	};
	const addedDomain = chartStructures([added], TERRITORY);
	const extend = { id: second.id, places: [...BIG_TERRITORY_COMMUNES] };
	return [
		{
			name: `fermer ${first.id}`,
			domain: { close: [first.id], remits: [], add: [] } satisfies Scenario,
			api: { close: [first.id] }
		},
		{
			name: `étendre ${second.id} à tout le territoire`,
			domain: { close: [], remits: [extend], add: [] } satisfies Scenario,
			api: { remits: [{ id: second.id, coverage: [...BIG_TERRITORY_COMMUNES] }] }
		},
		{
			name: 'ajouter une structure',
			domain: { close: [], remits: [], add: addedDomain } satisfies Scenario,
			api: { add: [added] }
		},
		{
			name: 'les trois à la fois',
			domain: { close: [first.id], remits: [extend], add: addedDomain } satisfies Scenario,
			api: {
				close: [first.id],
				remits: [{ id: second.id, coverage: [...BIG_TERRITORY_COMMUNES] }],
				add: [added]
			}
		}
	];
}

/** Five agreed rules on structures of the territory (one cell; everywhere, or one of its communes). */
function rulesFor(records: readonly StructureInput[]): NeverRule[] {
	return records.slice(2, 7).map((r, i) => ({
		structureId: r.id,
		problem: r.problems[0] as NeverRule['problem'],
		level: r.level_min as NeverRule['level'],
		commune: i % 2 === 0 ? null : ((r.coverage ?? [])[0] ?? null)
	}));
}

async function insertOrientations(
	db: Parameters<typeof simulateScenario>[0],
	situations: readonly Situation[]
): Promise<void> {
	for (let i = 0; i < situations.length; i += BATCH) {
		const json = JSON.stringify(
			situations.slice(i, i + BATCH).map((s, j) => ({ id: `bench-or-${i + j}`, ...s }))
		);
		await db.execute(sql`insert into orientations (id, territory_id, commune, age, age_band, apa,
				handicap, problems, criteria, request_type, computed_level, level, consent, orphan, status,
				source, created_by_type, created_by)
			select x.id, ${TERRITORY}, x.commune, x.age, (x.age / 5) * 5, x.apa, x.handicap,
				array[x.problem], '{}', 'accompagnement', x.level, x.level, true, false, 'sent',
				'telephone', 'user', 'bench'
			from jsonb_to_recordset(${json}::jsonb) as x(id text, commune text, age int, apa boolean,
				handicap boolean, problem text, level text)`);
	}
}

export async function whatIf(): Promise<BenchResult> {
	const records = bigTerritoryStructures(STRUCTURES, { prefix: 'bench' });
	const structures = chartStructures(records, TERRITORY);
	const situations = generateSituations(ORIENTATIONS);
	const tried = scenarios(records);
	const thresholds = ageThresholds(structures, ...tried.map((s) => s.domain.add));
	const folded = await timed(() => fold(situations, thresholds));
	const groups = folded.value;
	const byAge = fold(situations);
	const unfolded: OrientationGroup[] = situations.map((s) => ({ ...s, count: 1 }));
	const rules = rulesFor(records);
	const places = [...BIG_TERRITORY_COMMUNES];
	const rows: BenchRow[] = [];

	// 1. The pure simulation.
	for (const s of tried) {
		const withRules = s.name === 'les trois à la fois' ? rules : [];
		const answer = simulate(structures, places, s.domain, withRules, groups);
		const stats = await measure(() => simulate(structures, places, s.domain, withRules, groups));
		rows.push(
			row('simulate (pur), par classe d’âge', s.name, stats, {
				groupes: groups.length,
				'cases changées': answer.cells.filter((c) => c.before !== c.after).length,
				'(case, commune) changées': answer.cells.reduce(
					(n, c) => n + c.newGapPlaces.length + c.newOverlapPlaces.length,
					0
				),
				'orphelines avant → après': `${answer.orientations.orphanBefore} → ${answer.orientations.orphanAfter}`
			})
		);
	}
	const worst = tried.at(-1) as (typeof tried)[number];
	for (const [stage, list] of [
		['simulate (pur), par âge exact', byAge],
		[`simulate (pur), ${ORIENTATIONS} situations toutes différentes`, unfolded]
	] as const) {
		const answer = simulate(structures, places, worst.domain, rules, list);
		const stats = await measure(() => simulate(structures, places, worst.domain, rules, list));
		rows.push(
			row(stage, worst.name, stats, {
				groupes: list.length,
				'orphelines avant → après': `${answer.orientations.orphanBefore} → ${answer.orientations.orphanAfter}`
			})
		);
	}

	// 2. The whole service on PGlite.
	const notes: string[] = [];
	const database = await openDatabase({
		dataDir: 'memory://',
		migrationsDir: path.join(repoRoot, 'drizzle')
	});
	try {
		const { db } = database;
		console.log(`territoire, ${records.length} structures et ${ORIENTATIONS} orientations…`);
		await ensureGeography(db);
		await putTerritory(db, TERRITORY, {
			name: 'Banc d’essai : simulation',
			communes: [...BIG_TERRITORY_COMMUNES]
		});
		await importStructures(db, TERRITORY, records, 'replace');
		const inserted = await timed(() => insertOrientations(db, situations));
		await db.execute(sql`analyze orientations`);
		notes.push(`insertion des ${ORIENTATIONS} orientations : ${round(inserted.ms / 1000, 1)} s.`);
		for (const s of tried) {
			const caller = systemCaller('bench');
			const answer = await simulateScenario(db, caller, TERRITORY, s.api);
			const stats = await measure(() => simulateScenario(db, caller, TERRITORY, s.api));
			rows.push(
				row('simulateScenario (service, PGlite)', s.name, stats, {
					'orientations rejouées': answer.orientations.considered,
					'orphelines avant → après': `${answer.orientations.orphanBefore} → ${answer.orientations.orphanAfter}`
				})
			);
		}
	} finally {
		await database.close();
	}

	notes.unshift(
		`${STRUCTURES} structures générées (graine ${CHART_SEED}), ${BIG_TERRITORY_COMMUNES.length} communes, ` +
			`${ORIENTATIONS} orientations générées (graine ${SEED}) ; ${RUNS} passes chronométrées après ${WARMUP} d’échauffement.`,
		`regroupement des orientations en situations identiques, l’âge par classe entre les seuils des publics ` +
			`(ce que fait le GROUP BY width_bucket du service) : ${groups.length} groupes (${byAge.length} par âge exact), ` +
			`${round(folded.ms, 1)} ms en mémoire ; les trois regroupements donnent les mêmes orphelines.`,
		'« les trois à la fois » applique aussi cinq règles « ne jamais orienter » (des deux côtés, avant et après).',
		'simulateScenario = tout le travail de la page et de POST …/simulations : contrôles, structures, règles, ' +
			'GROUP BY des orientations sur PGlite en mémoire, puis le même simulate.'
	);
	return { rows, notes };
}
