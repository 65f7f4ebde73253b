// The build's fingerprint: a hash of everything `vite build` reads. `npm run build` writes it
// beside the build; `npm start` rebuilds only when the checkout no longer matches it, so that a
// plain restart serves at once instead of rebuilding for a minute.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const STAMP = path.join(ROOT, 'build', '.source-hash');
const INPUTS = [
	'package.json',
	'package-lock.json',
	'svelte.config.js',
	'vite.config.ts',
	'tsconfig.json',
	'src',
	'static',
	'drizzle'
];

function files(relative) {
	const absolute = path.join(ROOT, relative);
	if (!fs.existsSync(absolute)) return [];
	if (!fs.statSync(absolute).isDirectory()) return [relative];
	return fs
		.readdirSync(absolute)
		.sort()
		.flatMap((name) => files(path.join(relative, name)));
}

export function sourceHash() {
	const hash = createHash('sha256');
	for (const file of INPUTS.flatMap(files)) {
		hash.update(`${file}\0`);
		hash.update(fs.readFileSync(path.join(ROOT, file)));
		hash.update('\0');
	}
	return hash.digest('hex');
}

export function buildIsCurrent() {
	try {
		return (
			fs.existsSync(path.join(ROOT, 'build', 'index.js')) &&
			fs.readFileSync(STAMP, 'utf8').trim() === sourceHash()
		);
	} catch {
		return false;
	}
}

export function writeStamp() {
	fs.writeFileSync(STAMP, `${sourceHash()}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	writeStamp();
}
