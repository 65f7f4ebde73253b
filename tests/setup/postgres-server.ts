/**
 * Global setup of the integration project: a real, throw-away PostgreSQL server (Debian
 * `postgresql` + `postgresql-contrib`, for pg_trgm and unaccent), so that every integration test
 * file runs once on PGlite and once on PostgreSQL (style.md, Tests). Temp data dir, free port,
 * trust authentication on 127.0.0.1 only; stopped and removed at the end of the run.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
	export interface ProvidedContext {
		/** Superuser URL of the test server (database `postgres`); tests create their own databases. */
		postgresUrl: string;
	}
}

const USER = 'bontiers';
const INSTALL_HINT =
	'Installez PostgreSQL et ses extensions (Debian/Ubuntu : apt-get install postgresql postgresql-contrib) : ' +
	'les tests d’intégration tournent aussi sur un vrai serveur PostgreSQL.';

/** The bin directory of the highest PostgreSQL version installed the Debian way. */
export function findPostgresBin(root = '/usr/lib/postgresql'): string {
	const versions = fs.existsSync(root)
		? fs
				.readdirSync(root)
				.filter((v) => /^\d+(\.\d+)?$/.test(v))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	for (const version of versions) {
		const bin = path.join(root, version, 'bin');
		if (['initdb', 'pg_ctl', 'postgres'].every((tool) => fs.existsSync(path.join(bin, tool)))) {
			return bin;
		}
	}
	throw new Error(`Aucun serveur PostgreSQL trouvé dans ${root}/*/bin. ${INSTALL_HINT}`);
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => (port ? resolve(port) : reject(new Error('aucun port libre'))));
		});
	});
}

/** PostgreSQL refuses to run as root: under root (CI containers), run its tools as `postgres`. */
function asServerUser(): { uid: number; gid: number } | null {
	if (process.getuid?.() !== 0) return null;
	const result = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
	const gidResult = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
	if (result.status !== 0 || gidResult.status !== 0) {
		throw new Error(
			`Les tests tournent en root et l’utilisateur système « postgres » n’existe pas : ` +
				`PostgreSQL refuse de démarrer en root. ${INSTALL_HINT}`
		);
	}
	return { uid: Number(result.stdout.trim()), gid: Number(gidResult.stdout.trim()) };
}

interface RunResult {
	code: number | null;
	output: string;
}

/** Runs a PostgreSQL tool (as `postgres` under root), with a timeout; stdout+stderr collected. */
function run(
	command: string,
	args: string[],
	options: { cwd: string; asPostgres: boolean; timeoutMs: number }
): Promise<RunResult> {
	const [file, argv] = options.asPostgres
		? ['runuser', ['-u', 'postgres', '--', command, ...args]]
		: [command, args];
	return new Promise((resolve, reject) => {
		const child = spawn(file, argv, {
			cwd: options.cwd,
			env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			output += `\n[délai de ${options.timeoutMs} ms dépassé]`;
		}, options.timeoutMs);
		child.once('error', (error) => {
			clearTimeout(timer);
			reject(new Error(`${file} n’a pas pu être lancé : ${error.message}`));
		});
		child.once('close', (code) => {
			clearTimeout(timer);
			resolve({ code, output });
		});
	});
}

function readLog(file: string): string {
	try {
		return fs.readFileSync(file, 'utf8').split('\n').slice(-40).join('\n');
	} catch {
		return '(pas de journal)';
	}
}

async function runOrThrow(
	what: string,
	command: string,
	args: string[],
	options: { cwd: string; asPostgres: boolean; timeoutMs: number },
	logFile?: string
): Promise<void> {
	const result = await run(command, args, options);
	if (result.code === 0) return;
	throw new Error(
		`${what} a échoué (code ${result.code}) : ${command} ${args.join(' ')}\n${result.output.trim()}` +
			(logFile ? `\n--- journal du serveur ---\n${readLog(logFile)}` : '')
	);
}

export default async function setup({ provide }: Pick<TestProject, 'provide'>) {
	const bin = findPostgresBin();
	const owner = asServerUser();
	const asPostgres = owner !== null;
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bontiers-pg-'));
	if (owner) fs.chownSync(tmp, owner.uid, owner.gid);
	const dataDir = path.join(tmp, 'data');
	const logFile = path.join(tmp, 'postgres.log');
	const tool = (name: string) => path.join(bin, name);
	const options = { cwd: tmp, asPostgres };
	let started = false;

	const stop = async () => {
		if (started) {
			started = false;
			const result = await run(
				tool('pg_ctl'),
				['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30'],
				{ ...options, timeoutMs: 40_000 }
			);
			if (result.code !== 0) {
				console.warn(`[postgres] arrêt difficile : ${result.output.trim()}`);
				spawnSync(
					asPostgres ? 'runuser' : tool('pg_ctl'),
					asPostgres
						? ['-u', 'postgres', '--', tool('pg_ctl'), 'stop', '-D', dataDir, '-m', 'immediate']
						: ['stop', '-D', dataDir, '-m', 'immediate'],
					{ cwd: tmp, timeout: 20_000 }
				);
			}
		}
		fs.rmSync(tmp, { recursive: true, force: true });
	};
	// If the runner dies without calling the teardown, do not leave a server behind.
	const onExit = () => {
		if (!started) return;
		spawnSync(
			asPostgres ? 'runuser' : tool('pg_ctl'),
			asPostgres
				? ['-u', 'postgres', '--', tool('pg_ctl'), 'stop', '-D', dataDir, '-m', 'immediate']
				: ['stop', '-D', dataDir, '-m', 'immediate'],
			{ cwd: tmp, timeout: 20_000 }
		);
		fs.rmSync(tmp, { recursive: true, force: true });
	};
	process.once('exit', onExit);

	try {
		const initdb = (locale: string) =>
			run(
				tool('initdb'),
				['-D', dataDir, '-U', USER, '--auth=trust', '-E', 'UTF8', `--locale=${locale}`],
				{ ...options, timeoutMs: 120_000 }
			);
		// C.UTF-8 so that lower() folds accented capitals (É → é) as on a production server;
		// plain C where that locale is missing.
		let init = await initdb('C.UTF-8');
		if (init.code !== 0) {
			fs.rmSync(dataDir, { recursive: true, force: true });
			init = await initdb('C');
		}
		if (init.code !== 0) {
			throw new Error(`initdb a échoué (code ${init.code}) :\n${init.output.trim()}`);
		}

		const port = await freePort();
		started = true;
		await runOrThrow(
			'Le démarrage de PostgreSQL',
			tool('pg_ctl'),
			[
				'start',
				'-D',
				dataDir,
				'-l',
				logFile,
				'-w',
				'-t',
				'60',
				'-o',
				`-p ${port} -k ${tmp} -c listen_addresses=127.0.0.1 -c fsync=off ` +
					'-c synchronous_commit=off -c full_page_writes=off -c max_connections=200'
			],
			{ ...options, timeoutMs: 90_000 },
			logFile
		);
		await waitForTcp(port, 30_000, logFile);

		provide('postgresUrl', `postgres://${USER}@127.0.0.1:${port}/postgres`);
	} catch (error) {
		await stop().catch(() => {});
		process.off('exit', onExit);
		throw error;
	}

	return async () => {
		process.off('exit', onExit);
		await stop();
	};
}

/** pg_ctl -w already waits for the server; this also checks the TCP listener tests will use. */
async function waitForTcp(port: number, timeoutMs: number, logFile: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const ok = await new Promise<boolean>((resolve) => {
			const socket = net.connect(port, '127.0.0.1');
			socket.once('connect', () => {
				socket.destroy();
				resolve(true);
			});
			socket.once('error', () => resolve(false));
		});
		if (ok) return;
		if (Date.now() > deadline) {
			throw new Error(
				`PostgreSQL n’écoute pas sur 127.0.0.1:${port} après ${timeoutMs} ms.\n${readLog(logFile)}`
			);
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}
