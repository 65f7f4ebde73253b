import { spawn } from 'node:child_process';
import path from 'node:path';

export interface CliResult {
	code: number | null;
	stdout: string;
	stderr: string;
	/** Wall time of the child process, in milliseconds. */
	ms: number;
}

const TSX = path.resolve('node_modules/.bin/tsx');
const MAIN = 'src/lib/server/cli/main.ts';

/**
 * Runs the command line as a user would (`npm run cli -- …`, i.e. tsx on the CLI entry point) in
 * a child process. `env` is added to a copy of this process' environment, minus the database
 * settings, so a test says exactly which database the CLI uses.
 */
export function runCli(
	args: string[],
	env: Record<string, string>,
	timeoutMs = 120_000
): Promise<CliResult> {
	const base = { ...process.env };
	delete base.DATABASE_URL;
	delete base.DATA_DIR;
	const started = performance.now();
	return new Promise((resolve, reject) => {
		const child = spawn(TSX, ['--tsconfig', 'tsconfig.cli.json', MAIN, ...args], {
			cwd: process.cwd(),
			env: { ...base, ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.once('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.once('close', (code) => {
			clearTimeout(timer);
			resolve({ code, stdout, stderr, ms: performance.now() - started });
		});
	});
}
