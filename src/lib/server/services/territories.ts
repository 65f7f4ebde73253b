import { asc, eq, sql } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import { territories, territoryCommunes } from '$lib/server/db/schema';
import {
	ReferralDelaysSchema,
	TerritoryIdSchema,
	TerritoryPutSchema
} from '$lib/schemas/territory';
import { issuesOf, type Issue } from '$lib/schemas/zod';
import { inScope, type Caller } from '$lib/server/auth/principal';
import { audit } from './audit';
import { ensureDepartmentBoundaries } from './department-boundaries';
import { ServiceError, territoryNotFound } from './errors';
import { requireRole } from './grants';
import { getPlaceCatalog, getPlaces, type PlaceSummary } from './places';

export class TerritoryError extends Error {
	constructor(readonly issues: Issue[]) {
		super(issues.map((i) => `${i.path} : ${i.message}`).join('\n'));
		this.name = 'TerritoryError';
	}
}

/**
 * Sets the referral loop's delays of a territory (contract §7): a pilot of the territory, the
 * reminder before the expiry; audited in the same transaction. The daily job reads them.
 */
export async function setReferralDelays(
	db: Db,
	caller: Caller,
	territoryId: string,
	input: unknown
): Promise<{ reminderDays: number; expiryDays: number }> {
	requireRole(caller, 'pilot');
	if (!inScope(caller.principal, territoryId)) throw territoryNotFound(territoryId);
	const parsed = ReferralDelaysSchema.safeParse(input);
	if (!parsed.success) {
		const issues = issuesOf(parsed.error);
		throw new ServiceError('invalid', issues.map((i) => i.message).join(' ; '), issues);
	}
	const { reminder_days: reminderDays, expiry_days: expiryDays } = parsed.data;
	return db.transaction(async (tx) => {
		const updated = await tx
			.update(territories)
			.set({ reminderDays, expiryDays, updatedAt: sql`now()` })
			.where(eq(territories.id, territoryId))
			.returning({ id: territories.id });
		if (updated.length === 0) throw territoryNotFound(territoryId);
		await audit(tx as unknown as Db, {
			actor: caller.principal,
			action: 'territory.referral_delays',
			outcome: 'success',
			target: { type: 'territory', id: territoryId },
			territoryId,
			ip: caller.ip,
			details: { reminder_days: reminderDays, expiry_days: expiryDays }
		});
		return { reminderDays, expiryDays };
	});
}

/**
 * Creates or updates a territory and its places. The code of a city with arrondissements stands
 * for its arrondissements, as everywhere else. Returns whether it was created.
 */
export async function putTerritory(
	db: Db,
	id: string,
	input: unknown,
	/**
	 * Who asks (the API, the CLI): the service then checks the role and the territory — a scoped
	 * pilot changes only its own — and audits the change in its transaction. The seed has none.
	 */
	caller?: Caller
): Promise<{ created: boolean }> {
	if (caller) {
		requireRole(caller, 'pilot');
		if (!inScope(caller.principal, id)) throw territoryNotFound(id);
	}
	const idResult = TerritoryIdSchema.safeParse(id);
	const body = TerritoryPutSchema.safeParse(input);
	const issues: Issue[] = [
		...(idResult.success ? [] : issuesOf(idResult.error).map((i) => ({ ...i, path: 'id' }))),
		...(body.success ? [] : issuesOf(body.error))
	];
	if (!body.success || !idResult.success) throw new TerritoryError(issues);
	const catalog = await getPlaceCatalog(db);
	const { places, problems } = catalog.expand(body.data.communes);
	if (problems.length > 0) {
		throw new TerritoryError(
			problems.map((p) => ({
				path: `communes.${body.data.communes.indexOf(p.code)}`,
				message: p.message
			}))
		);
	}
	// A territory outside the départements loaded so far gets its shapes now, before the
	// background load (if any) reaches them: its map, its points and its polygons need them.
	// Outside the transaction: shipped reference data, kept even if the territory is refused.
	await ensureDepartmentBoundaries(
		db,
		new Set(places.flatMap((code) => catalog.get(code)?.department ?? []))
	);
	const territoryId = idResult.data;
	return db.transaction(async (tx) => {
		const [existing] = await tx
			.select({ id: territories.id })
			.from(territories)
			.where(eq(territories.id, territoryId));
		const delays = {
			...(body.data.reminder_days !== undefined ? { reminderDays: body.data.reminder_days } : {}),
			...(body.data.expiry_days !== undefined ? { expiryDays: body.data.expiry_days } : {})
		};
		const [saved] = await tx
			.insert(territories)
			.values({ id: territoryId, name: body.data.name, ...delays })
			.onConflictDoUpdate({
				target: territories.id,
				set: { name: body.data.name, ...delays, updatedAt: sql`now()` }
			})
			.returning({ reminderDays: territories.reminderDays, expiryDays: territories.expiryDays });
		// One delay given alone must still come before the other, as stored.
		if (saved && saved.reminderDays >= saved.expiryDays) {
			throw new TerritoryError([
				{
					path: body.data.reminder_days !== undefined ? 'reminder_days' : 'expiry_days',
					message: `la relance (${saved.reminderDays} jours) doit venir avant l’expiration (${saved.expiryDays} jours)`
				}
			]);
		}
		await tx.delete(territoryCommunes).where(eq(territoryCommunes.territoryId, territoryId));
		await tx
			.insert(territoryCommunes)
			.values(places.map((communeCode) => ({ territoryId, communeCode })));
		if (caller) {
			await audit(tx as unknown as Db, {
				actor: caller.principal,
				action: existing ? 'territory.update' : 'territory.create',
				outcome: 'success',
				target: { type: 'territory', id: territoryId },
				territoryId,
				ip: caller.ip,
				details: { communes: body.data.communes.length }
			});
		}
		return { created: !existing };
	});
}

export interface TerritorySummary {
	id: string;
	name: string;
	places: number;
	structures: number;
}

/** The territories, or those of the scope (`null` = all). */
export async function listTerritories(
	db: Db,
	scope: readonly string[] | null = null
): Promise<TerritorySummary[]> {
	const where = scope ? (scope.length > 0 ? sql`where t.id in ${scope}` : sql`where false`) : sql``;
	return queryRows<TerritorySummary>(
		db,
		sql`select t.id, t.name,
				(select count(*)::int from territory_communes tc where tc.territory_id = t.id) as places,
				(select count(*)::int from structures s where s.territory_id = t.id) as structures
			from territories t ${where} order by t.name`
	);
}

export interface TerritoryDetail {
	id: string;
	name: string;
	places: PlaceSummary[];
	updatedAt: Date;
	/** The referral loop's delays, in days (contract §7). */
	reminderDays: number;
	expiryDays: number;
}

export async function getTerritory(
	db: Db,
	id: string,
	scope: readonly string[] | null = null
): Promise<TerritoryDetail | null> {
	if (scope && !scope.includes(id)) return null;
	const [row] = await db.select().from(territories).where(eq(territories.id, id));
	if (!row) return null;
	const codes = await db
		.select({ code: territoryCommunes.communeCode })
		.from(territoryCommunes)
		.where(eq(territoryCommunes.territoryId, id))
		.orderBy(asc(territoryCommunes.communeCode));
	return {
		id: row.id,
		name: row.name,
		updatedAt: row.updatedAt,
		reminderDays: row.reminderDays,
		expiryDays: row.expiryDays,
		places: await getPlaces(
			db,
			codes.map((c) => c.code)
		)
	};
}

export async function territoryExists(db: Db, id: string): Promise<boolean> {
	const [row] = await db
		.select({ id: territories.id })
		.from(territories)
		.where(eq(territories.id, id));
	return !!row;
}
