import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { auditLog } from '$lib/server/db/schema';
import type { Principal } from '$lib/server/auth/principal';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditEntry {
	actor:
		| Pick<Principal, 'type' | 'id' | 'label'>
		| { type: 'system' | 'anonymous'; id?: null; label?: string | null };
	action: string;
	outcome: AuditOutcome;
	target?: { type: string; id: string };
	territoryId?: string | null;
	ip?: string | null;
	/** Codes and counts only: never a person's name or free text about the people oriented. */
	details?: Record<string, string | number | boolean | null>;
}

/** Appends to the audit log (the table refuses updates and deletes). */
export async function audit(db: Db, entry: AuditEntry): Promise<void> {
	await db.insert(auditLog).values({
		actorType: entry.actor.type,
		actorId: entry.actor.id ?? null,
		actorLabel: entry.actor.label ?? null,
		action: entry.action,
		outcome: entry.outcome,
		targetType: entry.target?.type ?? null,
		targetId: entry.target?.id ?? null,
		territoryId: entry.territoryId ?? null,
		ip: entry.ip ?? null,
		details: entry.details ?? null
	});
}

export interface AuditFilters {
	action?: string;
	actor?: string;
	outcome?: AuditOutcome;
	from?: Date;
	to?: Date;
	limit?: number;
	offset?: number;
}

/**
 * The text searched for, matched literally by LIKE: its wildcards escaped (backslash is LIKE's
 * default escape character), not removed, so that `jean_dupont` finds jean_dupont@….
 */
function likeLiteral(text: string): string {
	return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function listAudit(db: Db, filters: AuditFilters) {
	const where: SQL[] = [];
	if (filters.action) where.push(sql`${auditLog.action} like ${likeLiteral(filters.action) + '%'}`);
	if (filters.actor)
		where.push(sql`${auditLog.actorLabel} ilike ${'%' + likeLiteral(filters.actor) + '%'}`);
	if (filters.outcome) where.push(eq(auditLog.outcome, filters.outcome));
	if (filters.from) where.push(gte(auditLog.at, filters.from));
	if (filters.to) where.push(lt(auditLog.at, filters.to));
	const condition = where.length > 0 ? and(...where) : undefined;
	const [count] = await db
		.select({ total: sql<number>`count(*)::int` })
		.from(auditLog)
		.where(condition);
	const rows = await db
		.select()
		.from(auditLog)
		.where(condition)
		.orderBy(desc(auditLog.at), desc(auditLog.id))
		.limit(filters.limit ?? 100)
		.offset(filters.offset ?? 0);
	return { total: count?.total ?? 0, rows };
}
