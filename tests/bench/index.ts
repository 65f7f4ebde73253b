/**
 * `npm run bench` — runs every benchmark (or those named on the command line, e.g.
 * `npm run bench -- recommendation`), prints a table per benchmark and writes
 * bench-results/<name>.json.
 */
import { machineInfo, printMachine, repoRoot, report, type BenchResult } from './report';
import { chart } from './chart';
import { httpBench } from './http';
import { importBench } from './import';
import { map } from './map';
import { pilotage } from './pilotage';
import { pointToCommune } from './point-to-commune';
import { recommendation } from './recommendation';
import { recommendationHttp } from './recommendation-http';
import { start } from './start';
import { whatIf } from './what-if';

const BENCHMARKS: Record<string, () => Promise<BenchResult>> = {
	chart,
	http: httpBench,
	import: importBench,
	map,
	pilotage,
	'point-to-commune': pointToCommune,
	recommendation,
	'recommendation-http': recommendationHttp,
	start,
	'what-if': whatIf
};

async function main(): Promise<void> {
	const wanted = process.argv.slice(2);
	const unknown = wanted.filter((name) => !(name in BENCHMARKS));
	if (unknown.length > 0) {
		console.error(
			`Benchmark inconnu : ${unknown.join(', ')} (disponibles : ${Object.keys(BENCHMARKS).join(', ')})`
		);
		process.exit(2);
	}
	// The services resolve data files (seed, migrations) from the repository root.
	process.chdir(repoRoot);
	const machine = machineInfo();
	printMachine(machine);
	for (const [name, run] of Object.entries(BENCHMARKS)) {
		if (wanted.length > 0 && !wanted.includes(name)) continue;
		const started = Date.now();
		const result = await run();
		report(name, result, machine);
		console.log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
