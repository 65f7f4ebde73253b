/**
 * The pilot's desk on 100 000 orientations (issue 7: "test with 100 000 generated orientations and
 * report the page times"): the demo territory (seedDemo) on in-memory PGlite, then a generated
 * history of N orientations over the last two years, inserted in bulk (jsonb_to_recordset, 5 000
 * rows a statement) with their events (sent, then accepted or refused, sometimes closed).
 *
 * Generation (seeded): dominant problem and level drawn with a bias (medical and coordinated
 * situations more often), place 13204 or 13212; the structure is one of those the demo declares for
 * that cell and place (the first more often: de-facto rules), none when there is none (orphan) or
 * for 5 % of the requests; source drawn among the entry doors; acceptance or refusal after 12 min
 * to 5 days.
 *
 * Measured in-process, as the page calls them: each indicator (orphanSituations, overlaps, flows,
 * capacity, staleStructures) over the page's default period (the last 12 months, about half the
 * history), and the whole load of +page.server.ts (the five with the rules, their history and the
 * territory's structures, in one Promise.all). p50/p95/max over RUNS runs after one warm-up, twice:
 * as inserted (PGlite runs no autovacuum: the orientations of a real instance are never analysed),
 * then after ANALYZE.
 *
 * Also on PostgreSQL when DATABASE_URL is set: a throw-away database is created on that server
 * (the URL's user must be allowed to create databases), filled the same way, then dropped.
 *
 * Environment: BENCH_PILOTAGE_ORIENTATIONS (default 100 000), BENCH_PILOTAGE_RUNS (default 7),
 * DATABASE_URL (optional).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { LEVEL_CODES, PROBLEM_CODES, levelInRange, type LevelCode } from '$lib/domain/taxonomy';
import { openDatabase, queryRows, type Database, type Db } from '$lib/server/db/client';
import { territoryStructures } from '$lib/server/services/coverage';
import {
	capacity,
	flows,
	orphanSituations,
	overlaps,
	staleStructures,
	type Period
} from '$lib/server/services/pilotage';
import { listRules, ruleHistory, ruleStructures } from '$lib/server/services/rules';
import { systemCaller } from '$lib/server/auth/principal';
import { DEMO_TERRITORY, seedDemo } from '$lib/server/services/setup';
import { readPeriod } from '../../src/routes/(app)/territoires/[id]/pilotage/period';
import { mulberry32, percentile, round, timed, type BenchResult, type BenchRow } from './report';

const ORIENTATIONS = Number(process.env.BENCH_PILOTAGE_ORIENTATIONS ?? 100_000);
const RUNS = Number(process.env.BENCH_PILOTAGE_RUNS ?? 7);
const SEED = 20_261_127;
const BATCH = 5_000;
const TERRITORY = DEMO_TERRITORY.id;
/** The bench acts as the command line does: an unscoped administrator. */
const BENCH = systemCaller('bench');
const PLACES = DEMO_TERRITORY.communes;
const DAY = 86_400_000;
const MINUTE = 60_000;

interface GeneratedRow {
	id: string;
	commune: string;
	problem: string;
	problem2: string | null;
	level: LevelCode;
	structure_id: string | null;
	orphan: boolean;
	status: string;
	source: string | null;
	created_at: string;
	status_changed_at: string;
}

interface GeneratedEvent {
	orientation_id: string;
	status: string;
	reason: string | null;
	at: string;
}

const LEVEL_DRAW: LevelCode[] = [
	'information',
	'simple',
	'simple',
	'coordonnee',
	'coordonnee',
	'coordonnee',
	'complexe'
];
const DOMINANT_DRAW = [
	...PROBLEM_CODES,
	'medical',
	'medical',
	'medical',
	'aidants',
	'aides_domicile',
	'perte_autonomie',
	'troubles_cognitifs',
	'logement'
];
const SOURCE_DRAW = ['personne', 'entourage', 'entourage', 'ccas', 'medecin', 'hopital', null];
const REFUSAL_DRAW = ['file active complète', 'hors critères', 'personne injoignable', null];

/** The history: orientations and their events, drawn against the territory's declared remits. */
async function generate(
	db: Db,
	count: number,
	now: number
): Promise<{ rows: GeneratedRow[]; events: GeneratedEvent[] }> {
	const random = mulberry32(SEED);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
	const structures = await territoryStructures(db, TERRITORY);
	const eligible = new Map<string, string[]>();
	for (const problem of PROBLEM_CODES) {
		for (const level of LEVEL_CODES) {
			for (const place of PLACES) {
				eligible.set(
					`${problem}|${level}|${place}`,
					structures
						.filter(
							(s) =>
								s.problems.includes(problem) &&
								levelInRange(level, s.levelMin, s.levelMax) &&
								s.places.includes(place)
						)
						.map((s) => s.id)
						.sort()
				);
			}
		}
	}
	const rows: GeneratedRow[] = [];
	const events: GeneratedEvent[] = [];
	const span = (730 * DAY) / MINUTE;
	for (let i = 0; i < count; i++) {
		const problem = pick(DOMINANT_DRAW);
		const second = random() < 0.3 ? pick(PROBLEM_CODES) : null;
		const level = pick(LEVEL_DRAW);
		const commune = random() < 0.6 ? PLACES[0] : PLACES[1];
		const created = now - Math.floor(random() * span) * MINUTE;
		const candidates = eligible.get(`${problem}|${level}|${commune}`) ?? [];
		const orphan = candidates.length === 0 || random() < 0.05;
		const id = `bench-${String(i).padStart(7, '0')}`;
		const at = (t: number) => new Date(t).toISOString();
		let structure: string | null = null;
		let status = 'closed';
		let changed = created;
		if (orphan) {
			events.push({
				orientation_id: id,
				status: 'closed',
				reason: 'situation orpheline : aucune structure',
				at: at(created)
			});
		} else {
			structure = random() < 0.6 ? (candidates[0] as string) : (pick(candidates) as string);
			status = 'sent';
			events.push({ orientation_id: id, status: 'sent', reason: null, at: at(created) });
			const outcome = random();
			if (outcome < 0.8) {
				status = outcome < 0.55 ? 'accepted' : 'refused';
				changed = created + (1 + Math.floor(random() * 600)) * 12 * MINUTE;
				events.push({
					orientation_id: id,
					status,
					reason: status === 'refused' ? pick(REFUSAL_DRAW) : null,
					at: at(changed)
				});
				if (random() < 0.3) {
					status = 'closed';
					changed += (1 + Math.floor(random() * 30)) * DAY;
					events.push({ orientation_id: id, status, reason: null, at: at(changed) });
				}
			}
		}
		rows.push({
			id,
			commune: commune as string,
			problem,
			problem2: second === problem ? null : second,
			level,
			structure_id: structure,
			orphan,
			status,
			source: pick(SOURCE_DRAW),
			created_at: at(created),
			status_changed_at: at(changed)
		});
	}
	return { rows, events };
}

async function insert(db: Db, rows: GeneratedRow[], events: GeneratedEvent[]): Promise<void> {
	for (let i = 0; i < rows.length; i += BATCH) {
		const json = JSON.stringify(rows.slice(i, i + BATCH));
		await db.execute(sql`insert into orientations (id, territory_id, commune, age, age_band, apa,
				problems, criteria, request_type, computed_level, level, consent, structure_id, orphan,
				status, source, created_by_type, created_by, created_at, status_changed_at)
			select x.id, ${TERRITORY}, x.commune, 80, 80, null,
				case when x.problem2 is null then array[x.problem] else array[x.problem, x.problem2] end,
				'{}', 'accompagnement', x.level, x.level, true, x.structure_id, x.orphan, x.status,
				x.source, 'user', 'bench', x.created_at, x.status_changed_at
			from jsonb_to_recordset(${json}::jsonb) as x(id text, commune text, problem text,
				problem2 text, level text, structure_id text, orphan boolean, status text, source text,
				created_at timestamptz, status_changed_at timestamptz)`);
	}
	for (let i = 0; i < events.length; i += BATCH * 2) {
		const json = JSON.stringify(events.slice(i, i + BATCH * 2));
		await db.execute(sql`insert into orientation_events (orientation_id, status, reason, at, actor_id)
			select x.orientation_id, x.status, x.reason, x.at, 'bench'
			from jsonb_to_recordset(${json}::jsonb) as x(orientation_id text, status text, reason text,
				at timestamptz)`);
	}
}

interface Stats {
	p50: number;
	p95: number;
	max: number;
}

async function measure(run: () => Promise<unknown>): Promise<Stats> {
	await run();
	const times: number[] = [];
	for (let i = 0; i < RUNS; i++) times.push((await timed(run)).ms);
	times.sort((a, b) => a - b);
	return { p50: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1) as number };
}

/** The page's load, as +page.server.ts runs it. */
function pageLoad(db: Db, period: Period) {
	return Promise.all([
		orphanSituations(db, BENCH, TERRITORY, period),
		overlaps(db, BENCH, TERRITORY, period),
		flows(db, BENCH, TERRITORY, period),
		capacity(db, BENCH, TERRITORY),
		staleStructures(db, BENCH, TERRITORY),
		listRules(db, BENCH, TERRITORY),
		ruleHistory(db, BENCH, TERRITORY),
		ruleStructures(db, BENCH, TERRITORY)
	]);
}

async function benchDatabase(
	label: string,
	database: Database,
	rows: BenchRow[],
	notes: string[]
): Promise<void> {
	const { db } = database;
	const seeded = await timed(() => seedDemo(db));
	const now = Date.now();
	const generated = await timed(() => generate(db, ORIENTATIONS, now));
	const { rows: orientations, events } = generated.value;
	const inserted = await timed(() => insert(db, orientations, events));
	const { period } = readPeriod(new URLSearchParams(), new Date(now));
	const [counts] = await queryRows<{ total: number; in_period: number; orphans: number }>(
		db,
		sql`select count(*)::int as total,
				count(*) filter (where created_at >= ${period.from.toISOString()}::timestamptz and created_at < ${period.to.toISOString()}::timestamptz)::int as in_period,
				count(*) filter (where orphan)::int as orphans
			from orientations where territory_id = ${TERRITORY}`
	);
	notes.push(
		`${label} : démo chargée en ${round(seeded.ms / 1000, 1)} s ; ${counts?.total} orientations ` +
			`(${counts?.in_period} sur la période du ${period.from.toISOString().slice(0, 10)} au ` +
			`${period.to.toISOString().slice(0, 10)} exclu, ${counts?.orphans} orphelines) et ` +
			`${events.length} événements générés en ${round(generated.ms / 1000, 1)} s, insérés en ` +
			`${round(inserted.ms / 1000, 1)} s`
	);

	const indicators: [string, () => Promise<unknown>][] = [
		['orphanSituations', () => orphanSituations(db, BENCH, TERRITORY, period)],
		['overlaps', () => overlaps(db, BENCH, TERRITORY, period)],
		['flows', () => flows(db, BENCH, TERRITORY, period)],
		['capacity', () => capacity(db, BENCH, TERRITORY)],
		['staleStructures', () => staleStructures(db, BENCH, TERRITORY)],
		['page (load complet)', () => pageLoad(db, period)]
	];
	for (const analysed of [false, true]) {
		if (analysed) {
			const analyse = await timed(() => db.execute(sql`analyze orientations, orientation_events`));
			notes.push(`${label} : ANALYZE en ${round(analyse.ms, 0)} ms`);
		}
		for (const [name, run] of indicators) {
			const stats = await measure(run);
			rows.push({
				base: label,
				statistiques: analysed ? 'après ANALYZE' : 'telles qu’insérées',
				indicateur: name,
				'p50 ms': round(stats.p50, 1),
				'p95 ms': round(stats.p95, 1),
				'max ms': round(stats.max, 1)
			});
		}
	}
}

/** A throw-away database on the server of DATABASE_URL, dropped afterwards. */
async function withPostgres(url: string, run: (database: Database) => Promise<void>) {
	const name = `bench_pilotage_${randomBytes(5).toString('hex')}`;
	const admin = postgres(url, { max: 1, onnotice: () => {} });
	try {
		await admin.unsafe(`create database ${name}`);
	} finally {
		await admin.end({ timeout: 5 });
	}
	const target = new URL(url);
	target.pathname = `/${name}`;
	try {
		const database = await openDatabase({ databaseUrl: target.href, migrationsDir: 'drizzle' });
		try {
			await run(database);
		} finally {
			await database.close();
		}
	} finally {
		const drop = postgres(url, { max: 1, onnotice: () => {} });
		try {
			await drop.unsafe(`drop database if exists ${name} with (force)`);
		} finally {
			await drop.end({ timeout: 5 });
		}
	}
}

export async function pilotage(): Promise<BenchResult> {
	const rows: BenchRow[] = [];
	const notes: string[] = [
		`${ORIENTATIONS} orientations générées (graine ${SEED}) sur ${TERRITORY}, sur deux ans ; ` +
			`p50/p95/max sur ${RUNS} exécutions après une de chauffe`
	];
	const pglite = await openDatabase({ dataDir: 'memory://', migrationsDir: 'drizzle' });
	try {
		await benchDatabase('PGlite (mémoire)', pglite, rows, notes);
	} finally {
		await pglite.close();
	}
	const url = process.env.DATABASE_URL;
	if (url) {
		await withPostgres(url, (database) => benchDatabase('PostgreSQL', database, rows, notes));
	} else {
		notes.push('PostgreSQL : DATABASE_URL absent, non mesuré');
	}
	return { rows, notes };
}
