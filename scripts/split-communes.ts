/**
 * Splits the national boundary file into one gzipped GeoJSON per département, the files the
 * instance ships in src/lib/server/seed/communes/ and loads département by département (in the
 * background after the first start, or at once for a territory that needs one):
 *
 *   npm run geo:split -- ../shared/data/geo/communes-france.geojson.gz
 *
 * Source: IGN Admin Express COG 2018 via gregoiredavid/france-geojson, simplified (see the
 * README's data sources). The Bouches-du-Rhône stays in communes-13.geojson, loaded at the first
 * start itself, so it is not written again. Features keep their `code` and `nom` and nothing else;
 * the output is the same for the same input (code order, gzip without a timestamp).
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { splitByDepartment } from '$lib/geo/departments';
import { readGeojsonFile } from '$lib/server/services/geography';
import { absorbingCommune } from '$lib/server/services/reference';

/** Shipped on their own and loaded at the first start: not written again here. */
const SHIPPED_APART = new Set(['13']);

interface Feature {
	type: 'Feature';
	properties: { code: string; nom?: string };
	geometry: unknown;
}

const [input, output = 'src/lib/server/seed/communes'] = process.argv.slice(2);
if (!input) {
	console.error('Usage : npm run geo:split -- communes-france.geojson.gz [dossier de sortie]');
	process.exit(2);
}

const collection = readGeojsonFile(input) as { features: Feature[] };
const split = splitByDepartment(collection.features, absorbingCommune);
fs.mkdirSync(output, { recursive: true });
let files = 0;
let features = 0;
let bytes = 0;
for (const [department, list] of split) {
	if (SHIPPED_APART.has(department)) continue;
	const text = JSON.stringify({
		type: 'FeatureCollection',
		features: list.map((f) => ({
			type: 'Feature',
			properties: { code: f.properties.code, nom: f.properties.nom },
			geometry: f.geometry
		}))
	});
	const gz = gzipSync(text, { level: 9 });
	fs.writeFileSync(path.join(output, `${department}.geojson.gz`), gz);
	files++;
	features += list.length;
	bytes += gz.length;
}
console.error(
	`${files} fichiers écrits dans ${output} (${features} communes, ${(bytes / 1e6).toFixed(1)} Mo) ; ` +
		`laissés à part : ${[...SHIPPED_APART].map((d) => `${d} (${split.get(d)?.length ?? 0} communes)`).join(', ')}.`
);
