import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';

/**
 * A structure's caseload (contract §7): for a structure with members, counted from its
 * orientations — `accepted` and not closed — and its waiting list from those `waitlisted`; an
 * imported or typed figure is then ignored. A structure without members keeps its typed figure
 * (nobody answers there, so its orientations say nothing of its load).
 *
 * `alias` is the structures table's alias in the query these fragments go into; the subqueries
 * use the (structure_id, status) index of orientations.
 */
export function caseloadSql(alias: string): SQL {
	const s = sql.raw(alias);
	return sql`(case when exists (select 1 from structure_members m where m.structure_id = ${s}.id)
		then (select count(*)::int from orientations o where o.structure_id = ${s}.id and o.status = 'accepted')
		else ${s}.caseload_current end)`;
}

export function waitlistSql(alias: string): SQL {
	const s = sql.raw(alias);
	return sql`(select count(*)::int from orientations o where o.structure_id = ${s}.id and o.status = 'waitlisted')`;
}

export interface Caseload {
	/** Situations followed now; null when unknown (no members and no typed figure). */
	current: number | null;
	max: number | null;
	waitlist: number;
	/** Whether `current` is counted from the orientations (the structure has members). */
	counted: boolean;
}

export async function caseloadOf(db: Db, structureId: string): Promise<Caseload> {
	const [row] = await queryRows<{
		current: number | null;
		max: number | null;
		waitlist: number;
		counted: boolean;
	}>(
		db,
		sql`select ${caseloadSql('s')} as current, s.caseload_max as max, ${waitlistSql('s')} as waitlist,
				exists (select 1 from structure_members m where m.structure_id = s.id) as counted
			from structures s where s.id = ${structureId}`
	);
	return row
		? {
				current: row.current === null ? null : Number(row.current),
				max: row.max,
				waitlist: Number(row.waitlist),
				counted: row.counted
			}
		: { current: null, max: null, waitlist: 0, counted: false };
}
