// `npm start`: build when the checkout changed since the last build, then serve it in this very
// process (`node build`), so that SIGTERM/SIGINT reach adapter-node's graceful shutdown directly.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, buildIsCurrent, writeStamp } from './build-stamp.mjs';
import { writeTemplate } from './pglite-template.mjs';

if (!buildIsCurrent()) {
	console.log('[bon-tiers] Construction de l’application (vite build)…');
	const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
	const result = spawnSync(process.execPath, [vite, 'build'], { cwd: ROOT, stdio: 'inherit' });
	if (result.status !== 0) {
		console.error('[bon-tiers] La construction a échoué : voir les messages ci-dessus.');
		process.exit(result.status ?? 1);
	}
	writeStamp();
	await writeTemplate();
}
await import(pathToFileURL(path.join(ROOT, 'build', 'index.js')).href);
