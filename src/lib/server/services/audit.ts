import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { auditLog } from '$lib/server/db/schema';
import type { Caller, Principal } from '$lib/server/auth/principal';
import { requireRole } from './grants';

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
		// The command line is `system`, as it always was: no account or token id behind it.
		actorId: entry.actor.type === 'system' ? null : (entry.actor.id ?? null),
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

/**
 * What a scoped administrator may read of the log: the entries of its territories, and those by or
 * about the accounts and tokens it administers (all of their territories within its own).
 */
function withinScope(scope: readonly string[]): SQL {
	if (scope.length === 0) return sql`false`;
	const administered = (links: 'user_territories' | 'api_token_territories', key: string) =>
		sql`select l.${sql.identifier(key)} from ${sql.identifier(links)} l
			group by l.${sql.identifier(key)}
			having bool_and(l.territory_id in ${scope})`;
	const users = administered('user_territories', 'user_id');
	const tokens = administered('api_token_territories', 'token_id');
	return sql`(${auditLog.territoryId} in ${scope}
		or (${auditLog.targetType} = 'user' and ${auditLog.targetId} in (${users}))
		or (${auditLog.actorType} = 'user' and ${auditLog.actorId} in (${users}))
		or (${auditLog.targetType} = 'token' and ${auditLog.targetId} in (${tokens}))
		or (${auditLog.actorType} = 'token' and ${auditLog.actorId} in (${tokens})))`;
}

/** The log as an administrator reads it: within its scope, a page at a time (at most 1 000). */
export async function readAudit(db: Db, caller: Caller, filters: AuditFilters) {
	requireRole(caller, 'admin');
	const scope = caller.principal.territories;
	return listAudit(db, filters, scope === null ? undefined : withinScope(scope));
}

/**
 * The whole log, newest first, a page at a time (100 by default, at most 1 000): for the instance
 * itself and the tests. Pages read it through `readAudit`, which applies the caller's scope.
 */
export async function listAudit(db: Db, filters: AuditFilters, scope?: SQL) {
	const where: SQL[] = scope ? [scope] : [];
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
		.limit(Math.min(filters.limit ?? 100, 1000))
		.offset(filters.offset ?? 0);
	return { total: count?.total ?? 0, rows };
}
