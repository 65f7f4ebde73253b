import { openDatabase, type Database } from './db/client';
import { readConfig } from './config';
import { loadBoundariesInBackground, type BackgroundLoad } from './services/department-boundaries';
import { purge } from './services/privacy';
import { runReferralJobs } from './services/referrals';
import { initializeInstance, type FirstAdmin } from './services/setup';

let database: Promise<Database> | undefined;
let boundaries: BackgroundLoad | undefined;

const serverUrl = () => readConfig().origin;

/** The first administrator's one-time password, framed so that it cannot be missed. */
export function firstAdminBanner(admin: FirstAdmin, url: string): string {
	const lines = [
		'Premier compte administrateur (affiché une seule fois)',
		'',
		`  Adresse     : ${url}`,
		`  Identifiant : ${admin.email}`,
		`  Mot de passe à usage unique : ${admin.oneTimePassword}`,
		'',
		'À changer à la première connexion. Autres comptes : page Administration,',
		'ou npm run cli -- user create.'
	];
	const width = Math.max(...lines.map((line) => line.length));
	const rule = '═'.repeat(width + 4);
	return [`╔${rule}╗`, ...lines.map((line) => `║  ${line.padEnd(width)}  ║`), `╚${rule}╝`].join(
		'\n'
	);
}

/**
 * Prints `text` right after adapter-node's « Listening on … » line, so that it is the last thing
 * a first start prints rather than scrolled away above it. adapter-node logs that line from its
 * listen callback, after the server's init (where the database is opened) has resolved, and
 * offers no hook of its own; without such a line (vite dev, socket activation), it prints soon.
 */
function printAfterListening(text: string): void {
	const original = console.log;
	let printed = false;
	const print = () => {
		if (printed) return;
		printed = true;
		console.log = original;
		original(text);
	};
	console.log = (...args: unknown[]) => {
		original(...args);
		if (typeof args[0] === 'string' && args[0].startsWith('Listening on ')) print();
	};
	setTimeout(print, 2_000).unref();
}

/**
 * The server's one database: opened once, migrated, and on first start loaded with the geography
 * and the demo territory. The server holds the embedded data dir's lock while it runs.
 */
export function getDatabase(): Promise<Database> {
	database ??= (async () => {
		const config = readConfig();
		const started = performance.now();
		const opened = await openDatabase({
			databaseUrl: config.databaseUrl,
			dataDir: config.dataDir,
			migrationsDir: config.migrationsDir,
			owner: { role: 'server', url: serverUrl() }
		});
		const { firstAdmin } = await initializeInstance(opened.db, {
			demo: config.seedDemo,
			progress: (message) => console.log(`[bon-tiers] ${message}`)
		});
		console.log(
			`[bon-tiers] Base prête (${opened.location}) en ${Math.round(performance.now() - started)} ms — ${serverUrl()}`
		);
		// The rest of France's boundaries after the server answers, not before: about half a
		// minute on the embedded database, where the first start takes a few seconds. Its first
		// line comes before the first administrator's frame, the next ones several seconds after.
		if (config.boundariesInBackground) {
			boundaries = await loadBoundariesInBackground(opened.db, {
				progress: (message) => console.log(`[bon-tiers] ${message}`),
				// The server listens right after this returns; the first pages it serves (a
				// newcomer's sign-in) are not kept waiting behind a département's transaction.
				delayMs: 2_000
			});
		}
		if (firstAdmin) printAfterListening(firstAdminBanner(firstAdmin, serverUrl()));
		return opened;
	})();
	return database;
}

export async function closeDatabase(): Promise<void> {
	if (housekeeping) clearTimeout(housekeeping);
	if (!database) return;
	const opened = await database;
	database = undefined;
	// The département being loaded finishes its transaction (a second or so), the rest waits
	// for the next start.
	await boundaries?.stop();
	boundaries = undefined;
	await opened.close();
}

let housekeeping: NodeJS.Timeout | undefined;

/** The daily purge (retention of orientation data, expired sessions), first an hour after start. */
export function startHousekeeping(): void {
	if (housekeeping) return;
	const run = async () => {
		try {
			const { db } = await getDatabase();
			const result = await purge(db);
			console.log(`[bon-tiers] Purge quotidienne : ${JSON.stringify(result)}`);
		} catch (error) {
			console.error('[bon-tiers] Purge quotidienne en échec', error);
		}
	};
	const first = setTimeout(() => {
		void run();
		housekeeping = setInterval(() => void run(), 24 * 3_600_000);
		housekeeping.unref();
	}, 3_600_000);
	first.unref();
	housekeeping = first;
	// The referral loop's reminders, expiries and pending mail (contract §7): checked every hour,
	// a minute after start too, so a server restarted every night still sends what is due. Each
	// message has its key, so the checks send it once however often they run.
	const referrals = async () => {
		try {
			const { db } = await getDatabase();
			const r = await runReferralJobs(db);
			if (r.reminders + r.finalReminders + r.expired + r.mail.sent + r.mail.failed > 0)
				console.log(`[bon-tiers] Circuit d’orientation : ${JSON.stringify(r)}`);
		} catch (error) {
			console.error('[bon-tiers] Circuit d’orientation : tâche en échec', error);
		}
	};
	setTimeout(() => void referrals(), 60_000).unref();
	setInterval(() => void referrals(), 3_600_000).unref();
}

/**
 * A few seconds after the start, in the background, the module a first map would wait for: the
 * map pages render maplibre's component on the server too, which loads maplibre-gl — 800 kB of
 * CommonJS, a fifth of a second to compile and run (measured in the server's profile of a first
 * map) — when the first map is asked for. A warm-up that fails changes nothing: the page loads it.
 */
export function scheduleWarmUp(): void {
	const warm = () => import('maplibre-gl').catch(() => undefined);
	setTimeout(() => void warm(), 3_000).unref();
}
