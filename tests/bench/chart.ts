/**
 * "The chart draws a territory of 300 structures in under 1 s" (issue 5): the work of the chart
 * page on a synthetic territory of 300 structures (tests/bench/chart-data.ts, seeded), measured
 * in-process, stage by stage:
 *
 *  1. coverageGrid + layoutChart — the pure computation the page runs (server and browser);
 *  2. the server-side render of AxesChart.svelte (`render` from svelte/server), the component
 *     compiled here with svelte/compiler since tsx cannot load .svelte files;
 *  3. territoryAxes — the page's data load on in-memory PGlite with the 300 structures imported
 *     (SQL, filters, orphan counts, then the same coverageGrid).
 *
 * Each stage: p50/p95/max over RUNS timed runs after WARMUP untimed ones, for the whole territory
 * and for one commune. The same territory is drawn in a real browser by
 * tests/e2e/axes/axes-big.test.ts, which prints the navigation and paint timings.
 *
 * Environment: BENCH_CHART_STRUCTURES (default 300), BENCH_CHART_RUNS (default 200).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from 'svelte/compiler';
import { coverageGrid, summarize, type CoverageFilter } from '$lib/domain/coverage';
import { layoutChart, type ChartLayout } from '$lib/components/axes/layout';
import { openDatabase } from '$lib/server/db/client';
import { systemCaller } from '$lib/server/auth/principal';
import { territoryAxes } from '$lib/server/services/axes';
import { ensureGeography } from '$lib/server/services/setup';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import {
	BIG_TERRITORY_COMMUNES,
	CHART_SEED,
	bigTerritoryStructures,
	chartStructures
} from './chart-data';
import {
	measureRuns,
	repoRoot,
	round,
	timed,
	type BenchResult,
	type BenchRow,
	type Stats
} from './report';

const STRUCTURES = Number(process.env.BENCH_CHART_STRUCTURES ?? 300);
const RUNS = Number(process.env.BENCH_CHART_RUNS ?? 200);
const WARMUP = 30;
const BUDGET_MS = 1000;
const TERRITORY = 'bench-grand';
const ONE_COMMUNE = BIG_TERRITORY_COMMUNES[5];

const measure = (run: () => unknown): Promise<Stats> => measureRuns(run, RUNS, WARMUP);

type RenderChart = (props: { layout: ChartLayout; orphans: Record<string, number> }) => string;

/**
 * AxesChart.svelte compiled for the server into a temporary module (its imports made absolute),
 * rendered with svelte/server as the page's server render does.
 */
async function loadChartRenderer(): Promise<{ render: RenderChart; cleanup: () => void }> {
	const file = path.join(repoRoot, 'src/lib/components/axes/AxesChart.svelte');
	const { js } = compile(fs.readFileSync(file, 'utf8'), {
		generate: 'server',
		filename: file,
		dev: false
	});
	const absolute = (specifier: string) =>
		specifier.startsWith('$lib/')
			? pathToFileURL(path.join(repoRoot, 'src/lib', `${specifier.slice(5)}.ts`)).href
			: import.meta.resolve(specifier);
	const code = js.code.replace(
		/from '([^']+)'/g,
		(_, specifier: string) => `from '${absolute(specifier)}'`
	);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bon-tiers-bench-'));
	const module = path.join(dir, 'AxesChart.server.js');
	fs.writeFileSync(module, code);
	const component = (await import(pathToFileURL(module).href)) as { default: unknown };
	const { render } = (await import('svelte/server')) as unknown as {
		render: (component: unknown, options: { props: Record<string, unknown> }) => { body: string };
	};
	return {
		render: ({ layout, orphans }) =>
			render(component.default, {
				props: {
					layout,
					title: 'Carte des structures — banc d’essai',
					cellHref: (problem: string, level: string) =>
						`/annuaire?territoire=${TERRITORY}&probleme=${problem}&niveau=${level}`,
					orphans
				}
			}).body,
		cleanup: () => fs.rmSync(dir, { recursive: true, force: true })
	};
}

function row(
	stage: string,
	scope: string,
	stats: Stats,
	extra: Record<string, string | number | null> = {}
): BenchRow {
	return {
		stage,
		scope,
		'p50 ms': round(stats.p50, 2),
		'p95 ms': round(stats.p95, 2),
		'max ms': round(stats.max, 2),
		...extra
	};
}

export async function chart(): Promise<BenchResult> {
	const records = bigTerritoryStructures(STRUCTURES, { prefix: 'bench' });
	const structures = chartStructures(records, TERRITORY);
	const rows: BenchRow[] = [];
	const notes: string[] = [];
	const filters: [string, CoverageFilter][] = [
		['territoire', {}],
		[`commune ${ONE_COMMUNE}`, { places: [ONE_COMMUNE] }]
	];

	// 1. The pure computation.
	const layouts: [string, ChartLayout][] = [];
	for (const [scope, filter] of filters) {
		const grid = await measure(() => coverageGrid(structures, filter));
		const cells = coverageGrid(structures, filter);
		const counted = new Set(cells.flatMap((c) => c.structures));
		const shown = structures.filter((s) => counted.has(s.id));
		const layout = await measure(() => layoutChart(shown, cells));
		const both = await measure(() => {
			const c = coverageGrid(structures, filter);
			const ids = new Set(c.flatMap((x) => x.structures));
			return layoutChart(
				structures.filter((s) => ids.has(s.id)),
				c
			);
		});
		const drawn = layoutChart(shown, cells);
		layouts.push([scope, drawn]);
		const totals = summarize(cells);
		const facts = {
			structures: shown.length,
			zones: drawn.shapes.reduce((n, s) => n + s.rects.length, 0),
			lanes: Math.max(...drawn.shapes.map((s) => s.lane)) + 1,
			'gaps/overlaps': `${totals.gap}/${totals.overlap}`
		};
		rows.push(row('coverageGrid', scope, grid, facts));
		rows.push(row('layoutChart', scope, layout, facts));
		rows.push(row('grid + layout', scope, both, facts));
	}

	// 2. The server-side render of the component.
	const renderer = await loadChartRenderer();
	try {
		for (const [scope, layout] of layouts) {
			const html = renderer.render({ layout, orphans: {} });
			const stats = await measure(() => renderer.render({ layout, orphans: {} }));
			rows.push(
				row('render AxesChart (svelte/server)', scope, stats, {
					structures: layout.shapes.length,
					'html kB': round(html.length / 1024, 1)
				})
			);
		}
	} finally {
		renderer.cleanup();
	}

	// 3. The page's data load, from the database.
	const database = await openDatabase({
		dataDir: 'memory://',
		migrationsDir: path.join(repoRoot, 'drizzle')
	});
	try {
		const { db } = database;
		console.log('ensureGeography, territoire et import des structures…');
		await ensureGeography(db);
		await putTerritory(db, TERRITORY, {
			name: 'Banc d’essai : grand territoire',
			communes: [...BIG_TERRITORY_COMMUNES]
		});
		const imported = await timed(() => importStructures(db, TERRITORY, records, 'replace'));
		notes.push(`import des ${records.length} structures : ${Math.round(imported.ms)} ms.`);
		for (const [scope, commune] of [
			['territoire', undefined],
			[`commune ${ONE_COMMUNE}`, ONE_COMMUNE]
		] as const) {
			const answer = await territoryAxes(db, systemCaller('bench'), TERRITORY, {
				type: [],
				vue: 'toutes',
				commune
			});
			const stats = await measure(() =>
				territoryAxes(db, systemCaller('bench'), TERRITORY, { type: [], vue: 'toutes', commune })
			);
			rows.push(
				row('territoryAxes (PGlite)', scope, stats, { structures: answer.structures.length })
			);
		}
	} finally {
		await database.close();
	}

	// The server's part of one page: load + grid/layout + render, at the p95 of each.
	const p95 = (stage: string, scope: string) =>
		Number(rows.find((r) => r.stage === stage && r.scope === scope)?.['p95 ms'] ?? NaN);
	const server =
		p95('territoryAxes (PGlite)', 'territoire') +
		p95('grid + layout', 'territoire') +
		p95('render AxesChart (svelte/server)', 'territoire');
	rows.push({
		stage: 'serveur : chargement + calcul + rendu (somme des p95)',
		scope: 'territoire',
		'p50 ms': null,
		'p95 ms': round(server, 2),
		'max ms': null,
		structures: STRUCTURES,
		verdict: server < BUDGET_MS ? `< ${BUDGET_MS} ms` : `AU-DELÀ de ${BUDGET_MS} ms`
	});
	notes.push(
		`${STRUCTURES} structures générées (graine ${CHART_SEED}), ` +
			`${BIG_TERRITORY_COMMUNES.length} communes ; ${RUNS} passes chronométrées après ${WARMUP} d’échauffement, ` +
			'process.hrtime.bigint() autour de chaque appel.',
		'render = AxesChart.svelte compilé par svelte/compiler (generate: server) puis render() de svelte/server : ' +
			'le composant seul, sans la mise en page ni le tableau accessible de la page.',
		'territoryAxes = le chargement de la page (+page.server.ts) : structures de la base, grille, orphelines, sur PGlite en mémoire ; ' +
			'la somme des p95 compte donc la grille deux fois (majorant).',
		'Le rendu dans un navigateur (réseau local, hydratation, peinture) est mesuré par tests/e2e/axes/axes-big.test.ts.'
	);
	return { rows, notes };
}
