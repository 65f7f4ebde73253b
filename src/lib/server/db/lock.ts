import fs from 'node:fs';
import path from 'node:path';

export interface DataDirLock {
	release(): void;
}

interface LockContent {
	pid: number;
	role: 'server' | 'cli';
	url?: string;
	since: string;
}

export class DataDirBusyError extends Error {
	constructor(
		readonly dataDir: string,
		readonly holder: LockContent
	) {
		const who =
			holder.role === 'server'
				? `le serveur Bon Tiers (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''})`
				: `une autre commande (pid ${holder.pid})`;
		super(
			`Le dossier de données ${dataDir} est déjà ouvert par ${who} depuis ${holder.since}. ` +
				`La base embarquée n’accepte qu’un processus à la fois : arrêtez-le d’abord, ` +
				`ou partagez une base PostgreSQL avec DATABASE_URL.`
		);
		this.name = 'DataDirBusyError';
	}
}

/** What the system said, in words for the person who set DATA_DIR. */
const UNWRITABLE: Record<string, string> = {
	EROFS: 'le système de fichiers est en lecture seule',
	EACCES: 'les droits ne permettent pas d’y écrire',
	EPERM: 'les droits ne permettent pas d’y écrire',
	ENOSPC: 'le disque est plein',
	EDQUOT: 'le quota du disque est atteint',
	ENOTDIR: 'un élément du chemin est un fichier, pas un dossier',
	EEXIST: 'un fichier porte déjà ce nom'
};

/** DATA_DIR cannot hold the embedded database: said plainly, without a stack trace. */
export class DataDirUnwritableError extends Error {
	constructor(
		readonly dataDir: string,
		readonly code: string
	) {
		super(
			`Le dossier de données ${dataDir} n’est pas utilisable : ${UNWRITABLE[code] ?? code} (${code}). ` +
				'Choisissez avec DATA_DIR un dossier où Bon Tiers peut écrire, ' +
				'ou une base PostgreSQL avec DATABASE_URL.'
		);
		this.name = 'DataDirUnwritableError';
	}
}

/** Turns a file-system refusal on the data dir into DataDirUnwritableError. */
export function explainDataDirError(error: unknown, dataDir: string): unknown {
	const code = (error as NodeJS.ErrnoException | null)?.code;
	return code && code in UNWRITABLE ? new DataDirUnwritableError(dataDir, code) : error;
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		// EPERM: the process exists but belongs to someone else.
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * Takes the data directory for this process. A lock left by a dead process is taken over; a live
 * holder makes this throw at once with its pid and role, so the CLI never opens the directory
 * beside a running server.
 */
export function acquireDataDirLock(
	dataDir: string,
	owner: { role: 'server' | 'cli'; url?: string }
): DataDirLock {
	try {
		fs.mkdirSync(dataDir, { recursive: true });
	} catch (error) {
		throw explainDataDirError(error, dataDir);
	}
	const file = path.join(dataDir, 'bon-tiers.lock');
	const content: LockContent = { pid: process.pid, ...owner, since: new Date().toISOString() };
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			fs.writeFileSync(file, JSON.stringify(content), { flag: 'wx' });
			let released = false;
			return {
				release() {
					if (released) return;
					released = true;
					fs.rmSync(file, { force: true });
				}
			};
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
				throw explainDataDirError(error, dataDir);
			let holder: LockContent | undefined;
			try {
				holder = JSON.parse(fs.readFileSync(file, 'utf8')) as LockContent;
			} catch {
				holder = undefined;
			}
			if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
				throw new DataDirBusyError(dataDir, holder);
			}
			// Stale lock (crashed process): remove it and try once more.
			fs.rmSync(file, { force: true });
		}
	}
	throw new Error(`Impossible de verrouiller le dossier de données ${dataDir}`);
}
