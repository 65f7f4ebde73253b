/**
 * "With a generated territory of 20 000 structures the map page stays interactive (clustering) —
 * report the GeoJSON payload size and time to first render" (issue 6), the server's part,
 * in-process on in-memory PGlite:
 *
 *  1. a territory made of every commune and arrondissement of the Bouches-du-Rhône (codes read
 *     from the database), 20 000 generated structures (tests/bench/map-data.ts, seeded) placed in
 *     the département's bounding box and covering a few of its communes, imported by the import
 *     service;
 *  2. territoryMap — the map page's data load — and mapPoints — its points.json, which the page
 *     preloads — timed with and without a coverage cell;
 *  3. the size of what the map receives: the page's data (places, counts and list, cell) and the
 *     points, raw, gzip and brotli (the server's own compression), part by part, and the page's
 *     data as SvelteKit serialises it for a client navigation (devalue, the body of __data.json).
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
import { mapPoints, mapPointsBody, territoryMap } from '$lib/server/services/map';
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
function textSizes(text: string): Sizes {
	const body = Buffer.from(text);
	return {
		raw: body.length,
		gzip: zlib.gzipSync(body).length,
		brotli: zlib.brotliCompressSync(body, {
			params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY }
		}).length
	};
}

const sizes = (value: unknown) => textSizes(JSON.stringify(value));

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
			const points = await runs(() => mapPoints(db, caller, TERRITORY, query.type), dropped);
			const keptPage = await runs(() => territoryMap(db, caller, TERRITORY, query));
			const kept = await runs(() => mapPointsBody(db, caller, TERRITORY, query.type));
			const { places, structures, cell } = page.value;
			for (const [stage, run] of [
				['territoryMap (PGlite)', page],
				['mapPoints (PGlite)', points],
				['territoryMap (PGlite), lieux gardés', keptPage],
				['points.json (PGlite), points gardés', kept]
			] as const) {
				rows.push({
					stage,
					scope,
					'p50 ms': round(percentile(run.times, 50), 1),
					'p95 ms': round(percentile(run.times, 95), 1),
					'max ms': round(run.times.at(-1) as number, 1),
					places: run === page || run === keptPage ? places.features.length : null,
					points:
						run === points
							? (JSON.parse(points.value) as { features: unknown[] }).features.length
							: null,
					structures: run === page || run === keptPage ? structures.total : null,
					'raw kB': null,
					'gzip kB': null,
					'brotli kB': null
				});
			}
			const parts: [string, unknown][] = [
				['places (GeoJSON simplifié)', places],
				['points (GeoJSON, points.json)', JSON.parse(points.value) as unknown],
				[`structures (comptes, ${structures.list.length} premières)`, structures],
				['cell (par lieu, noms)', cell]
			];
			for (const [part, value] of parts) {
				if (value !== null) rows.push(sizeRow(`charge utile : ${part}`, scope, sizes(value)));
			}
			const data = devalue.stringify({ ...page.value, territory: { id: TERRITORY }, query });
			const dataSize = textSizes(data);
			const pointsSize = textSizes(points.value);
			rows.push(
				sizeRow('charge utile : données de la page (devalue, comme __data.json)', scope, dataSize),
				sizeRow('charge utile : page + points (ce que la carte reçoit)', scope, {
					raw: dataSize.raw + pointsSize.raw,
					gzip: dataSize.gzip + pointsSize.gzip,
					brotli: dataSize.brotli + pointsSize.brotli
				})
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
		`${RUNS} passes chronométrées après ${WARMUP} d’échauffement, process.hrtime.bigint() autour de chaque appel ; territoryMap et mapPoints : le cache du serveur vidé avant chaque appel, comme après une écriture (lieux simplifiés et points recalculés) ; « gardés » : ce que servent les demandes suivantes, jusqu’à la prochaine écriture.`,
		`Tailles : JSON.stringify en UTF-8 ; gzip = zlib.gzipSync niveau par défaut (6) ; brotli qualité ${BROTLI_QUALITY}, ce que le serveur envoie (src/lib/server/compression.ts) à un navigateur qui l’accepte.`,
		'La page porte les lieux, les comptes, les 200 premières structures par nom et la case ; les points viennent de points.json (préchargé par l’en-tête de la page, groupés par le worker de maplibre) ; le détail d’une structure (popup) de structure.json, à l’ouverture.',
		'Le rendu dans un navigateur (premier rendu, interaction avec les groupes de points) est mesuré par tests/e2e/map/map-big.test.ts.'
	);
	return { rows, notes };
}
