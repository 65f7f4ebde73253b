/**
 * Importing the national benchmark set (issue 17: well under 60 s, on both databases): the
 * 34 392 structures of ../shared/data/bench/structures-france.json.gz (2.4 million (structure,
 * commune) pairs once expanded) in one importStructures call, `replace` into a territory `france`,
 * after ensureGeography and the national boundaries (IGN 2018, whose codes the file uses), as the
 * recommendation benchmark loads them. Then the same file again: every structure updated and its
 * coverage rewritten.
 *
 * Measured in-process: wall time of importStructures alone (validation, writes, ANALYZE), the
 * time of each phase as its progress reports say, and the process's RSS after the import and at
 * its highest (sampled every 100 ms). PostgreSQL runs first, so that its figures do not carry the
 * embedded database's memory; then PGlite with its files in a data dir, as `npm start` runs it;
 * then PGlite wholly in memory, where the database itself (tables, indexes) lives in the process.
 *
 * PostgreSQL: DATABASE_URL's server (a throw-away database on it, dropped after; the user must be
 * allowed to create databases), else a throw-away server started as the integration tests do
 * (tests/setup/postgres-server.ts), else skipped with a note.
 *
 * The FINESS extract of 2021 holds 5 phone numbers the import refuses today (not French numbers
 * by libphonenumber): those fields are dropped before the import, and counted in the notes.
 *
 * Environment: BENCH_STRUCTURES_FILE, BENCH_COMMUNES_FILE (paths relative to the repository
 * root), DATABASE_URL (optional).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import postgres from 'postgres';
import type { ImportPhase } from '$lib/domain/import-progress';
import { PhoneSchema } from '$lib/schemas/structure';
import { openDatabase, type Database } from '$lib/server/db/client';
import { territories } from '$lib/server/db/schema';
import { importBoundaries, readGeojsonFile } from '$lib/server/services/geography';
import { ensureGeography } from '$lib/server/services/setup';
import { importStructures } from '$lib/server/services/structure-import';
import { collectGarbage, repoRoot, round, type BenchResult, type BenchRow } from './report';

const DEFAULT_STRUCTURES_FILE = '../shared/data/bench/structures-france.json.gz';
const DEFAULT_COMMUNES_FILE = '../shared/data/geo/communes-france.geojson.gz';
const TERRITORY = 'france';
const MB = 2 ** 20;

interface Run {
	seconds: number;
	/** CPU time of this process (PGlite: the database's work too; PostgreSQL: the client's only). */
	cpuSeconds: number;
	phases: Partial<Record<ImportPhase, number>>;
	rssAfterMb: number;
	rssPeakMb: number;
}

/** One importStructures call, timed, with its phases and the process's memory. */
async function timedImport(database: Database, records: unknown[]): Promise<Run> {
	let peak = process.memoryUsage().rss;
	const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
	const cpu = process.cpuUsage();
	const started = performance.now();
	const phases: Partial<Record<ImportPhase, number>> = {};
	// Assigned in the listener: typed so that the narrowing to null does not stick.
	let phase = null as ImportPhase | null;
	let phaseStart = started;
	try {
		await importStructures(
			database.db,
			TERRITORY,
			records,
			'replace',
			undefined,
			undefined,
			(p) => {
				if (p.phase === phase) return;
				const now = performance.now();
				if (phase) phases[phase] = (now - phaseStart) / 1000;
				phase = p.phase;
				phaseStart = now;
			}
		);
	} finally {
		clearInterval(sampler);
	}
	const ended = performance.now();
	const used = process.cpuUsage(cpu);
	// The last phase runs until the transaction commits (ANALYZE included).
	if (phase) phases[phase] = (ended - phaseStart) / 1000;
	// What the process holds once the import is over, not the garbage it left.
	collectGarbage();
	const rss = process.memoryUsage().rss;
	return {
		seconds: (ended - started) / 1000,
		cpuSeconds: (used.user + used.system) / 1e6,
		phases,
		rssAfterMb: rss / MB,
		rssPeakMb: Math.max(peak, rss) / MB
	};
}

async function measure(
	label: string,
	database: Database,
	readRecords: () => unknown[],
	communesFile: string,
	rows: BenchRow[]
): Promise<void> {
	await ensureGeography(database.db);
	await importBoundaries(database.db, readGeojsonFile(communesFile));
	await database.db.insert(territories).values({ id: TERRITORY, name: 'France (banc d’essai)' });
	for (const pass of ['premier import', 'réimport (tout mis à jour)']) {
		const records = readRecords();
		collectGarbage();
		const run = await timedImport(database, records);
		rows.push({
			cas: `${label} — ${pass}`,
			secondes: round(run.seconds, 1),
			'CPU processus s': round(run.cpuSeconds, 1),
			'vérification s': round(run.phases.validation ?? 0, 1),
			'structures s': round(run.phases.structures ?? 0, 1),
			'communes s': round(run.phases.communes ?? 0, 1),
			'RSS après Mo': Math.round(run.rssAfterMb),
			'RSS pic Mo': Math.round(run.rssPeakMb)
		});
		console.log(`  ${label}, ${pass} : ${round(run.seconds, 1)} s`);
	}
}

/** A throw-away database on `url`'s server, dropped afterwards. */
async function withPostgresDatabase(url: string, run: (database: Database) => Promise<void>) {
	const name = `bench_import_${randomBytes(5).toString('hex')}`;
	const admin = postgres(url, { max: 1, onnotice: () => {} });
	try {
		await admin.unsafe(`create database ${name}`);
	} finally {
		await admin.end({ timeout: 5 });
	}
	const target = new URL(url);
	target.pathname = `/${name}`;
	try {
		const database = await openDatabase({
			databaseUrl: target.href,
			migrationsDir: path.join(repoRoot, 'drizzle')
		});
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

/** DATABASE_URL, or a throw-away server as the integration tests start one; null if neither. */
export async function postgresServer(
	notes: string[]
): Promise<{ url: string; stop: () => Promise<void> } | null> {
	if (process.env.DATABASE_URL) {
		notes.push('PostgreSQL : le serveur de DATABASE_URL');
		return { url: process.env.DATABASE_URL, stop: async () => {} };
	}
	try {
		const { default: setup } = await import('../setup/postgres-server');
		let url = '';
		const stop = await setup({ provide: (_key: string, value: unknown) => (url = String(value)) });
		notes.push(
			'PostgreSQL : serveur jetable démarré comme pour les tests d’intégration (fsync=off, synchronous_commit=off)'
		);
		return { url, stop };
	} catch (error) {
		notes.push(`PostgreSQL ignoré : ${error instanceof Error ? error.message : String(error)}`);
		return null;
	}
}

export async function importBench(): Promise<BenchResult> {
	const structuresFile = path.resolve(
		repoRoot,
		process.env.BENCH_STRUCTURES_FILE ?? DEFAULT_STRUCTURES_FILE
	);
	const communesFile = path.resolve(
		repoRoot,
		process.env.BENCH_COMMUNES_FILE ?? DEFAULT_COMMUNES_FILE
	);
	const missing = [structuresFile, communesFile].filter((file) => !fs.existsSync(file));
	if (missing.length > 0) {
		const message = `import ignoré : fichier(s) introuvable(s) ${missing.join(', ')} — voir ../shared/data/bench/README.md`;
		console.log(message);
		return { rows: [], notes: [message] };
	}
	let dropped = 0;
	// Read afresh for each import: the import normalises the records it validates.
	const readRecords = () => {
		const records = JSON.parse(gunzipSync(fs.readFileSync(structuresFile)).toString('utf8')) as {
			phone?: string;
		}[];
		dropped = 0;
		for (const record of records) {
			if (record.phone !== undefined && !PhoneSchema.safeParse(record.phone).success) {
				delete record.phone;
				dropped++;
			}
		}
		return records;
	};
	const rows: BenchRow[] = [];
	const notes: string[] = [];

	const server = await postgresServer(notes);
	if (server) {
		try {
			await withPostgresDatabase(server.url, (database) =>
				measure('PostgreSQL', database, readRecords, communesFile, rows)
			);
		} finally {
			await server.stop();
		}
	}
	// The embedded database as `npm start` runs it (its files in DATA_DIR), before the one held
	// wholly in memory, whose files are the process's memory (the RSS of the first carries less
	// of what ran before it).
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bon-tiers-bench-import-'));
	try {
		const onDisk = await openDatabase({
			dataDir,
			migrationsDir: path.join(repoRoot, 'drizzle')
		});
		try {
			await measure('PGlite (DATA_DIR sur disque)', onDisk, readRecords, communesFile, rows);
		} finally {
			await onDisk.close();
		}
	} finally {
		fs.rmSync(dataDir, { recursive: true, force: true });
	}
	const pglite = await openDatabase({
		dataDir: 'memory://',
		migrationsDir: path.join(repoRoot, 'drizzle')
	});
	try {
		await measure('PGlite (mémoire)', pglite, readRecords, communesFile, rows);
	} finally {
		await pglite.close();
	}
	notes.push(
		`${path.relative(repoRoot, structuresFile)} : importStructures en un appel, mode replace, dans le territoire ${TERRITORY} ; ` +
			`${dropped} téléphone(s) du fichier refusé(s) par l’import retiré(s) avant`,
		'secondes : importStructures seul (lecture et JSON du fichier exclus) ; par phase, selon ses rapports de progression ' +
			'(« communes » va jusqu’à la validation de la transaction et à l’ANALYZE)',
		'CPU processus : temps CPU du processus Node (sur PGlite, la base comprise ; sur PostgreSQL, le client seul), ' +
			'moins sensible que les secondes à une machine chargée',
		'RSS du processus après l’import (après un ramasse-miettes complet : ce qu’il garde, pas ce qu’il reste à récupérer) et au plus haut pendant (échantillonné toutes les 100 ms) ; PostgreSQL d’abord, ' +
			'PGlite ensuite, ses fichiers dans un DATA_DIR (comme npm start) puis tout en mémoire (memory://) : la base embarquée (tables, index) vit alors dans le processus'
	);
	return { rows, notes };
}
