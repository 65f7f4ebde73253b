/**
 * Throughput of the built server under load (issue: ≥ 1 200 req/s with p95 ≤ 50 ms on the demo
 * territory on PostgreSQL, ≥ 400 req/s on the national set, PGlite at least half of that): `node
 * build` answers POST /api/v1/recommendations to 50 concurrent clients, each on its own keep-alive
 * connection, each sending its next request as soon as the previous answer has arrived, for a
 * warm-up then a measured window. Per request: the latency from the write of the request to the
 * last byte of the answer.
 *
 * Scenarios (BENCH_HTTP_SCENARIOS, comma-separated; all by default):
 * - demo-pglite, demo-pg: a fresh instance as its first start makes it (geography, the demo
 *   territory « marseille-4-12 », initializeInstance with the demo as SEED_DEMO unset does), on
 *   a temporary DATA_DIR or a throw-away PostgreSQL database; a seeded random mix of requests
 *   over the demo's communes, problems and levels;
 * - national-pg, national-pglite: the national set of ../shared/data/bench (34 392 structures,
 *   national boundaries), as recommendation-http.ts prepares it; requests sampled from its
 *   requests.json.
 *
 * The client is kept light (the machine may have two cores, shared with the server): bodies are
 * serialised once, answers are not decoded (their bytes are counted as they come on the wire,
 * compressed when the server compresses: the client asks `br, gzip` as a browser does).
 * Needs `npm run build` first. PostgreSQL: DATABASE_URL's server (a throw-away database on it,
 * dropped after), else a throw-away server started as the integration tests do.
 *
 * Environment: BENCH_HTTP_SCENARIOS, BENCH_HTTP_CLIENTS (50), BENCH_HTTP_WARMUP_S (3),
 * BENCH_HTTP_DURATION_S (10), BENCH_HTTP_CPU_PROF (a directory: the server runs under
 * `node --cpu-prof` and writes its profile there), BENCH_HTTP_NODE_ARGS (more flags for the
 * server's node, `--trace-gc` say), BENCH_HTTP_SERVER_LOG (a file for the server's output),
 * DATABASE_URL, BENCH_STRUCTURES_FILE, BENCH_REQUESTS_FILE, BENCH_COMMUNES_FILE.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import postgres from 'postgres';
import { CRITERION_CODES, LEVEL_CODES, PROBLEM_CODES } from '$lib/domain/taxonomy';
import { openDatabase, type Database } from '$lib/server/db/client';
import { settings, territories } from '$lib/server/db/schema';
import { systemCaller } from '$lib/server/auth/principal';
import { createApiToken } from '$lib/server/services/api-tokens';
import { importBoundaries, readGeojsonFile } from '$lib/server/services/geography';
import { DEMO_TERRITORY, ensureGeography, initializeInstance } from '$lib/server/services/setup';
import { importStructures } from '$lib/server/services/structure-import';
import { postgresServer } from './import';
import { withImportablePhones } from './national';
import { mulberry32, percentile, repoRoot, round, type BenchResult, type BenchRow } from './report';

const FILES = {
	structures: process.env.BENCH_STRUCTURES_FILE ?? '../shared/data/bench/structures-france.json.gz',
	requests: process.env.BENCH_REQUESTS_FILE ?? '../shared/data/bench/requests.json',
	communes: process.env.BENCH_COMMUNES_FILE ?? '../shared/data/geo/communes-france.geojson.gz'
};
const CLIENTS = Number(process.env.BENCH_HTTP_CLIENTS ?? 50);
const WARMUP_S = Number(process.env.BENCH_HTTP_WARMUP_S ?? 3);
const DURATION_S = Number(process.env.BENCH_HTTP_DURATION_S ?? 10);
const CPU_PROF = process.env.BENCH_HTTP_CPU_PROF;
const NODE_ARGS = (process.env.BENCH_HTTP_NODE_ARGS ?? '').split(' ').filter(Boolean);
const SERVER_LOG = process.env.BENCH_HTTP_SERVER_LOG;
const SCENARIOS = ['demo-pglite', 'demo-pg', 'national-pg', 'national-pglite'] as const;
type Scenario = (typeof SCENARIOS)[number];
/** Whole cities of the national requests, sent as their 1st arrondissement (as recommendation-http). */
const CITIES: Record<string, string> = { '13055': '13201', '69123': '69381', '75056': '75101' };
const BODIES = 2000;
const SEED = 20261207;
/** USER_HZ, the unit of /proc/<pid>/stat's times: 100 on Linux. */
const TICKS = 100;

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
		server.on('error', reject);
	});
}

/* ---------- Requests ---------- */

/** A seeded random mix over the demo's communes, problems (1–3, the first dominant) and levels. */
function demoBodies(): Buffer[] {
	const random = mulberry32(SEED);
	const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
	const some = <T>(list: readonly T[], n: number): T[] => {
		const pool = [...list];
		const out: T[] = [];
		while (out.length < n && pool.length > 0)
			out.push(pool.splice(Math.floor(random() * pool.length), 1)[0] as T);
		return out;
	};
	return Array.from({ length: BODIES }, () => {
		const r = random();
		return Buffer.from(
			JSON.stringify({
				territory: DEMO_TERRITORY.id,
				commune: pick(DEMO_TERRITORY.communes),
				age: random() < 0.1 ? null : 60 + Math.floor(random() * 40),
				apa: pick([true, false, null]),
				problems: some(PROBLEM_CODES, 1 + Math.floor(random() * 3)),
				criteria: some(CRITERION_CODES, Math.floor(random() * 3)),
				request_type: r < 0.8 ? 'accompagnement' : r < 0.9 ? 'information' : 'prestation',
				level: random() < 0.5 ? null : pick(LEVEL_CODES),
				consent: true
			})
		);
	});
}

function nationalBodies(): Buffer[] {
	const all = JSON.parse(fs.readFileSync(path.resolve(repoRoot, FILES.requests), 'utf8')) as Record<
		string,
		unknown
	>[];
	const random = mulberry32(SEED);
	return Array.from({ length: BODIES }, () => {
		const r = all[Math.floor(random() * all.length)] as Record<string, unknown>;
		const body =
			typeof r.commune === 'string' && CITIES[r.commune] ? { ...r, commune: CITIES[r.commune] } : r;
		return Buffer.from(JSON.stringify(body));
	});
}

/* ---------- Preparing the data ---------- */

/** What the server's first start does with SEED_DEMO unset: geography, demo, first admin. */
async function prepareDemo(db: Database['db']): Promise<void> {
	await initializeInstance(db, { demo: true });
}

async function prepareNational(db: Database['db']): Promise<string> {
	await ensureGeography(db);
	await importBoundaries(db, readGeojsonFile(path.resolve(repoRoot, FILES.communes)));
	await db.insert(territories).values({ id: 'france', name: 'France (banc d’essai)' });
	const { structures, dropped } = withImportablePhones(
		JSON.parse(
			gunzipSync(fs.readFileSync(path.resolve(repoRoot, FILES.structures))).toString('utf8')
		) as { phone?: unknown }[]
	);
	await importStructures(db, 'france', structures, 'replace');
	// No demo, no first admin: the instance counts as initialised.
	await db.insert(settings).values({ key: 'initialized_at', value: new Date().toISOString() });
	return `${dropped} téléphone(s) refusé(s) par l’import retiré(s) du fichier national`;
}

async function withToken(
	options: { dataDir?: string; databaseUrl?: string },
	prepare: (db: Database['db']) => Promise<string | void>
): Promise<{ token: string; note: string | void }> {
	const database = await openDatabase({
		...options,
		migrationsDir: path.join(repoRoot, 'drizzle')
	});
	try {
		const note = await prepare(database.db);
		const { token } = await createApiToken(database.db, systemCaller('bench'), {
			name: 'banc d’essai http',
			role: 'agent'
		});
		return { token, note };
	} finally {
		await database.close();
	}
}

/* ---------- CPU of the processes (Linux /proc) ---------- */

/** utime + stime (+ waited-for children) of a process, in seconds; 0 where /proc is not. */
function processCpu(pid: number): number {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		// fields[0] is the state (field 3): utime is field 14, stime 15, cutime 16, cstime 17.
		return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0) / TICKS;
	} catch {
		return 0;
	}
}

/**
 * The resident memory of a process, in MB (VmRSS of /proc/<pid>/status), null where /proc is
 * not: the server's, read after the load — its index, caches and data held, what a national
 * instance needs of memory once loaded (the issue: ≤ 1 GB).
 */
function processRssMb(pid: number): number | null {
	try {
		const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
		return kb === undefined ? null : Math.round(Number(kb) / 1024);
	} catch {
		return null;
	}
}

function parentOf(pid: number): number | null {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
	} catch {
		return null;
	}
}

/** A process and its direct children (the postmaster and its backends). */
function treeCpu(root: number): number {
	let sum = processCpu(root);
	for (const entry of fs.existsSync('/proc') ? fs.readdirSync('/proc') : []) {
		if (!/^\d+$/.test(entry)) continue;
		const pid = Number(entry);
		if (pid !== root && parentOf(pid) === root) sum += processCpu(pid);
	}
	return sum;
}

/** The postmaster's pid of a local PostgreSQL server (a backend's parent), or null. */
async function postmasterPid(url: string): Promise<number | null> {
	const host = new URL(url).hostname;
	if (!['127.0.0.1', 'localhost', '::1', ''].includes(host)) return null;
	const sql = postgres(url, { max: 1, onnotice: () => {} });
	try {
		const [row] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
		return row ? parentOf(row.pid) : null;
	} catch {
		return null;
	} finally {
		await sql.end({ timeout: 5 });
	}
}

interface PgCounts {
	/** xact_commit + xact_rollback of the database (a lone statement is one transaction). */
	transactions: number;
	/** Scans (sequential + index) per table. */
	scans: Map<string, number>;
}

/** This database's counters in pg_stat_database and pg_stat_user_tables, or null. */
async function pgCounts(url: string): Promise<PgCounts | null> {
	const sql = postgres(url, { max: 1, onnotice: () => {} });
	try {
		const [row] = await sql<{ n: string }[]>`
			select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()`;
		const tables = await sql<{ name: string; n: string }[]>`
			select relname as name, coalesce(seq_scan, 0) + coalesce(idx_scan, 0) as n from pg_stat_user_tables`;
		return row
			? { transactions: Number(row.n), scans: new Map(tables.map((t) => [t.name, Number(t.n)])) }
			: null;
	} catch {
		return null;
	} finally {
		await sql.end({ timeout: 5 });
	}
}

/* ---------- Load ---------- */

interface LoadResult {
	requests: number;
	errors: number;
	statuses: Map<string, number>;
	encodings: Map<string, number>;
	seconds: number;
	/** Every answer of the load, warm-up included. */
	allRequests: number;
	times: Float64Array;
	bytes: number;
	/** A few bodies as received, decoded after the run to give the compression ratio. */
	samples: { encoding: string; body: Buffer }[];
	clientCpu: number;
}

/**
 * CLIENTS loops, each on its own keep-alive connection, from now to the end of warm-up + the
 * measured window, with no pause between the two: only the requests written in the window count.
 */
async function load(port: number, token: string, bodies: Buffer[]): Promise<LoadResult> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS, maxFreeSockets: CLIENTS });
	const headers = {
		'content-type': 'application/json',
		accept: 'application/json',
		'accept-encoding': 'br, gzip',
		authorization: `Bearer ${token}`
	};
	const start = performance.now();
	const measureFrom = start + WARMUP_S * 1000;
	const end = measureFrom + DURATION_S * 1000;
	const times: number[] = [];
	const statuses = new Map<string, number>();
	const encodings = new Map<string, number>();
	const samples: LoadResult['samples'] = [];
	let errors = 0;
	let all = 0;
	let bytes = 0;
	let lastEnd = measureFrom;
	let cpu: NodeJS.CpuUsage | undefined;

	const one = (body: Buffer) =>
		new Promise<{ status: number; encoding: string; size: number; chunks: Buffer[] }>(
			(resolve, reject) => {
				const request = http.request(
					{
						host: '127.0.0.1',
						port,
						method: 'POST',
						path: '/api/v1/recommendations',
						agent,
						headers: { ...headers, 'content-length': body.byteLength }
					},
					(response) => {
						let size = 0;
						const chunks: Buffer[] = [];
						response.on('data', (chunk: Buffer) => {
							size += chunk.byteLength;
							if (samples.length < 50) chunks.push(chunk);
						});
						response.on('end', () =>
							resolve({
								status: response.statusCode ?? 0,
								encoding: String(response.headers['content-encoding'] ?? 'identity'),
								size,
								chunks
							})
						);
						response.on('error', reject);
					}
				);
				request.on('error', reject);
				request.end(body);
			}
		);

	const client = async (index: number) => {
		let i = (index * 97) % bodies.length;
		for (;;) {
			const t0 = performance.now();
			if (t0 >= end) return;
			if (t0 >= measureFrom && !cpu) cpu = process.cpuUsage();
			const body = bodies[i++ % bodies.length] as Buffer;
			let key: string;
			let ok = false;
			let answer: Awaited<ReturnType<typeof one>> | undefined;
			try {
				answer = await one(body);
				key = String(answer.status);
				ok = answer.status >= 200 && answer.status < 300;
			} catch (error) {
				key = error instanceof Error && 'code' in error ? String(error.code) : 'erreur réseau';
			}
			const t1 = performance.now();
			all++;
			if (t0 < measureFrom) continue;
			times.push(t1 - t0);
			lastEnd = Math.max(lastEnd, t1);
			statuses.set(key, (statuses.get(key) ?? 0) + 1);
			if (!ok) errors++;
			if (answer) {
				bytes += answer.size;
				encodings.set(answer.encoding, (encodings.get(answer.encoding) ?? 0) + 1);
				if (ok && samples.length < 50 && answer.chunks.length > 0)
					samples.push({ encoding: answer.encoding, body: Buffer.concat(answer.chunks) });
			}
		}
	};
	await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
	const used = process.cpuUsage(cpu);
	agent.destroy();
	const sorted = Float64Array.from(times).sort();
	return {
		requests: times.length,
		errors,
		statuses,
		encodings,
		seconds: (lastEnd - measureFrom) / 1000,
		allRequests: all,
		times: sorted,
		bytes,
		samples,
		clientCpu: (used.user + used.system) / 1e6
	};
}

/* ---------- The server ---------- */

async function startServer(
	port: number,
	env: Record<string, string | undefined>,
	label: string
): Promise<{ child: ChildProcess; ms: number; output: () => string }> {
	const args = CPU_PROF
		? [
				'--cpu-prof',
				'--cpu-prof-dir',
				path.resolve(CPU_PROF),
				'--cpu-prof-name',
				`${label}.cpuprofile`
			]
		: [];
	const environment: NodeJS.ProcessEnv = { ...process.env };
	delete environment.SEED_DEMO;
	delete environment.DATABASE_URL;
	const started = performance.now();
	const child = spawn(process.execPath, [...args, ...NODE_ARGS, 'build'], {
		cwd: repoRoot,
		env: {
			...environment,
			...env,
			PORT: String(port),
			HOST: '127.0.0.1',
			ORIGIN: `http://127.0.0.1:${port}`,
			// All of France's boundaries would load in the background during the first minute (half
			// a minute of CPU on PGlite): not what a running instance does, so not measured.
			BOUNDARIES_BACKGROUND: 'false',
			NODE_ENV: 'production'
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	if (SERVER_LOG) child.stdout?.pipe(fs.createWriteStream(SERVER_LOG));
	const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
	child.stdout?.on('data', keep);
	child.stderr?.on('data', keep);
	for (;;) {
		if (child.exitCode !== null)
			throw new Error(`le serveur s’est arrêté (code ${child.exitCode}) :\n${output}`);
		try {
			if ((await fetch(`http://127.0.0.1:${port}/api/v1/openapi.json`)).ok) break;
		} catch {
			/* not listening yet */
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	return { child, ms: performance.now() - started, output: () => output };
}

async function stopServer(child: ChildProcess | undefined): Promise<void> {
	if (!child || child.exitCode !== null) return;
	const exited = new Promise((r) => child.once('exit', r));
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
	await exited;
	clearTimeout(timer);
}

/* ---------- Scenarios ---------- */

interface Target {
	/** Environment of the server: DATA_DIR or DATABASE_URL. */
	env: Record<string, string>;
	open: { dataDir?: string; databaseUrl?: string };
	/** Local PostgreSQL's postmaster, to count its CPU. */
	postmaster: number | null;
	cleanup: () => Promise<void>;
}

function pgliteTarget(): Target {
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bon-tiers-bench-http-'));
	return {
		env: { DATA_DIR: dataDir },
		open: { dataDir },
		postmaster: null,
		cleanup: async () => fs.rmSync(dataDir, { recursive: true, force: true })
	};
}

async function postgresTarget(serverUrl: string): Promise<Target> {
	const name = `bench_http_${randomBytes(5).toString('hex')}`;
	const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
	try {
		await admin.unsafe(`create database ${name}`);
	} finally {
		await admin.end({ timeout: 5 });
	}
	const target = new URL(serverUrl);
	target.pathname = `/${name}`;
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bon-tiers-bench-http-'));
	return {
		// DATA_DIR unused on PostgreSQL, but kept away from the checkout's ./data.
		env: { DATABASE_URL: target.href, DATA_DIR: dataDir },
		open: { databaseUrl: target.href },
		postmaster: await postmasterPid(target.href),
		cleanup: async () => {
			fs.rmSync(dataDir, { recursive: true, force: true });
			const drop = postgres(serverUrl, { max: 1, onnotice: () => {} });
			try {
				await drop.unsafe(`drop database if exists ${name} with (force)`);
			} finally {
				await drop.end({ timeout: 5 });
			}
		}
	};
}

const LABELS: Record<Scenario, string> = {
	'demo-pglite': 'démo marseille-4-12 — PGlite',
	'demo-pg': 'démo marseille-4-12 — PostgreSQL',
	'national-pg': 'national (34 392 structures) — PostgreSQL',
	'national-pglite': 'national (34 392 structures) — PGlite'
};

async function runScenario(scenario: Scenario, target: Target, notes: string[]): Promise<BenchRow> {
	const national = scenario.startsWith('national');
	console.log(`  ${scenario} : préparation…`);
	const preparedAt = performance.now();
	const { token, note } = await withToken(target.open, national ? prepareNational : prepareDemo);
	const preparation = (performance.now() - preparedAt) / 1000;
	if (note && !notes.includes(note)) notes.push(note);
	const bodies = national ? nationalBodies() : demoBodies();
	const port = await freePort();
	let server: Awaited<ReturnType<typeof startServer>> | undefined;
	try {
		server = await startServer(port, target.env, scenario);
		const child = server.child;
		console.log(
			`  ${scenario} : serveur prêt en ${Math.round(server.ms)} ms ; ${CLIENTS} clients, ${WARMUP_S} s + ${DURATION_S} s…`
		);
		// The first request builds the server's remit index (seconds on the national set): waited
		// for before the load, so that the warm-up need not be long enough to cover it.
		const firstAt = performance.now();
		const first = await fetch(`http://127.0.0.1:${port}/api/v1/recommendations`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
			body: (bodies[0] as Buffer).toString()
		});
		await first.arrayBuffer();
		const firstMs = performance.now() - firstAt;
		if (!first.ok) throw new Error(`première requête : ${first.status}`);
		const pgBefore = target.open.databaseUrl ? await pgCounts(target.open.databaseUrl) : null;
		// CPU read at the start and end of the whole load, warm-up included.
		const cpuBefore = {
			server: processCpu(child.pid ?? 0),
			db: target.postmaster ? treeCpu(target.postmaster) : 0
		};
		const result = await load(port, token, bodies);
		const serverCpu = processCpu(child.pid ?? 0) - cpuBefore.server;
		const dbCpu = target.postmaster ? treeCpu(target.postmaster) - cpuBefore.db : null;
		const serverRss = processRssMb(child.pid ?? 0);
		if (child.exitCode !== null) throw new Error(`le serveur s’est arrêté :\n${server.output()}`);
		// The server's connections report their counters when they close (else every 10 s idle).
		await stopServer(child);
		const pgAfter =
			pgBefore && target.open.databaseUrl ? await pgCounts(target.open.databaseUrl) : null;
		// Warm-up included: the CPU and the counters are divided by every request of the load.
		const allRequests = result.allRequests;

		const decoded = result.samples.map(({ encoding, body }) =>
			encoding === 'br'
				? brotliDecompressSync(body).byteLength
				: encoding === 'gzip'
					? gunzipSync(body).byteLength
					: body.byteLength
		);
		const wire = result.samples.reduce((sum, s) => sum + s.body.byteLength, 0);
		const plain = decoded.reduce((sum, n) => sum + n, 0);
		const statusText = [...result.statuses].map(([s, n]) => `${s} × ${n}`).join(', ');
		const encodingText = [...result.encodings].map(([e, n]) => `${e} × ${n}`).join(', ');
		if (pgAfter && pgBefore) {
			const scanned = [...pgAfter.scans]
				.map(([name, n]) => [name, (n - (pgBefore.scans.get(name) ?? 0)) / allRequests] as const)
				.filter(([, n]) => n >= 0.01)
				.map(([name, n]) => `${name} ${round(n, 2)}`);
			notes.push(
				`${scenario} : parcours de table PostgreSQL par requête (seq_scan + idx_scan) : ${scanned.join(', ') || 'aucun'}`
			);
		}
		notes.push(
			`${scenario} : préparation ${round(preparation, 1)} s, démarrage du serveur ${Math.round(server.ms)} ms, ` +
				`première requête (index construit) ${Math.round(firstMs)} ms ; ` +
				`réponses ${statusText} ; encodage ${encodingText}` +
				(plain > 0
					? ` ; ${result.samples.length} réponses décodées : ${round(wire / result.samples.length / 1024, 2)} Ko reçus pour ${round(plain / result.samples.length / 1024, 2)} Ko de JSON (× ${round(plain / wire, 1)})`
					: '')
		);
		const times = result.times;
		const row: BenchRow = {
			scénario: LABELS[scenario],
			requêtes: result.requests,
			erreurs: result.errors,
			'req/s': round(result.requests / result.seconds, 0),
			'p50 ms': round(percentile(times, 50), 1),
			'p95 ms': round(percentile(times, 95), 1),
			'p99 ms': round(percentile(times, 99), 1),
			'max ms': round(times[times.length - 1] ?? 0, 0),
			'octets moyens (reçus)': Math.round(result.bytes / Math.max(1, result.requests)),
			// CPU per request, measured over the whole load and divided by its requests.
			'CPU serveur ms/req': round((serverCpu / allRequests) * 1000, 2),
			'CPU PostgreSQL ms/req': dbCpu === null ? null : round((dbCpu / allRequests) * 1000, 2),
			'CPU client ms/req': round((result.clientCpu / result.requests) * 1000, 2),
			'RSS serveur Mo': serverRss,
			'transactions PG/req':
				pgAfter && pgBefore
					? round((pgAfter.transactions - pgBefore.transactions) / allRequests, 2)
					: null
		};
		console.log(
			`  ${scenario} : ${row['req/s']} req/s, p50 ${row['p50 ms']} ms, p95 ${row['p95 ms']} ms, p99 ${row['p99 ms']} ms, ${result.errors} erreur(s)`
		);
		return row;
	} finally {
		await stopServer(server?.child);
	}
}

export async function httpBench(): Promise<BenchResult> {
	const notes: string[] = [];
	const rows: BenchRow[] = [];
	const load1 = os.loadavg().map((n) => round(n, 2));
	if (!fs.existsSync(path.join(repoRoot, 'build/index.js'))) {
		const message = 'http ignoré : lancez npm run build d’abord.';
		console.log(message);
		return { rows: [], notes: [message] };
	}
	const wanted = (process.env.BENCH_HTTP_SCENARIOS ?? SCENARIOS.join(','))
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
	const unknown = wanted.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
	if (unknown.length > 0)
		throw new Error(`scénario(s) inconnu(s) : ${unknown.join(', ')} (${SCENARIOS.join(', ')})`);
	notes.push(
		'objectifs (issue) : démo sur PostgreSQL ≥ 1 200 req/s avec p95 ≤ 50 ms ; national ≥ 400 req/s ; PGlite au moins la moitié de PostgreSQL.',
		`charge moyenne de la machine au départ (1, 5, 15 min) : ${load1.join(', ')} sur ${os.cpus().length} cœurs — machine partagée, le client tourne sur la même.`,
		`${CLIENTS} clients simultanés, une connexion keep-alive chacun, POST /api/v1/recommendations (jeton bearer, rôle agent) en boucle sans pause : ` +
			`${WARMUP_S} s de mise en route puis ${DURATION_S} s mesurées ; latence de l’envoi au dernier octet de la réponse ; erreurs : réponses hors 2xx et échecs réseau.`,
		'accept-encoding: br, gzip ; octets moyens : le corps tel que reçu (compressé si le serveur compresse), en-têtes exclus.',
		'CPU ms/req : temps CPU (/proc) du processus node build, des processus du serveur PostgreSQL local (postmaster et connexions) et du client, sur toute la charge (mise en route comprise), divisé par ses requêtes ; transactions PG/req : xact_commit + xact_rollback de pg_stat_database (une instruction seule compte pour une).',
		'RSS serveur : mémoire résidente (VmRSS) du processus node build à la fin de la charge — données chargées, index des missions et caches construits (objectif : ≤ 1 Go une fois chargé) ; sur PGlite, la base embarquée comprise (ses pages en cache, ses fichiers restant sur disque).',
		`requêtes : ${BODIES} corps sérialisés d’avance (graine ${SEED}) ; démo : communes ${DEMO_TERRITORY.communes.join(', ')}, 1 à 3 problèmes tirés, 0 à 2 critères, niveau imposé une fois sur deux ; ` +
			'national : tirées de requests.json, villes entières rapportées à leur 1er arrondissement.',
		'serveur démarré avec SEED_DEMO non défini et BOUNDARIES_BACKGROUND=false (le chargement de toutes les limites de France au premier démarrage n’est pas mesuré).'
	);

	const nationalFiles = Object.values(FILES).filter(
		(f) => !fs.existsSync(path.resolve(repoRoot, f))
	);
	let pg: { url: string; stop: () => Promise<void> } | null | undefined;
	try {
		for (const scenario of SCENARIOS) {
			if (!wanted.includes(scenario)) continue;
			if (scenario.startsWith('national') && nationalFiles.length > 0) {
				notes.push(`${scenario} ignoré : fichier(s) introuvable(s) ${nationalFiles.join(', ')}`);
				continue;
			}
			let target: Target;
			if (scenario.endsWith('-pg')) {
				pg ??= await postgresServer(notes);
				if (!pg) continue;
				target = await postgresTarget(pg.url);
			} else target = pgliteTarget();
			try {
				rows.push(await runScenario(scenario, target, notes));
			} finally {
				await target.cleanup();
			}
		}
	} finally {
		await pg?.stop();
	}
	return { rows, notes };
}
