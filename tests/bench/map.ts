/**
 * "With a generated territory of 20 000 structures the map page stays interactive (clustering) —
 * report the GeoJSON payload size and time to first render" (issue 6), the server's part,
 * in-process on in-memory PGlite:
 *
 *  1. a territory made of every commune and arrondissement of the Bouches-du-Rhône (codes read
 *     from the database), 20 000 generated structures (tests/bench/map-data.ts, seeded) placed in
 *     the département's bounding box and covering a few of its communes, imported by the import
 *     service;
 *  2. territoryMap — the map page's data load — and mapTiles — the structures gathered and
 *     grouped for the map's tiles — timed with and without a coverage cell, then the tiles of the
 *     first view (zoom 8 over the territory) and of a view zoomed in (zoom 10), made from the kept
 *     groups;
 *  3. the size of what the map receives: the page's data (places, counts and list, cell) and the
 *     first view's tiles, raw, gzip and brotli (the server's own compression), part by part, and
 *     the page's data as SvelteKit serialises it for a client navigation (devalue, the body of
 *     __data.json).
 *     A popup's details (structure.json) come when it opens, one structure at a time.
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
import { bbox } from '@turf/turf';
import { mapTiles, territoryMap } from '$lib/server/services/map';
import { cacheChanged } from '$lib/server/db/notify';
import { ensureGeography } from '$lib/server/services/setup';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { BROTLI_QUALITY } from '$lib/server/compression';
import type { MapQuery } from '$lib/schemas/map';
import { MAP_COVERAGE_COMMUNES, MAP_STRUCTURES, bigMapStructures } from './map-data';
import { percentile, repoRoot, round, timed, type BenchResult, type BenchRow } from './report';

const STRUCTURES = Number(process.env.BENCH_MAP_STRUCTURES ?? MAP_STRUCTURES);
const RUNS = Number(process.env.BENCH_MAP_RUNS ?? 10);
const WARMUP = 2;
const TERRITORY = 'bench-carte';
const IMPORT_CHUNK = 5_000;

const kB = (bytes: number) => round(bytes / 1024, 1);

interface Sizes {
	raw: number;
	gzip: number;
	brotli: number;
}

/** Raw, gzip (level 6) and brotli at the quality the server uses (src/lib/server/compression.ts). */
function textSizes(text: string | Uint8Array): Sizes {
	const body = typeof text === 'string' ? Buffer.from(text) : text;
	return {
		raw: body.length,
		gzip: zlib.gzipSync(body).length,
		brotli: zlib.brotliCompressSync(body, {
			params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY }
		}).length
	};
}

const sizes = (value: unknown) => textSizes(JSON.stringify(value));

const sum = (parts: readonly Sizes[]): Sizes => ({
	raw: parts.reduce((n, p) => n + p.raw, 0),
	gzip: parts.reduce((n, p) => n + p.gzip, 0),
	brotli: parts.reduce((n, p) => n + p.brotli, 0)
});

/** The tiles of zoom z over a box [west, south, east, north] (Web Mercator, as maplibre asks). */
/** The part of a box around its centre, 1/`ratio` of its width and height. */
function centreBox(box: number[], ratio: number): number[] {
	const [west = 0, south = 0, east = 0, north = 0] = box;
	const [x, y] = [(west + east) / 2, (south + north) / 2];
	const [w, h] = [(east - west) / ratio / 2, (north - south) / ratio / 2];
	return [x - w, y - h, x + w, y + h];
}

function tilesOver(box: number[], z: number): [number, number, number][] {
	const n = 2 ** z;
	const column = (lon: number) => Math.floor(((lon + 180) / 360) * n);
	const row = (lat: number) => {
		const rad = (lat * Math.PI) / 180;
		return Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
	};
	const [west = 0, south = 0, east = 0, north = 0] = box;
	const tiles: [number, number, number][] = [];
	for (let x = column(west); x <= column(east); x++) {
		for (let y = row(north); y <= row(south); y++) tiles.push([z, x, y]);
	}
	return tiles;
}

/**
 * RUNS timed calls after WARMUP untimed ones: the times sorted, the last answer. `before`, untimed,
 * before each call (the caches dropped, as a write does).
 */
async function runs<T>(
	run: () => Promise<T>,
	before: () => void = () => {}
): Promise<{ times: number[]; value: T }> {
	for (let i = 0; i < WARMUP; i++) {
		before();
		await run();
	}
	const times: number[] = [];
	let value: T | undefined;
	for (let i = 0; i < RUNS; i++) {
		before();
		const one = await timed(run);
		// What a call leaves to do once answered (the page writes its points after its answer)
		// is done before the next one is timed.
		await new Promise((resolve) => setTimeout(resolve, 20));
		times.push(one.ms);
		value = one.value;
	}
	times.sort((a, b) => a - b);
	if (value === undefined) throw new Error('aucune passe');
	return { times, value };
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
		const sizeRow = (stage: string, scope: string, size: Sizes): BenchRow => ({
			stage,
			scope,
			'p50 ms': null,
			'p95 ms': null,
			'max ms': null,
			places: null,
			points: null,
			structures: null,
			'raw kB': kB(size.raw),
			'gzip kB': kB(size.gzip),
			'brotli kB': kB(size.brotli)
		});
		const caller = systemCaller('bench');
		// As after a write: the places and points kept by the server dropped before each call.
		const dropped = () => cacheChanged(db, 'remit');
		for (const [scope, query] of scenarios) {
			const page = await runs(() => territoryMap(db, caller, TERRITORY, query), dropped);
			// Gathered and grouped: the groups are made on the first tile asked (the world's here).
			const grouped = await runs(async () => {
				const tiles = await mapTiles(db, caller, TERRITORY, query.type);
				tiles.tile(0, 0, 0);
				return tiles;
			}, dropped);
			const keptPage = await runs(() => territoryMap(db, caller, TERRITORY, query));
			const { places, structures, cell } = page.value;
			const box = bbox(places);
			// What the first view and a zoom asks: each tile as a request makes it (access, kept
			// groups, the tile), one after the other.
			const views = [
				['tuiles de la première vue (zoom 8)', tilesOver(box, 8)],
				['tuiles d’une vue zoomée (zoom 10, centre)', tilesOver(centreBox(box, 4), 10)]
			] as const;
			const tileRuns = [];
			for (const [stage, tiles] of views) {
				const run = await runs(async () => {
					const kept = await mapTiles(db, caller, TERRITORY, query.type);
					return tiles.map(([z, x, y]) => kept.tile(z, x, y));
				});
				tileRuns.push({ stage, tiles, run });
			}
			for (const [stage, run, counts] of [
				['territoryMap (PGlite)', page, true],
				['mapTiles (PGlite), structures groupées', grouped, false],
				['territoryMap (PGlite), lieux gardés', keptPage, true]
			] as const) {
				rows.push({
					stage,
					scope,
					'p50 ms': round(percentile(run.times, 50), 1),
					'p95 ms': round(percentile(run.times, 95), 1),
					'max ms': round(run.times.at(-1) as number, 1),
					places: counts ? places.features.length : null,
					points: run === grouped ? grouped.value.points.length : null,
					structures: counts ? structures.total : null,
					'raw kB': null,
					'gzip kB': null,
					'brotli kB': null
				});
			}
			for (const { stage, tiles, run } of tileRuns) {
				rows.push({
					stage: `${stage} : ${tiles.length} tuiles, groupes gardés`,
					scope,
					'p50 ms': round(percentile(run.times, 50), 1),
					'p95 ms': round(percentile(run.times, 95), 1),
					'max ms': round(run.times.at(-1) as number, 1),
					places: null,
					points: null,
					structures: null,
					'raw kB': null,
					'gzip kB': null,
					'brotli kB': null
				});
			}
			const parts: [string, unknown][] = [
				['places (GeoJSON simplifié)', places],
				[`structures (comptes, ${structures.list.length} premières)`, structures],
				['cell (par lieu, noms)', cell]
			];
			for (const [part, value] of parts) {
				if (value !== null) rows.push(sizeRow(`charge utile : ${part}`, scope, sizes(value)));
			}
			const [first] = tileRuns;
			const tilesSize = sum((first?.run.value ?? []).map((bytes) => textSizes(bytes)));
			rows.push(sizeRow('charge utile : tuiles de la première vue (MVT)', scope, tilesSize));
			const data = devalue.stringify({ ...page.value, territory: { id: TERRITORY }, query });
			const dataSize = textSizes(data);
			rows.push(
				sizeRow('charge utile : données de la page (devalue, comme __data.json)', scope, dataSize),
				sizeRow(
					'charge utile : page + tuiles de la première vue (ce que la carte reçoit)',
					scope,
					sum([dataSize, tilesSize])
				)
			);
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
		`${RUNS} passes chronométrées après ${WARMUP} d’échauffement, process.hrtime.bigint() autour de chaque appel ; territoryMap et mapTiles : le cache du serveur vidé avant chaque appel, comme après une écriture (lieux simplifiés et groupes recalculés) ; « gardés » : ce que servent les demandes suivantes, jusqu’à la prochaine écriture.`,
		`Tailles : JSON.stringify en UTF-8 ; gzip = zlib.gzipSync niveau par défaut (6) ; brotli qualité ${BROTLI_QUALITY}, ce que le serveur envoie (src/lib/server/compression.ts) à un navigateur qui l’accepte.`,
		'La page porte les lieux, les comptes, les 200 premières structures par nom et la case ; les structures viennent en tuiles vectorielles (MVT) groupées par le serveur, que la carte demande pour ce qu’elle dessine ; le détail d’une structure (popup) de structure.json, à l’ouverture.',
		'Le rendu dans un navigateur (premier rendu, interaction avec les groupes de points) est mesuré par tests/e2e/map/map-big.test.ts.'
	);
	return { rows, notes };
}
