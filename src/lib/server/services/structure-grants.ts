import { inArray } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { structures } from '$lib/server/db/schema';
import { inScope, type Caller } from '$lib/server/auth/principal';
import type { Issue } from '$lib/schemas/zod';

/**
 * The structures an account or a token is made to answer for (contract §5 `--structure`, §7):
 * each must exist and lie in one of the caller's territories — a scoped administrator cannot
 * attach anyone to another territory's structure. Answers their territories (a structure's token
 * given no territory is scoped to its structure's), or the issues, each naming the structure.
 */
export async function structureGrant(
	db: Db,
	caller: Caller,
	ids: readonly string[],
	path = 'structures'
): Promise<{ territories: string[]; issues: Issue[] }> {
	if (ids.length === 0) return { territories: [], issues: [] };
	const rows = await db
		.select({ id: structures.id, territoryId: structures.territoryId })
		.from(structures)
		.where(inArray(structures.id, [...ids]));
	const found = new Map(rows.map((r) => [r.id, r.territoryId]));
	const issues: Issue[] = [];
	for (const id of ids) {
		const territory = found.get(id);
		if (territory === undefined || !inScope(caller.principal, territory))
			issues.push({ path, message: `structure introuvable : ${id}` });
	}
	return { territories: [...new Set(rows.map((r) => r.territoryId))].sort(), issues };
}
