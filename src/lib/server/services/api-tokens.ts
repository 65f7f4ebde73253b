import { randomUUID } from 'node:crypto';
import { desc, eq, inArray, isNull, and } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { apiTokenTerritories, apiTokens, territories } from '$lib/server/db/schema';
import { randomSecret, sha256 } from '$lib/server/auth/crypto';
import type { Principal } from '$lib/server/auth/principal';
import { isRole, type Role } from '$lib/domain/roles';
import { TokenCreateSchema } from '$lib/schemas/account';
import { issuesOf } from '$lib/schemas/zod';
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

/** Creates an API token; the token itself is returned once and only its hash is kept. */
export async function createApiToken(
	db: Db,
	input: unknown,
	createdBy: string | null
): Promise<{ token: string; summary: TokenSummary }> {
	const parsed = TokenCreateSchema.safeParse(input);
	if (!parsed.success) throw new AccountError(issuesOf(parsed.error));
	const ids = parsed.data.territories;
	if (ids.length > 0) {
		const found = new Set(
			(
				await db
					.select({ id: territories.id })
					.from(territories)
					.where(inArray(territories.id, ids))
			).map((t) => t.id)
		);
		const unknown = ids.filter((t) => !found.has(t));
		if (unknown.length > 0) {
			throw new AccountError(
				unknown.map((t) => ({ path: 'territories', message: `territoire inconnu : ${t}` }))
			);
		}
	}
	const token = PREFIX + randomSecret(32);
	const id = randomUUID();
	await db.transaction(async (tx) => {
		await tx.insert(apiTokens).values({
			id,
			name: parsed.data.name,
			tokenHash: sha256(token),
			role: parsed.data.role,
			createdBy
		});
		if (ids.length > 0) {
			await tx
				.insert(apiTokenTerritories)
				.values(ids.map((territoryId) => ({ tokenId: id, territoryId })));
		}
	});
	const summary = (await listApiTokens(db)).find((t) => t.id === id) as TokenSummary;
	return { token, summary };
}

export async function listApiTokens(db: Db): Promise<TokenSummary[]> {
	const rows = await db.select().from(apiTokens).orderBy(desc(apiTokens.createdAt));
	const links = await db.select().from(apiTokenTerritories);
	return rows.map((t) => ({
		id: t.id,
		name: t.name,
		role: isRole(t.role) ? t.role : 'partner',
		territories: links
			.filter((l) => l.tokenId === t.id)
			.map((l) => l.territoryId)
			.sort(),
		createdAt: t.createdAt,
		lastUsedAt: t.lastUsedAt,
		revokedAt: t.revokedAt
	}));
}

export async function revokeApiToken(db: Db, id: string): Promise<boolean> {
	const revoked = await db
		.update(apiTokens)
		.set({ revokedAt: new Date() })
		.where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
		.returning({ id: apiTokens.id });
	return revoked.length > 0;
}

/** The principal behind a bearer token, or null when unknown or revoked. */
export async function authenticateApiToken(db: Db, token: string): Promise<Principal | null> {
	if (!token.startsWith(PREFIX)) return null;
	const [row] = await db
		.select()
		.from(apiTokens)
		.where(eq(apiTokens.tokenHash, sha256(token)));
	if (!row || row.revokedAt || !isRole(row.role)) return null;
	const links = await db
		.select({ territoryId: apiTokenTerritories.territoryId })
		.from(apiTokenTerritories)
		.where(eq(apiTokenTerritories.tokenId, row.id));
	// Last use to the minute is enough to spot dormant tokens, without a write per request.
	if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
		await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.id));
	}
	return {
		type: 'token',
		id: row.id,
		label: row.name,
		role: row.role,
		territories: links.length > 0 ? links.map((l) => l.territoryId) : null
	};
}
