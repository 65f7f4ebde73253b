import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';

/** One line of a benchmark's result table: column → value (null when not applicable). */
export type BenchRow = Record<string, string | number | null>;

export interface BenchResult {
	rows: BenchRow[];
	/** How the figures were measured, printed under the table and kept in the JSON. */
	notes?: string[];
}

export interface MachineInfo {
	cpu: string;
	cores: number;
	memoryGb: number;
	node: string;
	os: string;
}

export function machineInfo(): MachineInfo {
	const cpus = os.cpus();
	return {
		cpu: cpus[0]?.model.trim() ?? 'unknown',
		cores: cpus.length,
		memoryGb: Math.round(os.totalmem() / 2 ** 30),
		node: process.version,
		os: `${os.type()} ${os.release()} ${os.arch()}`
	};
}

export function printMachine(machine: MachineInfo): void {
	console.log(
		`Machine: ${machine.cpu} — ${machine.cores} cores, ${machine.memoryGb} GB — Node ${machine.node} — ${machine.os}`
	);
}

/** Root of the repository (tests/bench/ is two levels below it). */
export const repoRoot = path.resolve(import.meta.dirname, '../..');

/**
 * A row's identity across runs: its leading text columns (the case it measures: a stage, and its
 * scope when the same stage is measured in several).
 */
export function rowKey(row: BenchRow): string {
	const values = Object.values(row);
	const end = values.findIndex((v) => typeof v !== 'string');
	return values.slice(0, end === -1 ? values.length : end).join(' | ');
}

/**
 * The rows with, beside each figure, the same figure of the previous results (the committed
 * bench-results/<name>.json), so that a regression shows in the table itself. Rows are matched by
 * their leading text columns ({@link rowKey}); a figure the previous run had not is left alone.
 */
export function besidePrevious(
	rows: readonly BenchRow[],
	previous: readonly BenchRow[]
): BenchRow[] {
	const before = new Map(previous.map((row) => [rowKey(row), row]));
	return rows.map((row) => {
		const old = before.get(rowKey(row));
		const out: BenchRow = {};
		for (const [column, value] of Object.entries(row)) {
			out[column] = value;
			const was = old?.[column];
			if (typeof value === 'number' && typeof was === 'number') out[`${column} (avant)`] = was;
		}
		return out;
	});
}

function readPrevious(file: string): { date?: string; rows: BenchRow[] } | null {
	try {
		const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as {
			date?: string;
			rows?: BenchRow[];
		};
		return Array.isArray(parsed.rows) ? { date: parsed.date, rows: parsed.rows } : null;
	} catch {
		return null;
	}
}

/**
 * Prints the table, each figure beside the previous run's, and writes bench-results/<name>.json
 * (committed: the next run, on another machine or after a change, compares with it).
 */
export function report(name: string, result: BenchResult, machine: MachineInfo): string {
	const dir = path.join(repoRoot, 'bench-results');
	const file = path.join(dir, `${name}.json`);
	const previous = readPrevious(file);
	console.log(`\n=== ${name} ===`);
	console.table(previous ? besidePrevious(result.rows, previous.rows) : result.rows);
	if (previous?.date) console.log(`  « (avant) » : résultats du ${previous.date}`);
	for (const note of result.notes ?? []) console.log(`  · ${note}`);
	fs.mkdirSync(dir, { recursive: true });
	const payload = { name, date: new Date().toISOString(), machine, ...result };
	fs.writeFileSync(file, JSON.stringify(payload, null, '\t') + '\n');
	console.log(`  → ${path.relative(process.cwd(), file)}`);
	return file;
}

/* ---------- Small helpers shared by the benchmarks ---------- */

/** Deterministic PRNG (mulberry32): same seed, same points, run after run. */
export function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** The p-th percentile (0..100) of values already sorted ascending (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
	if (sorted.length === 0) return NaN;
	const rank = Math.ceil((p / 100) * sorted.length) - 1;
	return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

/** Wall time of fn in milliseconds, with its result. */
export async function timed<T>(fn: () => T | Promise<T>): Promise<{ ms: number; value: T }> {
	const start = process.hrtime.bigint();
	const value = await fn();
	return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

export function round(value: number, digits = 1): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}

export interface Stats {
	p50: number;
	p95: number;
	max: number;
}

/** p50/p95/max of `runs` timed calls of `run`, after `warmup` untimed ones. */
export async function measureRuns(
	run: () => unknown,
	runs: number,
	warmup: number
): Promise<Stats> {
	for (let i = 0; i < warmup; i++) await run();
	const times: number[] = [];
	for (let i = 0; i < runs; i++) times.push((await timed(run)).ms);
	times.sort((a, b) => a - b);
	return { p50: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1) as number };
}

/**
 * A full garbage collection now, so that a process's RSS read after it is what it holds rather
 * than what the collector has not yet reclaimed: `gc` exists only under `--expose-gc`, which the
 * bench's command (tsx) does not pass; V8 lets it be switched on at run time and fetched from a
 * new context (the flag applies to contexts made after it).
 */
let gcFunction: (() => void) | null = null;
export function collectGarbage(): void {
	if (!gcFunction) {
		v8.setFlagsFromString('--expose-gc');
		gcFunction = vm.runInNewContext('gc') as () => void;
	}
	gcFunction();
}
