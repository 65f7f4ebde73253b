/**
 * Point → commune: resolving random WGS84 points to their commune (or arrondissement) with the
 * spatial index of src/lib/geo/place-index.ts (flatbush on bboxes + turf point-in-polygon).
 *
 *  (a) département: the boundaries shipped in the repository, loaded as the app does
 *      (ensureGeography), points uniformly random in the Bouches-du-Rhône's bbox;
 *  (b) national: after importing the national boundaries file, points uniformly random in
 *      metropolitan France's bbox. Skipped (only it) when the file is missing.
 *
 * For each: the PlaceIndex alone on 100 000 points, then the service function resolvePoint()
 * on 10 000 points (await + cache version check on every call).
 */
import fs from 'node:fs';
import path from 'node:path';
import { bbox as turfBbox } from '@turf/turf';
import type { FeatureCollection } from 'geojson';
import { PlaceIndex, type Bbox } from '$lib/geo/place-index';
import { openDatabase, type Db } from '$lib/server/db/client';
import { importBoundaries, readGeojsonFile, seedDir } from '$lib/server/services/geography';
import { getPlaceIndex, resolvePoint } from '$lib/server/services/places';
import { ensureGeography } from '$lib/server/services/setup';
import {
	mulberry32,
	percentile,
	repoRoot,
	round,
	timed,
	type BenchResult,
	type BenchRow
} from './report';

const POINTS = 100_000;
const SERVICE_POINTS = 10_000;
const WARMUP_POINTS = 20_000;
const SERVICE_WARMUP_POINTS = 10_000;
const SEED = 0x13_2024;
const WARMUP_SEED = 0xbeef;

/** lon -5.2..9.6, lat 41.3..51.1 (Corsica included, overseas not). */
const METROPOLITAN_FRANCE: Bbox = [-5.2, 41.3, 9.6, 51.1];
const DEFAULT_NATIONAL_FILE = '../shared/data/geo/communes-france.geojson.gz';

/** n points uniformly random in the bbox, as interleaved [lon0, lat0, lon1, lat1, …]. */
function randomPoints(n: number, [minX, minY, maxX, maxY]: Bbox, seed: number): Float64Array {
	const random = mulberry32(seed);
	const points = new Float64Array(2 * n);
	for (let i = 0; i < n; i++) {
		points[2 * i] = minX + random() * (maxX - minX);
		points[2 * i + 1] = minY + random() * (maxY - minY);
	}
	return points;
}

function count(points: Float64Array): number {
	return points.length / 2;
}

interface Distribution {
	totalMs: number;
	resolved: number;
	p50: number;
	p95: number;
	p99: number;
}

function summarize(totalMs: number, resolved: number, perPointNs: Float64Array): Distribution {
	perPointNs.sort();
	return {
		totalMs,
		resolved,
		p50: percentile(perPointNs, 50) / 1000,
		p95: percentile(perPointNs, 95) / 1000,
		p99: percentile(perPointNs, 99) / 1000
	};
}

/**
 * Two passes over the same points: a plain loop for the total time (no timer inside), then one
 * process.hrtime.bigint() pair around each point for the per-point distribution.
 */
function measureLocate(
	index: PlaceIndex,
	points: Float64Array,
	warmup: Float64Array
): Distribution {
	for (let i = 0; i < count(warmup); i++) index.locate(warmup[2 * i]!, warmup[2 * i + 1]!);

	const n = count(points);
	let resolved = 0;
	const start = process.hrtime.bigint();
	for (let i = 0; i < n; i++) {
		if (index.locate(points[2 * i]!, points[2 * i + 1]!) !== null) resolved++;
	}
	const totalMs = Number(process.hrtime.bigint() - start) / 1e6;

	const perPoint = new Float64Array(n);
	let check = 0;
	for (let i = 0; i < n; i++) {
		const t0 = process.hrtime.bigint();
		const code = index.locate(points[2 * i]!, points[2 * i + 1]!);
		perPoint[i] = Number(process.hrtime.bigint() - t0);
		if (code !== null) check++;
	}
	if (check !== resolved) throw new Error(`résultats instables : ${check} ≠ ${resolved}`);
	return summarize(totalMs, resolved, perPoint);
}

/** Same two passes through the service function, one awaited call per point. */
async function measureService(
	db: Db,
	points: Float64Array,
	warmup: Float64Array
): Promise<Distribution> {
	for (let i = 0; i < count(warmup); i++)
		await resolvePoint(db, warmup[2 * i]!, warmup[2 * i + 1]!);

	const n = count(points);
	let resolved = 0;
	const start = process.hrtime.bigint();
	for (let i = 0; i < n; i++) {
		if ((await resolvePoint(db, points[2 * i]!, points[2 * i + 1]!)) !== null) resolved++;
	}
	const totalMs = Number(process.hrtime.bigint() - start) / 1e6;

	const perPoint = new Float64Array(n);
	for (let i = 0; i < n; i++) {
		const t0 = process.hrtime.bigint();
		await resolvePoint(db, points[2 * i]!, points[2 * i + 1]!);
		perPoint[i] = Number(process.hrtime.bigint() - t0);
	}
	return summarize(totalMs, resolved, perPoint);
}

/** Median cost of one hrtime.bigint() pair, to read the per-point figures against. */
function timerOverheadNs(): number {
	const samples = new Float64Array(100_000);
	for (let i = 0; i < samples.length; i++) {
		const t0 = process.hrtime.bigint();
		samples[i] = Number(process.hrtime.bigint() - t0);
	}
	return percentile(samples.sort(), 50);
}

/** Time of the R-tree's build alone, on the boxes of the index the service built. */
function treeBuildMs(index: PlaceIndex): number {
	const start = process.hrtime.bigint();
	PlaceIndex.treeOf(index.boxes);
	return Number(process.hrtime.bigint() - start) / 1e6;
}

interface Scenario {
	config: string;
	loadMs: number;
	index: PlaceIndex;
	buildMs: number;
	points: Float64Array;
	warmup: Float64Array;
}

function row(
	scenario: Scenario,
	method: string,
	n: number,
	d: Distribution,
	build: boolean
): BenchRow {
	return {
		config: scenario.config,
		method,
		shapes: scenario.index.size,
		'load ms': build ? round(scenario.loadMs, 0) : null,
		'index build ms': build ? round(scenario.buildMs, 0) : null,
		'tree only ms': build ? round(treeBuildMs(scenario.index), 1) : null,
		points: n,
		'total ms': round(d.totalMs, 0),
		'points/s': Math.round(n / (d.totalMs / 1000)),
		'mean µs': round((d.totalMs * 1000) / n, 2),
		'p50 µs': round(d.p50, 2),
		'p95 µs': round(d.p95, 2),
		'p99 µs': round(d.p99, 2),
		'resolved %': round((100 * d.resolved) / n, 1)
	};
}

async function runScenario(
	db: Db,
	scenario: Scenario
): Promise<{ rows: BenchRow[]; note: string }> {
	const located = measureLocate(scenario.index, scenario.points, scenario.warmup);
	const servicePoints = scenario.points.subarray(0, 2 * SERVICE_POINTS);
	const serviceWarmup = scenario.warmup.subarray(0, 2 * SERVICE_WARMUP_POINTS);
	const service = await measureService(db, servicePoints, serviceWarmup);
	return {
		rows: [
			row(scenario, 'PlaceIndex.locate', count(scenario.points), located, true),
			row(scenario, 'resolvePoint (service)', SERVICE_POINTS, service, false)
		],
		note:
			`${scenario.config} : surcoût de resolvePoint ≈ ` +
			`${round((service.totalMs * 1000) / SERVICE_POINTS - (located.totalMs * 1000) / count(scenario.points), 2)} µs/point en moyenne, ` +
			`${round(service.p50 - located.p50, 2)} µs au p50.`
	};
}

export async function pointToCommune(): Promise<BenchResult> {
	const rows: BenchRow[] = [];
	const notes: string[] = [];
	const database = await openDatabase({
		dataDir: 'memory://',
		migrationsDir: path.join(repoRoot, 'drizzle')
	});
	const { db } = database;
	try {
		// (a) The département, as the app loads it.
		console.log('(a) département : ensureGeography (communes + limites livrées)…');
		const load = await timed(() => ensureGeography(db));
		const built = await timed(() => getPlaceIndex(db));
		const shipped = readGeojsonFile(path.join(seedDir(), 'communes-13.geojson'));
		const bdr = turfBbox(shipped as FeatureCollection) as Bbox;
		const a = await runScenario(db, {
			config: '(a) Bouches-du-Rhône',
			loadMs: load.ms,
			index: built.value,
			buildMs: built.ms,
			points: randomPoints(POINTS, bdr, SEED),
			warmup: randomPoints(WARMUP_POINTS, bdr, WARMUP_SEED)
		});
		rows.push(...a.rows);
		notes.push(a.note);
		notes.push(
			`(a) points uniformes dans la bbox du 13 [${bdr.map((v) => v.toFixed(3)).join(', ')}] ; ` +
				`load = ensureGeography (liste des communes + limites du 13 + arrondissements PLM).`
		);

		// (b) National, when the file is there.
		const file = path.resolve(repoRoot, process.env.BENCH_COMMUNES_FILE ?? DEFAULT_NATIONAL_FILE);
		if (!fs.existsSync(file)) {
			const message =
				`(b) national ignoré : fichier introuvable ${file} ` +
				`(définir BENCH_COMMUNES_FILE=chemin/vers/communes-france.geojson[.gz]).`;
			console.log(message);
			notes.push(message);
		} else {
			console.log(`(b) national : import de ${path.relative(repoRoot, file)}…`);
			const read = await timed(() => readGeojsonFile(file));
			const imported = await timed(() => importBoundaries(db, read.value));
			const national = await timed(() => getPlaceIndex(db));
			const b = await runScenario(db, {
				config: '(b) France métropolitaine',
				loadMs: read.ms + imported.ms,
				index: national.value,
				buildMs: national.ms,
				points: randomPoints(POINTS, METROPOLITAN_FRANCE, SEED),
				warmup: randomPoints(WARMUP_POINTS, METROPOLITAN_FRANCE, WARMUP_SEED)
			});
			rows.push(...b.rows);
			notes.push(b.note);
			notes.push(
				`(b) load = lecture+gunzip+JSON.parse ${Math.round(read.ms)} ms + importBoundaries ` +
					`${Math.round(imported.ms)} ms (${imported.value.features} objets, ${imported.value.added} ajoutés) ; ` +
					`points uniformes dans [${METROPOLITAN_FRANCE.join(', ')}] (mer et pays voisins compris).`
			);
		}
	} finally {
		await database.close();
	}
	notes.push(
		'index build = getPlaceIndex() à froid (lecture SQL des géométries + flatbush) ; ' +
			'tree only = new PlaceIndex() seul sur les mêmes formes (bbox déjà connues).',
		`total = boucle sans chronomètre après ${WARMUP_POINTS} points d’échauffement (graine ${SEED}) ; ` +
			`p50/p95/p99 = 2e passe sur les mêmes points, process.hrtime.bigint() autour de chaque point ` +
			`(surcoût médian d’une paire ≈ ${round(timerOverheadNs() / 1000, 3)} µs, non retranché).`,
		`resolvePoint = ${SERVICE_POINTS} premiers points, un await par point (contrôle du cache compris : relecture de la version en base au plus toutes les 10 s), ` +
			`après ${SERVICE_WARMUP_POINTS} appels d’échauffement.`
	);
	return { rows, notes };
}
