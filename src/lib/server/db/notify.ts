/**
 * The in-memory views a server derives from the database, and how it learns they changed.
 *
 * Each view is named by what it is built from (migration 0011): `remit` (structures, their
 * coverage, territories and their communes, rules), `caseload` (orientations, members),
 * `geography` (the boundaries' version row), `auth` (sessions, tokens, accounts and their territories). A trigger
 * notifies the channel below with the view's name at the commit of any change, and every
 * server listening on the database, this one included, drops that view. A service that writes
 * also says so itself once its transaction is over ({@link cacheChanged}), because a
 * notification travels on its own connection with PostgreSQL and may arrive a moment after the
 * write's promise resolves: the next request of the same process must already see the change.
 */
export type CacheName = 'remit' | 'caseload' | 'geography' | 'auth';

export const CACHE_CHANNEL = 'bon_tiers_cache';
const NAMES: readonly CacheName[] = ['remit', 'caseload', 'geography', 'auth'];

type Handler = (name: CacheName) => void;

interface Hub {
	handlers: Set<Handler>;
}

// Keyed by the Db handle (typed `object` here: client.ts imports this module, not the reverse).
type Db = object;
const hubs = new WeakMap<Db, Hub>();

/**
 * Called by openDatabase once it listens on {@link CACHE_CHANNEL}. A Db without a hub (a
 * transaction's handle, a database opened elsewhere) has no way to learn of changes: the views
 * are not kept for it (see {@link isWatched}).
 */
export function watchDatabase(db: Db): (payload: string | null) => void {
	const hub: Hub = { handlers: new Set() };
	hubs.set(db, hub);
	return (payload) => {
		// A null payload: the listening connection was (re)established, so notifications may have
		// been missed while it was down. Every view is dropped.
		const names = payload === null ? NAMES : NAMES.filter((n) => n === payload);
		for (const name of names) for (const handler of hub.handlers) handler(name);
	};
}

export function isWatched(db: Db): boolean {
	return hubs.has(db);
}

/** Subscribes to the views' changes on this database; returns the unsubscription. */
export function onCacheChange(db: Db, handler: Handler): () => void {
	const hub = hubs.get(db);
	if (!hub) return () => {};
	hub.handlers.add(handler);
	return () => hub.handlers.delete(handler);
}

/** A write of this process is committed: its views are dropped now, not at the notification. */
export function cacheChanged(db: Db, ...names: CacheName[]): void {
	const hub = hubs.get(db);
	if (!hub) return;
	for (const name of names) for (const handler of hub.handlers) handler(name);
}
