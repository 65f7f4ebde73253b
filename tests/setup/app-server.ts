import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { E2eData } from './e2e-accounts';

/**
 * Global setup of the browser tests: the production build (`node build`) on a fresh embedded
 * database, so the tests see what a deployment sees — first-start migration, geography and the demo
 * territory included. The build is not made here: `npm run build` comes first (see `npm test`).
 * Before the server starts, e2e-data.ts adds a second territory, one account per role and API
 * tokens to the data dir; the tests get them with `inject('e2e')`.
 */

declare module 'vitest' {
	export interface ProvidedContext {
		baseUrl: string;
		/** Accounts (with their password) and API tokens of this run. */
		e2e: E2eData;
	}
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILD_DIR = path.join(ROOT, 'build');
const BUILD_ENTRY = path.join(BUILD_DIR, 'index.js');
const LOG_DIR = path.join(ROOT, 'test-results');
// A copy of the build, inside the project so that its imports still resolve to node_modules: the
// server loads its route modules lazily, and a `npm run build` during the run would replace them.
// One copy and one log per run: two runs at once (two terminals, or CI beside a developer) must
// not delete each other's server files.
const BUILD_SNAPSHOT = path.join(LOG_DIR, `e2e-build-${process.pid}`);
const LOG_FILE = path.join(LOG_DIR, `app-server-${process.pid}.log`);
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const DATA_SCRIPT = path.join(ROOT, 'tests', 'setup', 'e2e-data.ts');
// The first start loads ~35k communes and the boundaries of the Bouches-du-Rhône.
const START_TIMEOUT_MS = 120_000;
const PREPARE_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => {
				if (address && typeof address === 'object') resolve(address.port);
				else reject(new Error('aucun port libre'));
			});
		});
	});
}

function exited(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => child.once('exit', () => resolve()));
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
	const deadline = Date.now() + START_TIMEOUT_MS;
	let lastError = '';
	while (Date.now() < deadline) {
		if (child.exitCode !== null || child.signalCode !== null) {
			throw new Error(
				`le serveur s'est arrêté au démarrage (code ${child.exitCode ?? child.signalCode})`
			);
		}
		try {
			const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
			await response.arrayBuffer();
			if (response.status < 500) return;
			lastError = `HTTP ${response.status}`;
		} catch (error) {
			lastError = error instanceof Error ? error.message : String(error);
		}
		await sleep(250);
	}
	throw new Error(`le serveur ne répond pas après ${START_TIMEOUT_MS / 1000} s (${lastError})`);
}

/**
 * Runs e2e-data.ts on the (not yet served) data dir and reads the credentials it prints. A fresh
 * passphrase per run: nothing in the repository can sign in to a test instance.
 */
function prepareData(env: NodeJS.ProcessEnv): Promise<E2eData> {
	const password = `e2e-${randomBytes(18).toString('base64url')}`;
	return new Promise((resolve, reject) => {
		const child = spawn(TSX, ['--tsconfig', 'tsconfig.cli.json', DATA_SCRIPT], {
			cwd: ROOT,
			env: { ...env, E2E_PASSWORD: password },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const timer = setTimeout(() => child.kill('SIGKILL'), PREPARE_TIMEOUT_MS);
		child.once('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.once('close', (code) => {
			clearTimeout(timer);
			const last = stdout.trim().split('\n').at(-1) ?? '';
			if (code !== 0 || !last.startsWith('{')) {
				reject(new Error(`préparation des données e2e en échec (code ${code}) :\n${stderr}`));
				return;
			}
			resolve(JSON.parse(last) as E2eData);
		});
	});
}

function printLog(): void {
	try {
		const log = fs.readFileSync(LOG_FILE, 'utf8');
		console.error(`--- ${path.relative(ROOT, LOG_FILE)} ---\n${log}\n--- fin du journal ---`);
	} catch {
		// No log yet: nothing more to show than the error itself.
	}
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	if (!fs.existsSync(BUILD_ENTRY)) {
		throw new Error(`${path.relative(ROOT, BUILD_ENTRY)} absent : run npm run build first`);
	}
	fs.mkdirSync(LOG_DIR, { recursive: true });
	fs.rmSync(BUILD_SNAPSHOT, { recursive: true, force: true });
	fs.cpSync(BUILD_DIR, BUILD_SNAPSHOT, { recursive: true });
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bon-tiers-e2e-'));
	const port = await freePort();
	const baseUrl = `http://127.0.0.1:${port}`;
	const log = fs.createWriteStream(LOG_FILE);
	await new Promise<void>((resolve, reject) => {
		log.once('open', () => resolve());
		log.once('error', reject);
	});

	const env: NodeJS.ProcessEnv = {
		...process.env,
		NODE_ENV: 'production',
		DATA_DIR: dataDir,
		PORT: String(port),
		HOST: '127.0.0.1',
		SEED_DEMO: 'true',
		// The browser tests stay in the Bouches-du-Rhône: loading the rest of France beside them
		// would only compete for the two cores (a territory elsewhere still loads its own).
		BOUNDARIES_BACKGROUND: 'false'
	};
	// The tests run against the embedded database, whatever the developer's shell points at; and
	// with neither ORIGIN nor BODY_SIZE_LIMIT, as a deployment that follows the README: the app's
	// own defaults (ORIGIN = http://HOST:PORT, body limits) are what is tested.
	delete env.DATABASE_URL;
	delete env.ORIGIN;
	delete env.BODY_SIZE_LIMIT;

	let data: E2eData;
	try {
		data = await prepareData(env);
	} catch (error) {
		log.end();
		fs.rmSync(dataDir, { recursive: true, force: true });
		fs.rmSync(BUILD_SNAPSHOT, { recursive: true, force: true });
		throw error;
	}

	const child = spawn(process.execPath, [path.join(BUILD_SNAPSHOT, 'index.js')], {
		cwd: ROOT,
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	child.stdout?.pipe(log, { end: false });
	child.stderr?.pipe(log, { end: false });

	/** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS; says whether the server stopped in time. */
	async function stop(): Promise<boolean> {
		let inTime = true;
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGTERM');
			inTime = await Promise.race([
				exited(child).then(() => true),
				sleep(STOP_TIMEOUT_MS).then(() => false)
			]);
			if (!inTime) {
				child.kill('SIGKILL');
				await exited(child);
			}
		}
		await new Promise<void>((resolve) => log.end(() => resolve()));
		fs.rmSync(dataDir, { recursive: true, force: true });
		fs.rmSync(BUILD_SNAPSHOT, { recursive: true, force: true });
		return inTime;
	}

	try {
		await waitUntilReady(`${baseUrl}/`, child);
	} catch (error) {
		await stop();
		printLog();
		throw error;
	}

	project.provide('baseUrl', baseUrl);
	project.provide('e2e', data);

	return async () => {
		const code = child.exitCode;
		const inTime = await stop();
		if (code !== null) {
			printLog();
			throw new Error(`le serveur s'est arrêté pendant les tests (code ${code})`);
		}
		if (!inTime) {
			printLog();
			throw new Error(
				`le serveur ne s'est pas arrêté dans les ${STOP_TIMEOUT_MS / 1000} s après SIGTERM`
			);
		}
	};
}
