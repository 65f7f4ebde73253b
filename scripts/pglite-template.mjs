// The embedded database's empty cluster, made once at build time: PGlite's initdb takes 4 to 5
// seconds of a first start on a 2-core machine, loading this archive of its result about one
// (issue 17: a first start on an empty DATA_DIR within 10 s). Only the cluster, no migration and
// no data: it depends on PGlite's version and extensions alone, which it is stamped with; the
// app's migrations still run at start as on any database. `npm run build` and `npm start`'s
// build write it; db/client.ts uses it when it matches, and runs initdb otherwise.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { ROOT } from './build-stamp.mjs';

export const TEMPLATE = path.join(ROOT, 'build', 'pglite-template.tar.gz');

/** PGlite's version as installed (its package.json is not exported: read as a file). */
export function pgliteVersion(root = ROOT) {
	const file = path.join(root, 'node_modules', '@electric-sql', 'pglite', 'package.json');
	return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

export async function writeTemplate() {
	const started = performance.now();
	const client = await PGlite.create({ extensions: { pg_trgm, unaccent } });
	try {
		const archive = await client.dumpDataDir('gzip');
		fs.mkdirSync(path.dirname(TEMPLATE), { recursive: true });
		fs.writeFileSync(TEMPLATE, Buffer.from(await archive.arrayBuffer()));
		fs.writeFileSync(`${TEMPLATE}.json`, JSON.stringify({ pglite: pgliteVersion() }));
	} finally {
		await client.close();
	}
	console.log(
		`[bon-tiers] Base embarquée vierge préparée (${Math.round(performance.now() - started)} ms).`
	);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await writeTemplate();
