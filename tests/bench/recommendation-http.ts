/**
 * Recommendation latency over HTTP, on the national benchmark set: the built server (`node
 * build`, embedded PGlite) answers POST /api/v1/recommendations for a seeded sample of the
 * 10 000 requests of ../shared/data/bench/requests.json, one at a time, with a bearer token —
 * the whole path a partner's integration takes (HTTP, auth, validation, engine, JSON).
 *
 * The data directory is prepared once on disk (geography, national boundaries, the 34 392
 * structures), then the server is started on it. Needs `npm run build` first.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { openDatabase } from '$lib/server/db/client';
import { settings, territories } from '$lib/server/db/schema';
import { systemCaller } from '$lib/server/auth/principal';
import { createApiToken } from '$lib/server/services/api-tokens';
import { importBoundaries, readGeojsonFile } from '$lib/server/services/geography';
import { ensureGeography } from '$lib/server/services/setup';
import { importStructures } from '$lib/server/services/structure-import';
import { mulberry32, percentile, repoRoot, round, timed, type BenchResult } from './report';

const FILES = {
	structures: process.env.BENCH_STRUCTURES_FILE ?? '../shared/data/bench/structures-france.json.gz',
	requests: process.env.BENCH_REQUESTS_FILE ?? '../shared/data/bench/requests.json',
	communes: process.env.BENCH_COMMUNES_FILE ?? '../shared/data/geo/communes-france.geojson.gz'
};
const SAMPLE = Number(process.env.BENCH_HTTP_REQUESTS ?? 2000);
const CITIES: Record<string, string> = { '13055': '13201', '69123': '69381', '75056': '75101' };

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

export async function recommendationHttp(): Promise<BenchResult> {
	const absent = Object.values(FILES).filter((f) => !fs.existsSync(path.resolve(repoRoot, f)));
	if (absent.length > 0 || !fs.existsSync(path.join(repoRoot, 'build/index.js'))) {
		const message = `recommendation-http ignoré : ${absent.length > 0 ? `fichier(s) introuvable(s) ${absent.join(', ')}` : 'lancez npm run build d’abord'}.`;
		console.log(message);
		return { rows: [], notes: [message] };
	}
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bon-tiers-bench-http-'));
	const notes: string[] = [];
	let server: ReturnType<typeof spawn> | undefined;
	try {
		console.log('préparation du dossier de données (géographie, limites nationales, structures)…');
		const prepared = await timed(async () => {
			const database = await openDatabase({
				dataDir,
				migrationsDir: path.join(repoRoot, 'drizzle')
			});
			try {
				const { db } = database;
				await ensureGeography(db);
				await importBoundaries(db, readGeojsonFile(path.resolve(repoRoot, FILES.communes)));
				await db.insert(territories).values({ id: 'france', name: 'France (banc d’essai)' });
				const records = JSON.parse(
					gunzipSync(fs.readFileSync(path.resolve(repoRoot, FILES.structures))).toString('utf8')
				) as unknown[];
				await importStructures(db, 'france', records, 'replace');
				// No demo, no first admin: the instance counts as initialised.
				await db
					.insert(settings)
					.values({ key: 'initialized_at', value: new Date().toISOString() });
				return (
					await createApiToken(db, systemCaller('bench'), { name: 'banc d’essai', role: 'agent' })
				).token;
			} finally {
				await database.close();
			}
		});
		const token = prepared.value;
		notes.push(`préparation (sur disque) : ${round(prepared.ms / 1000, 1)} s.`);

		const port = await freePort();
		const started = performance.now();
		server = spawn(process.execPath, ['build'], {
			cwd: repoRoot,
			env: {
				...process.env,
				DATA_DIR: dataDir,
				PORT: String(port),
				HOST: '127.0.0.1',
				ORIGIN: `http://127.0.0.1:${port}`,
				SEED_DEMO: 'false'
			},
			stdio: ['ignore', 'pipe', 'pipe']
		});
		const base = `http://127.0.0.1:${port}`;
		for (;;) {
			if (server.exitCode !== null)
				throw new Error(`le serveur s’est arrêté (code ${server.exitCode})`);
			try {
				if ((await fetch(`${base}/api/v1/openapi.json`)).ok) break;
			} catch {
				/* not listening yet */
			}
			await new Promise((r) => setTimeout(r, 200));
		}
		notes.push(
			`démarrage du serveur sur ces données : ${round(performance.now() - started, 0)} ms.`
		);

		const all = JSON.parse(
			fs.readFileSync(path.resolve(repoRoot, FILES.requests), 'utf8')
		) as Record<string, unknown>[];
		const random = mulberry32(20261127);
		const sample = Array.from(
			{ length: Math.min(SAMPLE, all.length) },
			() => all[Math.floor(random() * all.length)] as Record<string, unknown>
		).map((r) =>
			typeof r.commune === 'string' && CITIES[r.commune] ? { ...r, commune: CITIES[r.commune] } : r
		);
		const call = (body: unknown) =>
			fetch(`${base}/api/v1/recommendations`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
				body: JSON.stringify(body)
			});
		for (const body of sample.slice(0, 100)) await (await call(body)).arrayBuffer(); // warm-up
		const times = new Float64Array(sample.length);
		let ok = 0;
		let bytes = 0;
		const t0 = performance.now();
		for (let i = 0; i < sample.length; i++) {
			const start = performance.now();
			const response = await call(sample[i]);
			const body = await response.arrayBuffer();
			times[i] = performance.now() - start;
			if (response.ok) ok++;
			bytes += body.byteLength;
		}
		const total = performance.now() - t0;
		times.sort();
		return {
			rows: [
				{
					requests: sample.length,
					ok: ok,
					'p50 ms': round(percentile(times, 50), 2),
					'p95 ms': round(percentile(times, 95), 2),
					'p99 ms': round(percentile(times, 99), 2),
					'max ms': round(times[times.length - 1] ?? 0, 1),
					'req/s (1 client)': round((sample.length / total) * 1000, 0),
					'réponse moyenne (Ko)': round(bytes / sample.length / 1024, 1)
				}
			],
			notes: [
				...notes,
				`échantillon de ${sample.length} requêtes (graine 20261127) parmi les 10 000, une à la fois, niveau donné par la requête ; villes entières rapportées à leur 1er arrondissement.`
			]
		};
	} finally {
		if (server && server.exitCode === null) {
			server.kill('SIGTERM');
			await new Promise((r) => server?.once('exit', r));
		}
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
}
