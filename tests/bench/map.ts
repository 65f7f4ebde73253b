/**
 * "With a generated territory of 20 000 structures the map page stays interactive (clustering) —
 * report the GeoJSON payload size and time to first render" (issue 6), the server's part,
 * in-process on in-memory PGlite:
 *
 *  1. a territory made of every commune and arrondissement of the Bouches-du-Rhône (codes read
 *     from the database), 20 000 generated structures (tests/bench/map-data.ts, seeded) placed in
 *     the département's bounding box and covering a few of its communes, imported by the import
 *     service;
 *  2. territoryMap — the map page's data load — timed with and without a coverage cell;
 *  3. the size of what the page sends: its data as JSON (places, points, structures, cell), raw
 *     and gzip, part by part, and as SvelteKit serialises it for a client navigation (devalue,
 *     the body of __data.json).
 *
 * The browser's part (time to first render, interaction with the clustered points) is measured
 * by tests/e2e/map/map-big.test.ts against the production build.
 *
 * Environment: BENCH_MAP_STRUCTURES (default 20 000), BENCH_MAP_RUNS (default 10).
 */
import path from 'node:path';
import zlib from 'node:zlib';
import { sql } from 'drizzle-orm';
import * as devalue from 'devalue';
import { openDatabase, queryRows } from '$lib/server/db/client';
import { systemCaller } from '$lib/server/auth/principal';
import { territoryMap } from '$lib/server/services/map';
import { ensureGeography } from '$lib/server/services/setup';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import type { MapQuery } from '$lib/schemas/map';
import { MAP_COVERAGE_COMMUNES, MAP_STRUCTURES, bigMapStructures } from './map-data';
import { percentile, repoRoot, round, timed, type BenchResult, type BenchRow } from './report';

const STRUCTURES = Number(process.env.BENCH_MAP_STRUCTURES ?? MAP_STRUCTURES);
const RUNS = Number(process.env.BENCH_MAP_RUNS ?? 10);
const WARMUP = 2;
const TERRITORY = 'bench-carte';
const IMPORT_CHUNK = 5_000;

const kB = (bytes: number) => round(bytes / 1024, 1);
const gzip = (text: string) => zlib.gzipSync(text).length;

function sizes(value: unknown): { raw: number; gzip: number } {
	const text = JSON.stringify(value);
	return { raw: Buffer.byteLength(text), gzip: gzip(text) };
}

export async function map(): Promise<BenchResult> {
	const rows: BenchRow[] = [];
	const notes: string[] = [];
	const records = bigMapStructures(STRUCTURES, { prefix: 'banc-carte' });
	const database = await openDatabase({
		dataDir: 'memory://',
		migrationsDir: path.join(repoRoot, 'drizzle')
	});
	try {
		const { db } = database;
		console.log('ensureGeography, territoire des Bouches-du-Rhône et import des structures…');
		await ensureGeography(db);
		const codes = (
			await queryRows<{ code: string }>(
				db,
				sql`select code from communes where department = '13' order by code`
			)
		).map((r) => r.code);
		await putTerritory(db, TERRITORY, {
			name: 'Banc d’essai : carte des Bouches-du-Rhône',
			communes: codes
		});
		const imported = await timed(async () => {
			for (let i = 0; i < records.length; i += IMPORT_CHUNK) {
				await importStructures(
					db,
					TERRITORY,
					records.slice(i, i + IMPORT_CHUNK),
					i === 0 ? 'replace' : 'upsert'
				);
			}
		});
		notes.push(
			`territoire : ${codes.length} codes de la base (département 13, communes et arrondissements) ; ` +
				`import de ${records.length} structures par lots de ${IMPORT_CHUNK} : ${Math.round(imported.ms)} ms.`
		);

		const scenarios: [string, MapQuery][] = [
			['sans couche', { type: [] }],
			['case medical × simple', { type: [], probleme: 'medical', niveau: 'simple' }]
		];
		for (const [scope, query] of scenarios) {
			for (let i = 0; i < WARMUP; i++)
				await territoryMap(db, systemCaller('bench'), TERRITORY, query);
			const times: number[] = [];
			let answer: Awaited<ReturnType<typeof territoryMap>> | undefined;
			for (let i = 0; i < RUNS; i++) {
				const run = await timed(() => territoryMap(db, systemCaller('bench'), TERRITORY, query));
				times.push(run.ms);
				answer = run.value;
			}
			times.sort((a, b) => a - b);
			if (!answer) throw new Error('aucune passe');
			const { places, points, structures, cell } = answer;
			rows.push({
				stage: 'territoryMap (PGlite)',
				scope,
				'p50 ms': round(percentile(times, 50), 1),
				'p95 ms': round(percentile(times, 95), 1),
				'max ms': round(times.at(-1) as number, 1),
				places: places.features.length,
				points: points.features.length,
				structures: structures.length,
				'raw kB': null,
				'gzip kB': null
			});
			const parts: [string, unknown][] = [
				['places (GeoJSON simplifié)', places],
				['points (GeoJSON)', points],
				['structures (liste, popups)', structures],
				['cell (par lieu)', cell]
			];
			for (const [part, value] of parts) {
				if (value === null) continue;
				const size = sizes(value);
				rows.push({
					stage: `charge utile : ${part}`,
					scope,
					'p50 ms': null,
					'p95 ms': null,
					'max ms': null,
					places: null,
					points: null,
					structures: null,
					'raw kB': kB(size.raw),
					'gzip kB': kB(size.gzip)
				});
			}
			const total = sizes({ places, points, structures, cell });
			const geojson = sizes({ places, points });
			const page = devalue.stringify({ ...answer, territory: { id: TERRITORY }, query });
			for (const [stage, size] of [
				['charge utile : GeoJSON (places + points)', geojson],
				['charge utile : total JSON (places, points, structures, cell)', total],
				[
					'charge utile : données de la page (devalue, comme __data.json)',
					{ raw: Buffer.byteLength(page), gzip: gzip(page) }
				]
			] as const) {
				rows.push({
					stage,
					scope,
					'p50 ms': null,
					'p95 ms': null,
					'max ms': null,
					places: null,
					points: null,
					structures: null,
					'raw kB': kB(size.raw),
					'gzip kB': kB(size.gzip)
				});
			}
			if (cell) {
				const covered = Object.values(cell.byPlace).filter((ids) => ids.length > 0);
				notes.push(
					`${scope} : ${covered.length} lieux couverts sur ${Object.keys(cell.byPlace).length}, ` +
						`jusqu’à ${Math.max(...covered.map((ids) => ids.length))} structures par lieu.`
				);
			}
		}
	} finally {
		await database.close();
	}
	notes.push(
		`${STRUCTURES} structures générées (graine MAP_SEED), positions uniformes dans l’emprise du département, ` +
			`couverture : 1 à 3 des communes ${Object.values(MAP_COVERAGE_COMMUNES).join(', ')}.`,
		`${RUNS} passes chronométrées après ${WARMUP} d’échauffement, process.hrtime.bigint() autour de chaque appel.`,
		'Tailles : JSON.stringify en UTF-8, gzip = zlib.gzipSync niveau par défaut (6) ; le serveur Node ne compresse pas lui-même (à confier au proxy frontal en production).',
		'Le rendu dans un navigateur (premier rendu, interaction avec les groupes de points) est mesuré par tests/e2e/map/map-big.test.ts.'
	);
	return { rows, notes };
}
