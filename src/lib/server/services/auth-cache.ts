import type { Db } from '$lib/server/db/client';
import { isWatched, onCacheChange } from '$lib/server/db/notify';
import type { Principal } from '$lib/server/auth/principal';

/**
 * Who holds a session cookie or an API token, remembered by this process per database (issue
 * 17): without it, every page view and API call read the session or token, the account, its
 * territories and its structures — three to four queries before the route's own work.
 *
 * The database stays the truth. Everything an answer depends on (a session's end, a token's
 * revocation, role or territories, an account's role, territories, memberships or disabling) is
 * noted by migration 0011's triggers under `auth`, and every server listening on the database
 * drops all of this at that commit (db/notify.ts): revoked on one server, refused by all within
 * the notification's delay. What is not noted — a session's `last_seen_at`, a token's
 * `last_used_at`, both touched once a minute — is kept here as this process last saw or wrote it.
 *
 * Only what the database accepted is remembered: an unknown token is looked up each time, so a
 * stream of made-up tokens cannot fill the memory. A database that is not watched (a transaction,
 * a handle opened elsewhere) has no way to learn of changes and gets nothing remembered.
 */

export interface CachedSession {
	principal: Principal;
	expiresAt: Date;
	/** Last activity as this process knows it (ms): another server may have seen a later one. */
	lastSeenAt: number;
}

export interface CachedToken {
	principal: Principal;
	/** Last use as this process knows it (ms), null if never. */
	lastUsedAt: number | null;
}

interface AuthView {
	generation: number;
	sessions: Map<string, CachedSession>;
	tokens: Map<string, CachedToken>;
}

/** Beyond this many entries a map starts again empty: a bound, not an eviction policy. */
const MAX_ENTRIES = 50_000;

const views = new WeakMap<Db, AuthView>();

function viewOf(db: Db): AuthView | null {
	if (!isWatched(db)) return null;
	let view = views.get(db);
	if (!view) {
		const created: AuthView = { generation: 0, sessions: new Map(), tokens: new Map() };
		view = created;
		views.set(db, created);
		onCacheChange(db, (name) => {
			if (name !== 'auth') return;
			created.generation++;
			created.sessions.clear();
			created.tokens.clear();
		});
	}
	return view;
}

/**
 * The generation to pass to {@link rememberSession} / {@link rememberToken}, read before the
 * lookup: an answer read from the database across a change is not remembered.
 */
export function authGeneration(db: Db): number | null {
	return viewOf(db)?.generation ?? null;
}

export function cachedSession(db: Db, tokenHash: string): CachedSession | undefined {
	return viewOf(db)?.sessions.get(tokenHash);
}

export function rememberSession(
	db: Db,
	generation: number | null,
	tokenHash: string,
	entry: CachedSession
): void {
	const view = viewOf(db);
	if (!view || generation === null || view.generation !== generation) return;
	if (view.sessions.size >= MAX_ENTRIES) view.sessions.clear();
	view.sessions.set(tokenHash, entry);
}

export function forgetSession(db: Db, tokenHash: string): void {
	viewOf(db)?.sessions.delete(tokenHash);
}

export function cachedToken(db: Db, tokenHash: string): CachedToken | undefined {
	return viewOf(db)?.tokens.get(tokenHash);
}

export function rememberToken(
	db: Db,
	generation: number | null,
	tokenHash: string,
	entry: CachedToken
): void {
	const view = viewOf(db);
	if (!view || generation === null || view.generation !== generation) return;
	if (view.tokens.size >= MAX_ENTRIES) view.tokens.clear();
	view.tokens.set(tokenHash, entry);
}
