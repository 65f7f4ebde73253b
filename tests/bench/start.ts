import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { freePort, linkedCheckout } from '../helpers/checkout';
import { repoRoot, type BenchResult, type BenchRow } from './report';

/**
 * `npm start` as the README runs it, from process start to the first page answered: a first
 * start on an empty data dir (migrations, geography, demo territory) and plain restarts on the
 * data it left, the build being current (so neither rebuilds). Runs in a folder of links to the
 * checkout, with its own `./data`, on a free port.
 */

const RUNS = 5;

async function startOnce(cwd: string, port: number): Promise<{ ms: number; rebuilt: boolean }> {
	const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
	for (const name of ['ORIGIN', 'DATA_DIR', 'HOST', 'DATABASE_URL', 'NODE_ENV']) delete env[name];
	const started = performance.now();
	const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd, env, stdio: 'pipe' });
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
	try {
		for (;;) {
			if (child.exitCode !== null) throw new Error(`le serveur s'est arrêté :\n${output}`);
			try {
				const response = await fetch(`http://localhost:${port}/connexion`);
				await response.arrayBuffer();
				if (response.status === 200) break;
			} catch {
				// Not listening yet.
			}
			await new Promise((resolve) => setTimeout(resolve, 25));
		}
		return {
			ms: performance.now() - started,
			rebuilt: output.includes('Construction de l’application')
		};
	} finally {
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGTERM');
		await exited;
	}
}

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] as number;
};

export async function start(): Promise<BenchResult> {
	const rows: BenchRow[] = [];
	const first: number[] = [];
	const restart: number[] = [];
	let rebuilt = false;
	for (let run = 0; run < RUNS; run++) {
		const cwd = linkedCheckout(repoRoot);
		try {
			const port = await freePort();
			const a = await startOnce(cwd, port);
			const b = await startOnce(cwd, port);
			rebuilt ||= a.rebuilt || b.rebuilt;
			first.push(a.ms);
			restart.push(b.ms);
		} finally {
			fs.rmSync(cwd, { recursive: true, force: true });
		}
	}
	for (const [what, values] of [
		['first start (empty data dir)', first],
		['restart (same data)', restart]
	] as const) {
		rows.push({
			what,
			runs: values.length,
			'min ms': Math.round(Math.min(...values)),
			'median ms': Math.round(median(values)),
			'max ms': Math.round(Math.max(...values))
		});
	}
	return {
		rows,
		notes: [
			'process start → GET /connexion answers 200, `node scripts/start.mjs` (what npm start runs)',
			rebuilt
				? 'the build was not current: these runs include a vite build'
				: 'the build was current: no run rebuilt',
			`first/restart median ratio ${(median(first) / median(restart)).toFixed(1)}×`
		]
	};
}
