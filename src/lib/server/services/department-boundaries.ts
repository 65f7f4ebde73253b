import fs from 'node:fs';
import path from 'node:path';
import { and, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { communes } from '$lib/server/db/schema';
import { normalizeDepartment } from '$lib/geo/departments';
import { announceGeographyChange, importBoundaries, readGeojsonFile, seedDir } from './geography';

/**
 * The boundaries of every commune of France, shipped as one file per département
 * (seed/communes/XX.geojson.gz, made by scripts/split-communes.ts) and loaded département by
 * département: at once for a territory that needs one (ensureDepartmentBoundaries), and all of
 * them in the background after the first start (loadBoundariesInBackground). Loading all of
 * France at the first start itself would take about a minute on the embedded database; the
 * Bouches-du-Rhône and the arrondissements of Paris, Lyon and Marseille still load then
 * (geography.ts, loadShippedBoundaries), the demo territory needs them.
 *
 * A département counts as loaded once one of its communes (not an arrondissement) has a
 * boundary, shipped or imported with `import communes`: each département loads in one
 * transaction, so that holds across restarts, and boundaries an operator imported are never
 * overwritten by the shipped ones.
 */

/** The Bouches-du-Rhône ships as one plain file of its own, loaded at the first start. */
const FIRST_START_FILES: Readonly<Record<string, string>> = { '13': 'communes-13.geojson' };

const DEPARTMENT_FILE = /^(\d{2,3}|2[AB])\.geojson\.gz$/;

/** The shipped boundary file of each département, by code (in code order). */
export function shippedDepartmentFiles(dir: string = seedDir()): Map<string, string> {
	const files = new Map<string, string>();
	for (const [department, file] of Object.entries(FIRST_START_FILES)) {
		files.set(department, path.join(dir, file));
	}
	const folder = path.join(dir, 'communes');
	const names = fs.existsSync(folder) ? fs.readdirSync(folder) : [];
	for (const name of names) {
		const match = DEPARTMENT_FILE.exec(name);
		if (match) files.set(match[1] as string, path.join(folder, name));
	}
	return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The départements one of whose communes has a boundary in the database. */
export async function departmentsWithBoundaries(db: Db): Promise<Set<string>> {
	const rows = await db
		.selectDistinct({ department: communes.department })
		.from(communes)
		.where(and(eq(communes.kind, 'commune'), isNotNull(communes.geometry)));
	return new Set(rows.map((r) => r.department));
}

export interface DepartmentLoad {
	department: string;
	/** Features of the département's file. */
	communes: number;
	ms: number;
}

// One load per département at a time in this process: a territory saved while the background
// load is at that very département waits for it instead of importing the same file beside it.
const inFlight = new WeakMap<Db, Map<string, Promise<DepartmentLoad>>>();
// Départements loaded without being announced yet (the background load announces in batches):
// an on-demand caller that finds its département among them announces it at once.
const unannounced = new WeakMap<Db, Set<string>>();

function loadDepartment(
	db: Db,
	department: string,
	file: string,
	announce: boolean
): Promise<DepartmentLoad> {
	let loads = inFlight.get(db);
	if (!loads) inFlight.set(db, (loads = new Map()));
	const running = loads.get(department);
	if (running) return running;
	const load = (async () => {
		const started = performance.now();
		const result = await importBoundaries(db, readGeojsonFile(file), { announce });
		if (!announce) {
			let pending = unannounced.get(db);
			if (!pending) unannounced.set(db, (pending = new Set()));
			pending.add(department);
		}
		return { department, communes: result.features, ms: performance.now() - started };
	})().finally(() => loads.delete(department));
	loads.set(department, load);
	return load;
}

/** Announces the départements loaded without announcement, if any. */
async function announcePending(db: Db): Promise<void> {
	const pending = unannounced.get(db);
	if (!pending || pending.size === 0) return;
	pending.clear();
	await announceGeographyChange(db);
}

/**
 * Loads now the shipped boundaries of those départements that have none in the database yet, so
 * that a territory there has shapes, its points resolve and its polygons cover its communes.
 * Départements given as people type them (`5`, `05`, `2a`); one the instance ships no file for
 * (975, a typo) is left out — the CLI checks them first. Returns what it loaded (nothing when
 * everything was there: one query). For the territories service, the CLI and the imports.
 */
export async function ensureDepartmentBoundaries(
	db: Db,
	departments: Iterable<string>,
	options: { dir?: string; announce?: boolean } = {}
): Promise<DepartmentLoad[]> {
	const announce = options.announce ?? true;
	const files = shippedDepartmentFiles(options.dir);
	const wanted = new Set<string>();
	for (const given of departments) {
		const department = normalizeDepartment(given);
		if (department && files.has(department)) wanted.add(department);
	}
	if (wanted.size === 0) return [];
	const loaded = await departmentsWithBoundaries(db);
	const results: DepartmentLoad[] = [];
	let waitedForBackground = false;
	for (const department of wanted) {
		if (loaded.has(department)) {
			waitedForBackground ||= unannounced.get(db)?.has(department) ?? false;
			continue;
		}
		results.push(await loadDepartment(db, department, files.get(department) as string, announce));
		// Loaded by the background while this waited for it: not announced yet.
		waitedForBackground ||= unannounced.get(db)?.has(department) ?? false;
	}
	if (announce && waitedForBackground) await announcePending(db);
	return results;
}

export interface BackgroundLoad {
	/** The départements left to load when it started, in order. */
	departments: string[];
	/** Settles when every département was tried, or after stop(); never rejects. */
	done: Promise<{ loaded: number; communes: number; failed: string[]; ms: number }>;
	/** Lets the département in progress finish (its transaction), then ends the load. */
	stop(): Promise<void>;
}

export interface BackgroundOptions {
	dir?: string;
	progress?: (message: string) => void;
	/** Pause between two départements, in which requests waiting for the database get it. */
	pauseMs?: number;
	/** Départements loaded between two announcements to the place cache. */
	batch?: number;
	/** Wait before the first département, so that the server's first answers do not wait. */
	delayMs?: number;
}

/**
 * Loads, one département after the other, every shipped département that has no boundary in the
 * database yet: started after the first start (and at every start after it, when it has anything
 * left to do: a restart midway resumes where it stopped). PGlite runs in this very process and
 * one query at a time, so each département is one short transaction, followed by a pause that
 * lets the requests waiting for the database through. The place cache learns of the new
 * boundaries every `batch` départements and at the end, so that the spatial index (all of
 * France at the end) is not rebuilt after each one. A département that fails is reported and
 * skipped (it is tried again at the next start); the server is never stopped by it.
 */
export async function loadBoundariesInBackground(
	db: Db,
	options: BackgroundOptions = {}
): Promise<BackgroundLoad> {
	const progress = options.progress ?? (() => {});
	const pauseMs = options.pauseMs ?? 50;
	const batch = options.batch ?? 10;
	const files = shippedDepartmentFiles(options.dir);
	const loaded = await departmentsWithBoundaries(db);
	const departments = [...files.keys()].filter((d) => !loaded.has(d));
	let stopped = false;
	let wake: (() => void) | undefined;
	const pause = (ms = pauseMs) =>
		new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, ms);
			wake = () => {
				clearTimeout(timer);
				resolve();
			};
		});

	const started = performance.now();
	const seconds = () => Math.round((performance.now() - started) / 1000);
	if (departments.length > 0) {
		progress(
			`Limites des communes : ${departments.length} département(s) sur ${files.size} à charger en arrière-plan ; le serveur répond pendant ce temps.`
		);
	}
	const done = (async () => {
		let count = 0;
		let communesLoaded = 0;
		let sinceAnnounce = 0;
		const failed: string[] = [];
		// About ten progress lines whatever the number of départements.
		const step = Math.max(batch, Math.ceil(departments.length / 10));
		if (departments.length > 0 && options.delayMs) await pause(options.delayMs);
		for (const department of departments) {
			if (stopped) break;
			try {
				const [load] = await ensureDepartmentBoundaries(db, [department], {
					dir: options.dir,
					announce: false
				});
				count++;
				communesLoaded += load?.communes ?? 0;
				sinceAnnounce++;
			} catch (error) {
				failed.push(department);
				console.error(
					`[bon-tiers] Limites du département ${department} : chargement en échec, réessayé au prochain démarrage (${error instanceof Error ? error.message : String(error)})`
				);
			}
			if (sinceAnnounce >= batch) {
				sinceAnnounce = 0;
				await announceSafely(db);
			}
			if (count > 0 && count % step === 0 && count < departments.length) {
				progress(
					`Limites des communes : ${count}/${departments.length} départements chargés (${communesLoaded} communes, ${seconds()} s)…`
				);
			}
			if (!stopped) await pause();
		}
		if (sinceAnnounce > 0) await announceSafely(db);
		const ms = performance.now() - started;
		if (departments.length > 0 && !stopped) {
			progress(
				`Limites des communes chargées : ${count} département(s), ${communesLoaded} communes en ${seconds()} s${failed.length > 0 ? ` ; en échec : ${failed.join(', ')}` : ''}.`
			);
		}
		return { loaded: count, communes: communesLoaded, failed, ms };
	})();

	return {
		departments,
		done,
		async stop() {
			stopped = true;
			wake?.();
			await done;
		}
	};
}

async function announceSafely(db: Db): Promise<void> {
	try {
		await announcePending(db);
	} catch (error) {
		console.error(
			`[bon-tiers] Limites des communes : annonce au cache des lieux en échec (${error instanceof Error ? error.message : String(error)})`
		);
	}
}
