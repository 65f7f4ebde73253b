import { asc } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import {
	structureCommunes,
	structures,
	territories,
	territoryCommunes
} from '$lib/server/db/schema';

/**
 * Everything an import or a territory update may write, in a stable order: comparing two
 * snapshots shows whether a rejected operation left the database exactly as it was.
 */
export async function snapshotDirectory(db: Db) {
	return {
		territories: await db.select().from(territories).orderBy(asc(territories.id)),
		territoryCommunes: await db
			.select()
			.from(territoryCommunes)
			.orderBy(asc(territoryCommunes.territoryId), asc(territoryCommunes.communeCode)),
		structures: await db.select().from(structures).orderBy(asc(structures.id)),
		structureCommunes: await db
			.select()
			.from(structureCommunes)
			.orderBy(asc(structureCommunes.structureId), asc(structureCommunes.communeCode))
	};
}
