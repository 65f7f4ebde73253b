/**
 * Recommendation latency on the national benchmark dataset (../shared/data/bench/README.md):
 * 34 392 structures in the import format (FINESS 2021 + a synthetic coordination layer) and
 * 10 000 requests in the API format, the same files the reference measurements use.
 *
 * Load, as the product does: in-memory PGlite, ensureGeography (places + shipped boundaries), the
 * national boundaries (IGN 2018, for the `location` requests and the 2018 codes of the dataset),
 * then importStructures of the whole file in one call into a territory `france` that holds no
 * place — the requests name no territory, so the engine weighs the structures covering the place,
 * as for an instance-wide caller.
 *
 * Measured in-process: answerRequest() (point → place when needed, complexity, candidates from the
 * database, scoring), one awaited call per request, after a warm-up. Pass 1 uses each request's
 * given `level` (the dataset's reference rule) so that orphan share and answer sizes compare with
 * the reference; pass 2 lets the product assess the level (`level: null`) on a seeded sample.
 * Over HTTP is measured separately.
 *
 * Environment: BENCH_STRUCTURES_FILE, BENCH_REQUESTS_FILE, BENCH_COMMUNES_FILE (paths relative to
 * the repository root), BENCH_RECOMMENDATION_REQUESTS (how many requests in pass 1, default all),
 * BENCH_RECOMMENDATION_SAMPLE (pass 2, default 2 000).
 */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { assessComplexity } from '$lib/domain/complexity';
import type { LevelCode } from '$lib/domain/taxonomy';
import { openDatabase, queryRows, type Db } from '$lib/server/db/client';
import { territories } from '$lib/server/db/schema';
import type { Principal } from '$lib/server/auth/principal';
import { importBoundaries, readGeojsonFile } from '$lib/server/services/geography';
import { getPlaceCatalog } from '$lib/server/services/places';
import { referencePlaces } from '$lib/server/services/reference';
import {
	answerRequest,
	OrientationError,
	parseRecommendationRequest,
	type AnswerSource,
	type Caller
} from '$lib/server/services/orientations';
import { getRemitIndex } from '$lib/server/services/remit-index';
import { ensureGeography } from '$lib/server/services/setup';
import { importStructures } from '$lib/server/services/structure-import';
import type { RecommendationRequestData } from '$lib/schemas/orientation';
import { withImportablePhones } from './national';
import {
	mulberry32,
	percentile,
	repoRoot,
	round,
	timed,
	type BenchResult,
	type BenchRow
} from './report';

const DEFAULT_STRUCTURES_FILE = '../shared/data/bench/structures-france.json.gz';
const DEFAULT_REQUESTS_FILE = '../shared/data/bench/requests.json';
const DEFAULT_COMMUNES_FILE = '../shared/data/geo/communes-france.geojson.gz';
const WARMUP = 1_000;
const SAMPLE_SEED = 20_261_129;
const CITY_SEED = 13_055;
const TERRITORY = 'france';

const CALLER: Caller = {
	principal: {
		type: 'token',
		id: 'bench',
		label: 'bench',
		role: 'agent',
		territories: null
	} satisfies Principal,
	ip: null
};

interface RawRequest {
	commune?: string;
	location?: { lon: number; lat: number };
	level?: LevelCode | null;
	[key: string]: unknown;
}

interface Measure {
	ms: number;
	place: string;
	located: boolean;
	level: LevelCode;
	orphan: boolean;
	recommendations: number;
	excluded: number;
}

function fileFromEnv(variable: string, fallback: string): string {
	return path.resolve(repoRoot, process.env[variable] ?? fallback);
}

function intFromEnv(variable: string, fallback: number): number {
	const value = Number(process.env[variable]);
	return Number.isInteger(value) && value > 0 ? value : fallback;
}

function mb(bytes: number): number {
	return Math.round(bytes / 2 ** 20);
}

/** Fisher–Yates with a seeded PRNG: the same sample run after run. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
	const random = mulberry32(seed);
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[out[i], out[j]] = [out[j] as T, out[i] as T];
	}
	return out;
}

/**
 * Paris, Lyon and Marseille are single communes in the dataset (75056, 69123, 13055) and split
 * into arrondissements here, where every coverage naming the city expands to all of them and the
 * engine refuses the city's own code. A request naming the city gets one of its arrondissements,
 * drawn in proportion to population (seeded): since no structure of the dataset names a single
 * arrondissement, any of them gets the same candidates as the city in the reference.
 */
function cityMapper(): { map: (code: string) => string; mapped: Map<string, number> } {
	const places = referencePlaces();
	const parts = new Map<string, { code: string; population: number }[]>();
	for (const p of places) {
		if (!p.parentCode) continue;
		const list = parts.get(p.parentCode) ?? [];
		list.push({ code: p.code, population: p.population ?? 0 });
		parts.set(p.parentCode, list);
	}
	const random = mulberry32(CITY_SEED);
	const mapped = new Map<string, number>();
	return {
		mapped,
		map(code) {
			const list = parts.get(code);
			if (!list) return code;
			mapped.set(code, (mapped.get(code) ?? 0) + 1);
			const total = list.reduce((sum, p) => sum + p.population, 0);
			let draw = random() * total;
			for (const p of list) {
				draw -= p.population;
				if (draw < 0) return p.code;
			}
			return (list[list.length - 1] as { code: string }).code;
		}
	};
}

/** `epci:` codes as our catalogue expands them vs the dataset's own expansion (2018 codes). */
async function compareEpci(
	db: Db,
	structures: readonly { coverage?: string[] }[],
	epciFile: string
): Promise<{ note: string; missing: Set<string> }> {
	if (!fs.existsSync(epciFile))
		return { note: `epci : ${epciFile} absent, comparaison non faite.`, missing: new Set() };
	const reference = JSON.parse(fs.readFileSync(epciFile, 'utf8')) as Record<string, string[]>;
	const catalog = await getPlaceCatalog(db);
	const used = new Set(
		structures.flatMap((s) => (s.coverage ?? []).filter((c) => c.startsWith('epci:')))
	);
	let differing = 0;
	let onlyReference = 0;
	let onlyOurs = 0;
	const missingCodes = new Set<string>();
	for (const code of used) {
		const ours = new Set(catalog.expand([code]).places);
		const theirs = new Set(reference[code] ?? reference[code.slice(5)] ?? []);
		let diff = false;
		for (const c of theirs) {
			if (!ours.has(c)) {
				onlyReference++;
				missingCodes.add(c);
				diff = true;
			}
		}
		for (const c of ours) {
			// Arrondissements stand for their city in the reference.
			const city = catalog.get(c)?.parentCode;
			if (!theirs.has(c) && !(city && theirs.has(city))) {
				onlyOurs++;
				diff = true;
			}
		}
		if (diff) differing++;
	}
	const note =
		`epci : ${used.size} codes epci: dans les couvertures ; ${differing} se développent autrement que dans epci-communes.json — ` +
		`${onlyReference} (epci, commune) seulement dans la référence (${missingCodes.size} codes 2018 de communes fusionnées depuis, ` +
		`que notre catalogue ne rattache à aucun EPCI, hors villes à arrondissements), ${onlyOurs} seulement chez nous ` +
		`(communes actuelles sans limites dans le fichier 2018 : sans effet, aucun point n’y tombe).`;
	return { note, missing: missingCodes };
}

async function measure(
	db: Db,
	requests: readonly RecommendationRequestData[],
	source: AnswerSource
): Promise<{ measures: Measure[]; failures: Map<string, number> }> {
	const measures: Measure[] = [];
	const failures = new Map<string, number>();
	for (const request of requests) {
		const start = process.hrtime.bigint();
		try {
			const answer = await answerRequest(db, CALLER, request, undefined, [], source);
			measures.push({
				ms: Number(process.hrtime.bigint() - start) / 1e6,
				place: answer.place.code,
				located: !request.commune,
				level: answer.complexity.level,
				orphan: answer.result.orphan,
				recommendations: answer.result.recommendations.length,
				excluded: answer.result.excluded.length
			});
		} catch (error) {
			const issues = error instanceof OrientationError ? error.issues : [];
			const key = [(error as Error).message, ...issues.map((i) => `${i.path} : ${i.message}`)].join(
				' '
			);
			failures.set(key, (failures.get(key) ?? 0) + 1);
		}
	}
	return { measures, failures };
}

function row(pass: string, subset: string, measures: readonly Measure[]): BenchRow {
	const times = Float64Array.from(measures.map((m) => m.ms)).sort();
	const total = times.reduce((sum, t) => sum + t, 0);
	const n = measures.length;
	return {
		pass,
		subset,
		requests: n,
		'mean ms': round(total / n, 2),
		'p50 ms': round(percentile(times, 50), 2),
		'p95 ms': round(percentile(times, 95), 2),
		'p99 ms': round(percentile(times, 99), 2),
		'max ms': round(times[n - 1] ?? NaN, 1),
		'req/s': Math.round(n / (total / 1000)),
		'orphan %': round((100 * measures.filter((m) => m.orphan).length) / n, 1),
		'mean recommended': round(measures.reduce((s, m) => s + m.recommendations, 0) / n, 1),
		'mean excluded': round(measures.reduce((s, m) => s + m.excluded, 0) / n, 1)
	};
}

function rowsFor(pass: string, measures: readonly Measure[]): BenchRow[] {
	const rows = [row(pass, 'toutes', measures)];
	const byCode = measures.filter((m) => !m.located);
	const byPoint = measures.filter((m) => m.located);
	if (byCode.length > 0) rows.push(row(pass, 'commune', byCode));
	if (byPoint.length > 0) rows.push(row(pass, 'location (point)', byPoint));
	for (const level of ['information', 'simple', 'coordonnee', 'complexe'] as const) {
		const subset = measures.filter((m) => m.level === level);
		if (subset.length > 0) rows.push(row(pass, `niveau ${level}`, subset));
	}
	return rows;
}

export async function recommendation(): Promise<BenchResult> {
	const structuresFile = fileFromEnv('BENCH_STRUCTURES_FILE', DEFAULT_STRUCTURES_FILE);
	const requestsFile = fileFromEnv('BENCH_REQUESTS_FILE', DEFAULT_REQUESTS_FILE);
	const communesFile = fileFromEnv('BENCH_COMMUNES_FILE', DEFAULT_COMMUNES_FILE);
	const missing = [
		['BENCH_STRUCTURES_FILE', structuresFile],
		['BENCH_REQUESTS_FILE', requestsFile],
		['BENCH_COMMUNES_FILE', communesFile]
	].filter(([, file]) => !fs.existsSync(file as string));
	if (missing.length > 0) {
		const message =
			`recommendation ignoré : fichier(s) introuvable(s) ${missing.map(([v, f]) => `${f} (${v})`).join(', ')} ` +
			`— voir ../shared/data/bench/README.md (défauts : ${DEFAULT_STRUCTURES_FILE}, ${DEFAULT_REQUESTS_FILE}, ${DEFAULT_COMMUNES_FILE}).`;
		console.log(message);
		return { rows: [], notes: [message] };
	}

	const notes: string[] = [];
	const database = await openDatabase({
		dataDir: 'memory://',
		migrationsDir: path.join(repoRoot, 'drizzle')
	});
	const { db } = database;
	try {
		console.log('chargement : géographie, limites nationales, structures…');
		const geography = await timed(() => ensureGeography(db));
		const boundaries = await timed(() => importBoundaries(db, readGeojsonFile(communesFile)));
		await db.insert(territories).values({ id: TERRITORY, name: 'France (banc d’essai)' });
		const read = await timed(
			() =>
				JSON.parse(gunzipSync(fs.readFileSync(structuresFile)).toString('utf8')) as {
					coverage?: string[];
				}[]
		);
		const { structures, dropped } = withImportablePhones(read.value as { phone?: unknown }[]);
		const imported = await timed(() => importStructures(db, TERRITORY, structures, 'replace'));
		const built = await timed(async () => (await getRemitIndex(db))?.pairs ?? 0);
		const [pairs] = await queryRows<{ n: number }>(
			db,
			sql`select count(*)::int as n from structure_communes`
		);
		notes.push(
			`chargement : ensureGeography ${round(geography.ms / 1000, 1)} s ; limites nationales (lecture + import) ` +
				`${round(boundaries.ms / 1000, 1)} s (${boundaries.value.features} communes, ${boundaries.value.added} codes 2018 ajoutés) ; ` +
				`structures : lecture+JSON ${round(read.ms / 1000, 1)} s, importStructures en un appel ${round(imported.ms / 1000, 1)} s ` +
				`(${imported.value.total} structures, ${pairs?.n} couples structure × lieu ; ${dropped} numéros de téléphone que l’import refuse laissés de côté) ; ` +
				`index des missions construit en ${round(built.ms / 1000, 2)} s (${built.value} couples) ; RSS ${mb(process.memoryUsage().rss)} Mo.`
		);
		const epci = await compareEpci(
			db,
			structures as { coverage?: string[] }[],
			path.join(path.dirname(structuresFile), 'epci-communes.json')
		);
		notes.push(epci.note);

		const raw = JSON.parse(fs.readFileSync(requestsFile, 'utf8')) as RawRequest[];
		const cities = cityMapper();
		const parsed = raw.map((r) =>
			parseRecommendationRequest(r.commune ? { ...r, commune: cities.map(r.commune) } : r)
		);
		notes.push(
			`villes à arrondissements : ${[...cities.mapped].map(([c, n]) => `${c} × ${n}`).join(', ')} requêtes ` +
				`rapportées à un de leurs arrondissements (tiré ∝ population, graine ${CITY_SEED}) ; ` +
				`toute couverture du jeu qui nomme la ville couvre tous ses arrondissements, la réponse est donc celle de la ville.`
		);
		const agreement = parsed.filter(
			(r) =>
				assessComplexity({
					problems: r.problems,
					criteria: r.criteria,
					requestType: r.request_type
				}).computed === r.level
		).length;
		notes.push(
			`niveau : le niveau calculé par le produit égale le niveau donné (règle de référence) pour ` +
				`${round((100 * agreement) / parsed.length, 1)} % des ${parsed.length} requêtes.`
		);

		const n = Math.min(parsed.length, intFromEnv('BENCH_RECOMMENDATION_REQUESTS', parsed.length));
		const order = shuffled(parsed, SAMPLE_SEED);
		const pass1 = n === parsed.length ? parsed : order.slice(0, n);
		// Side by side in one run: the remit index (the product's path) and the database path
		// (the same answers: tests/integration/remit-index.test.ts), each after its own warm-up.
		const runs = new Map<AnswerSource, Awaited<ReturnType<typeof measure>>>();
		const rows: BenchRow[] = [];
		const SOURCES: [AnswerSource, string][] = [
			['index', 'index'],
			['database', 'base']
		];
		for (const [source, label] of SOURCES) {
			console.log(`${label} : échauffement (${WARMUP} requêtes), puis ${pass1.length} requêtes…`);
			await measure(db, shuffled(parsed, SAMPLE_SEED + 1).slice(0, WARMUP), source);
			const result = await measure(db, pass1, source);
			runs.set(source, result);
			rows.push(...rowsFor(`${label}, niveau donné`, result.measures));
		}
		const first = runs.get('index') as Awaited<ReturnType<typeof measure>>;

		const sampleSize = Math.min(parsed.length, intFromEnv('BENCH_RECOMMENDATION_SAMPLE', 2_000));
		const sample = order.slice(0, sampleSize).map((r) => ({ ...r, level: null }));
		let second = first;
		for (const [source, label] of SOURCES) {
			console.log(`${label} : ${sample.length} requêtes, niveau évalué par le produit…`);
			const result = await measure(db, sample, source);
			if (source === 'index') second = result;
			rows.push(
				row(`${label}, niveau calculé`, `échantillon de ${sample.length}`, result.measures)
			);
		}
		const [fromIndex, fromDatabase] = [runs.get('index'), runs.get('database')].map((r) =>
			Float64Array.from(r?.measures.map((m) => m.ms) ?? []).sort()
		) as [Float64Array, Float64Array];
		notes.push(
			`index / base, niveau donné : p50 ${round(percentile(fromDatabase, 50) / percentile(fromIndex, 50), 1)} fois plus rapide, ` +
				`p95 ${round(percentile(fromDatabase, 95) / percentile(fromIndex, 95), 1)} fois, p99 ${round(percentile(fromDatabase, 99) / percentile(fromIndex, 99), 1)} fois.`
		);

		const affected = first.measures.filter((m) => epci.missing.has(m.place));
		notes.push(
			`epci (effet) : ${affected.length} requêtes de la passe 1 tombent dans ces communes fusionnées, ` +
				`dont ${affected.filter((m) => m.level === 'complexe').length} au niveau complexe, où la gestion de cas ` +
				`(couverture epci:) ne les couvre pas ici ; ${affected.filter((m) => m.level === 'complexe' && m.orphan).length} d’entre elles orphelines.`
		);
		for (const [label, result] of [
			['niveau donné', first],
			['niveau calculé', second]
		] as const) {
			if (result.failures.size > 0) {
				notes.push(
					`${label} : ${[...result.failures.values()].reduce((a, b) => a + b, 0)} requêtes refusées — ` +
						[...result.failures].map(([m, c]) => `${c} × « ${m} »`).join(' ; ')
				);
			}
		}
		notes.push(
			`answerRequest en processus (point → lieu si besoin, complexité, candidats de l’index des missions ou lus en base, score), un await par requête, ` +
				`après ${WARMUP} requêtes d’échauffement ; requêtes validées (parseRecommendationRequest) avant la mesure. ` +
				`Passe 1 : ${pass1.length === parsed.length ? 'les' : `${pass1.length} des`} ${parsed.length} requêtes avec leur niveau donné ; ` +
				`passe 2 : ${sample.length} tirées (graine ${SAMPLE_SEED}), level = null. Base PGlite en mémoire, sans ANALYZE ; ` +
				`RSS en fin de mesure ${mb(process.memoryUsage().rss)} Mo.`
		);
		return { rows, notes };
	} finally {
		await database.close();
	}
}
