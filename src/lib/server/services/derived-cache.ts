import type { Db } from '$lib/server/db/client';
import { isWatched, onCacheChange, type CacheName } from '$lib/server/db/notify';

/**
 * Answers derived from the database and kept per key (a territory's map points, say), dropped
 * whenever one of the views they are built from changes — a write of this server or, through
 * the database’s notifications, of another one (db/notify.ts): the remit index, the caseloads, a
 * territory’s map.
 *
 * Single flight: the requests asking for a key while it is built wait for that one build. A
 * build overtaken by a drop is answered to those who waited for it and not kept. A failed build
 * is not kept either. At most `maxEntries` keys are kept, the least recently asked going first:
 * a national instance has thousands of territories, and only a few maps open at a time.
 */
export class DerivedCache<T> {
	private readonly perDb = new WeakMap<Db, Map<string, Promise<T>>>();
	private readonly drops = new WeakMap<Db, number>();

	constructor(
		private readonly sources: readonly CacheName[],
		private readonly maxEntries: number
	) {}

	/** The value for the key, built if needed; built each time for a database not watched. */
	get(db: Db, key: string, build: () => Promise<T>): Promise<T> {
		const entries = this.entriesOf(db);
		if (!entries) return build();
		const found = entries.get(key);
		if (found) {
			// Most recently asked last: the first key is the one to drop.
			entries.delete(key);
			entries.set(key, found);
			return found;
		}
		const value = build();
		entries.set(key, value);
		value.catch(() => {
			if (entries.get(key) === value) entries.delete(key);
		});
		for (const oldest of entries.keys()) {
			if (entries.size <= this.maxEntries) break;
			entries.delete(oldest);
		}
		return value;
	}

	/** Counts the drops: read before reading the database for {@link offer}. */
	version(db: Db): number {
		this.entriesOf(db);
		return this.drops.get(db) ?? 0;
	}

	/**
	 * Keeps a value built from rows the caller read for itself (the map page's rows make its
	 * points too), unless one is kept or under way — and only if nothing was dropped since
	 * `version`, read before those rows: rows older than a write are not kept after it.
	 */
	offer(db: Db, key: string, version: number, build: () => Promise<T>): void {
		const entries = this.entriesOf(db);
		if (!entries || entries.has(key) || this.version(db) !== version) return;
		void this.get(db, key, build).catch(() => undefined);
	}

	private entriesOf(db: Db): Map<string, Promise<T>> | null {
		if (!isWatched(db)) return null;
		let entries = this.perDb.get(db);
		if (!entries) {
			const created = new Map<string, Promise<T>>();
			entries = created;
			this.perDb.set(db, created);
			onCacheChange(db, (name) => {
				if (!this.sources.includes(name)) return;
				created.clear();
				this.drops.set(db, (this.drops.get(db) ?? 0) + 1);
			});
		}
		return entries;
	}
}
