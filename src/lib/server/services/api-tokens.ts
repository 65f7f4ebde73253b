import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, isNull, type SQL } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { apiTokenTerritories, apiTokens } from '$lib/server/db/schema';
import { randomSecret, sha256 } from '$lib/server/auth/crypto';
import type { Caller, Principal } from '$lib/server/auth/principal';
import { hasRole, isRole, type Role } from '$lib/domain/roles';
import { TokenCreateSchema } from '$lib/schemas/account';
import { issuesOf } from '$lib/schemas/zod';
import { audit } from './audit';
import { authGeneration, cachedToken, rememberToken } from './auth-cache';
import { checkGrant, requireRole, withinScope } from './grants';
import { structureGrant } from './structure-grants';
import { AccountError } from './users';

/** Prefix so a leaked token is recognisable (secret scanners, logs). */
const PREFIX = 'bt_';

export interface TokenSummary {
	id: string;
	name: string;
	role: Role;
	territories: string[];
	createdAt: Date;
	lastUsedAt: Date | null;
	revokedAt: Date | null;
}

/**
 * Creates an API token, on behalf of an administrator (or the command line); the token itself is
 * returned once and only its hash is kept. The caller gives no more than it holds (a role up to its
 * own, territories among its own: a scoped caller cannot mint one for every territory). Audited in
 * the same transaction.
 */
export async function createApiToken(
	db: Db,
	caller: Caller,
	input: unknown
): Promise<{ token: string; summary: TokenSummary }> {
	requireRole(caller, 'admin');
	const parsed = TokenCreateSchema.safeParse(input);
	if (!parsed.success) throw new AccountError(issuesOf(parsed.error));
	const { name, role, structure } = parsed.data;
	let ids = parsed.data.territories;
	if (structure !== undefined) {
		// A structure's token reads what its structure's members read: given no territory, it is
		// scoped to its structure's (not every territory, as a token given none is).
		const grant = await structureGrant(db, caller, [structure], 'structure');
		if (grant.issues.length > 0) throw new AccountError(grant.issues);
		if (ids.length === 0) ids = grant.territories;
	}
	await checkGrant(db, caller, role, ids, (kind, issues) => new AccountError(issues, kind));
	const token = PREFIX + randomSecret(32);
	const id = randomUUID();
	await db.transaction(async (tx) => {
		await tx.insert(apiTokens).values({
			id,
			name,
			tokenHash: sha256(token),
			role,
			structureId: structure ?? null,
			createdBy: caller.principal.type === 'system' ? null : caller.principal.id
		});
		if (ids.length > 0) {
			await tx
				.insert(apiTokenTerritories)
				.values(ids.map((territoryId) => ({ tokenId: id, territoryId })));
		}
		await audit(tx as unknown as Db, {
			actor: caller.principal,
			action: 'admin.token_create',
			outcome: 'success',
			target: { type: 'token', id },
			ip: caller.ip,
			details: {
				role,
				territories: [...ids].sort().join(',') || null,
				...(structure ? { structure } : {})
			}
		});
	});
	const [summary] = await tokenSummaries(db, eq(apiTokens.id, id));
	return { token, summary: summary as TokenSummary };
}

async function tokenSummaries(db: Db, where?: SQL): Promise<TokenSummary[]> {
	const rows = await db.select().from(apiTokens).where(where).orderBy(desc(apiTokens.createdAt));
	const links =
		rows.length === 0
			? []
			: await db
					.select()
					.from(apiTokenTerritories)
					.where(
						where
							? inArray(
									apiTokenTerritories.tokenId,
									rows.map((r) => r.id)
								)
							: undefined
					);
	const byToken = new Map<string, string[]>();
	for (const l of links) byToken.set(l.tokenId, [...(byToken.get(l.tokenId) ?? []), l.territoryId]);
	return rows.map((t) => ({
		id: t.id,
		name: t.name,
		role: isRole(t.role) ? t.role : 'partner',
		territories: (byToken.get(t.id) ?? []).sort(),
		createdAt: t.createdAt,
		lastUsedAt: t.lastUsedAt,
		revokedAt: t.revokedAt
	}));
}

/** The tokens the caller administers: all for an unscoped admin, else those within its territories. */
export async function listApiTokens(db: Db, caller: Caller): Promise<TokenSummary[]> {
	requireRole(caller, 'admin');
	return (await tokenSummaries(db)).filter((t) => withinScope(caller, t.territories));
}

/**
 * Revokes a token the caller administers. Unknown, outside its scope (the same answer) or already
 * revoked: `not_found`, nothing written. Audited in the same transaction.
 */
export async function revokeApiToken(db: Db, caller: Caller, id: string): Promise<void> {
	requireRole(caller, 'admin');
	const gone = () =>
		new AccountError([{ path: 'id', message: 'jeton introuvable ou déjà révoqué' }], 'not_found');
	const [token] = await tokenSummaries(db, eq(apiTokens.id, id));
	if (!token || !withinScope(caller, token.territories)) throw gone();
	if (!hasRole(caller.principal.role, token.role)) throw gone();
	await db.transaction(async (tx) => {
		const revoked = await tx
			.update(apiTokens)
			.set({ revokedAt: new Date() })
			.where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
			.returning({ id: apiTokens.id });
		if (revoked.length === 0) throw gone();
		await audit(tx as unknown as Db, {
			actor: caller.principal,
			action: 'admin.token_revoke',
			outcome: 'success',
			target: { type: 'token', id },
			ip: caller.ip
		});
	});
}

/** The principal behind a bearer token, or null when unknown or revoked. */
export async function authenticateApiToken(db: Db, token: string): Promise<Principal | null> {
	if (!token.startsWith(PREFIX)) return null;
	const tokenHash = sha256(token);
	const now = Date.now();
	// Known to this process (and not revoked since: a revocation drops the cache, auth-cache.ts).
	const cached = cachedToken(db, tokenHash);
	if (cached) {
		if (cached.lastUsedAt === null || now - cached.lastUsedAt > LAST_USED_EVERY_MS) {
			cached.lastUsedAt = now;
			await touchToken(db, tokenHash, now);
		}
		return cached.principal;
	}
	const generation = authGeneration(db);
	const [row] = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash));
	if (!row || row.revokedAt || !isRole(row.role)) return null;
	const links = await db
		.select({ territoryId: apiTokenTerritories.territoryId })
		.from(apiTokenTerritories)
		.where(eq(apiTokenTerritories.tokenId, row.id));
	let lastUsedAt = row.lastUsedAt?.getTime() ?? null;
	if (lastUsedAt === null || now - lastUsedAt > LAST_USED_EVERY_MS) {
		lastUsedAt = now;
		await touchToken(db, tokenHash, now);
	}
	const principal: Principal = {
		type: 'token',
		id: row.id,
		label: row.name,
		role: row.role,
		territories: links.length > 0 ? links.map((l) => l.territoryId) : null,
		structures: row.structureId ? [row.structureId] : []
	};
	rememberToken(db, generation, tokenHash, { principal, lastUsedAt });
	return principal;
}

// Last use to the minute is enough to spot dormant tokens, without a write per request. The
// column has no trigger (migration 0011): touching it drops no server's cache.
const LAST_USED_EVERY_MS = 60_000;

async function touchToken(db: Db, tokenHash: string, now: number): Promise<void> {
	await db
		.update(apiTokens)
		.set({ lastUsedAt: new Date(now) })
		.where(eq(apiTokens.tokenHash, tokenHash));
}
