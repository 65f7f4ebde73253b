import { formatDate } from '$lib/format';
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import { ruleEvents, structures, territoryRules } from '$lib/server/db/schema';
import type { Caller } from '$lib/server/auth/principal';
import type { TerritoryRule } from '$lib/domain/recommendation';
import type { NeverRule } from '$lib/domain/scenario';
import type { LevelCode, ProblemCode } from '$lib/domain/taxonomy';
import { RuleInputSchema } from '$lib/schemas/rules';
import { issuesOf, type Issue } from '$lib/schemas/zod';
import { audit } from './audit';
import { PAGE_LIMIT, type Capped } from './bounds';
import { ServiceError, issuesMessage, type ServiceErrorKind } from './errors';
import { requireTerritory } from './scope';

/** A refusal of the rule services: a ServiceError listing its issues (`invalid` by default). */
export class RuleError extends ServiceError {
	constructor(issues: Issue[], kind: ServiceErrorKind = 'invalid') {
		super(kind, issuesMessage(issues), issues);
		this.name = 'RuleError';
	}
}

/** The rules a desk lists (newest first), and the changes of its history. */
export const RULES_LIMIT = 200;
export const RULE_HISTORY_LIMIT = PAGE_LIMIT;
/** The structures the rule form offers in a list; beyond, it asks for the structure's id. */
export const RULE_STRUCTURES_LIMIT = 300;

/**
 * The rules in force in a territory, as the engine reads them. No caller: the engine reads them
 * for an answer whose territory the orientation services already checked.
 */
export async function activeRules(db: Db, territoryId: string): Promise<TerritoryRule[]> {
	const rows = await db
		.select()
		.from(territoryRules)
		.where(and(eq(territoryRules.territoryId, territoryId), isNull(territoryRules.removedAt)))
		// The order the remit index keeps them in: the first rule that applies is the one said.
		.orderBy(asc(territoryRules.createdAt), asc(territoryRules.id));
	return rows.map((r) => ({
		id: r.id,
		effect: r.effect as TerritoryRule['effect'],
		structureId: r.structureId,
		problem: r.problem as ProblemCode | null,
		level: r.level as LevelCode | null,
		commune: r.commune,
		reason: r.reason
	}));
}

/** The « never » rules in force, as the coverage applies them (applyNeverRules). */
export async function neverRules(db: Db, territoryId: string): Promise<NeverRule[]> {
	return (await activeRules(db, territoryId))
		.filter((r) => r.effect === 'never')
		.map(({ structureId, problem, level, commune }) => ({ structureId, problem, level, commune }));
}

type RuleLine = { rule: typeof territoryRules.$inferSelect; structureName: string };

/** The territory's rules, in force and removed, newest first: at most RULES_LIMIT, with `more`. */
export async function listRules(
	db: Db,
	caller: Caller,
	territoryId: string
): Promise<Capped<RuleLine>> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const [rows, [count]] = await Promise.all([
		db
			.select({ rule: territoryRules, structureName: structures.name })
			.from(territoryRules)
			.innerJoin(structures, eq(structures.id, territoryRules.structureId))
			.where(eq(territoryRules.territoryId, territoryId))
			.orderBy(desc(territoryRules.createdAt), desc(territoryRules.id))
			.limit(RULES_LIMIT),
		db
			.select({ n: sql<number>`count(*)::int` })
			.from(territoryRules)
			.innerJoin(structures, eq(structures.id, territoryRules.structureId))
			.where(eq(territoryRules.territoryId, territoryId))
	]);
	return { items: rows, more: Math.max(0, (count?.n ?? 0) - rows.length) };
}

/** The changes of the territory's rules, newest first: at most RULE_HISTORY_LIMIT, with `more`. */
export async function ruleHistory(
	db: Db,
	caller: Caller,
	territoryId: string
): Promise<Capped<typeof ruleEvents.$inferSelect>> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const [rows, [count]] = await Promise.all([
		db
			.select()
			.from(ruleEvents)
			.where(eq(ruleEvents.territoryId, territoryId))
			.orderBy(desc(ruleEvents.at), desc(ruleEvents.id))
			.limit(RULE_HISTORY_LIMIT),
		db
			.select({ n: sql<number>`count(*)::int` })
			.from(ruleEvents)
			.where(eq(ruleEvents.territoryId, territoryId))
	]);
	return { items: rows, more: Math.max(0, (count?.n ?? 0) - rows.length) };
}

/**
 * The structures the rule form offers: those covering part of the territory, by name, at most
 * RULE_STRUCTURES_LIMIT, with `more` (then the form also takes a structure's id, since a rule may
 * name any structure).
 */
export async function ruleStructures(
	db: Db,
	caller: Caller,
	territoryId: string
): Promise<Capped<{ id: string; name: string }>> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const rows = await queryRows<{ id: string; name: string; total: number }>(
		db,
		sql`select s.id, s.name, (count(*) over ())::int as total from structures s
			where s.id = any(array(select sc.structure_id from structure_communes sc
				join territory_communes tc on tc.commune_code = sc.commune_code
				where tc.territory_id = ${territoryId}))
			order by s.name, s.id limit ${RULE_STRUCTURES_LIMIT}`
	);
	return {
		items: rows.map(({ id, name }) => ({ id, name })),
		more: Math.max(0, (rows[0]?.total ?? 0) - rows.length)
	};
}

async function record(
	db: Db,
	caller: Caller,
	territoryId: string,
	ruleId: string,
	action: 'add' | 'remove' | 'restore',
	reason: string | null,
	undoes: number | null = null
): Promise<number> {
	const [event] = await db
		.insert(ruleEvents)
		.values({
			territoryId,
			ruleId,
			action,
			reason,
			actorId: caller.principal.id,
			actorLabel: caller.principal.label,
			undoes
		})
		.returning({ id: ruleEvents.id });
	await audit(db, {
		actor: caller.principal,
		action: `rule.${action}`,
		outcome: 'success',
		target: { type: 'rule', id: ruleId },
		territoryId,
		ip: caller.ip,
		details: { undoes }
	});
	return event?.id as number;
}

/** Adds a rule; the structure must exist (any territory's: rules may name a neighbour's service). */
export async function addRule(
	db: Db,
	caller: Caller,
	territoryId: string,
	input: unknown
): Promise<string> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const parsed = RuleInputSchema.safeParse(input);
	if (!parsed.success) throw new RuleError(issuesOf(parsed.error));
	const [structure] = await db
		.select({ id: structures.id })
		.from(structures)
		.where(eq(structures.id, parsed.data.structure));
	if (!structure) throw new RuleError([{ path: 'structure', message: 'structure inconnue' }]);
	const id = randomUUID();
	await db.transaction(async (tx) => {
		await tx.insert(territoryRules).values({
			id,
			territoryId,
			effect: parsed.data.effect,
			structureId: parsed.data.structure,
			problem: parsed.data.problem ?? null,
			level: parsed.data.level ?? null,
			commune: parsed.data.commune ?? null,
			reason: parsed.data.reason,
			agreedOn: parsed.data.agreed_on ?? null,
			createdBy: caller.principal.id
		});
		await record(tx as unknown as Db, caller, territoryId, id, 'add', parsed.data.reason);
	});
	return id;
}

async function setRemoved(db: Db, territoryId: string, ruleId: string, removed: boolean) {
	const [rule] = await db
		.select()
		.from(territoryRules)
		.where(and(eq(territoryRules.id, ruleId), eq(territoryRules.territoryId, territoryId)));
	if (!rule) throw new RuleError([{ path: 'rule', message: 'règle introuvable' }], 'not_found');
	if ((rule.removedAt !== null) === removed) {
		throw new RuleError(
			[{ path: 'rule', message: removed ? 'règle déjà retirée' : 'règle déjà en vigueur' }],
			'conflict'
		);
	}
	await db
		.update(territoryRules)
		.set({ removedAt: removed ? new Date() : null })
		.where(eq(territoryRules.id, ruleId));
}

/** Removes a rule in force, saying why; the change's number in the history (to undo it). */
export async function removeRule(
	db: Db,
	caller: Caller,
	territoryId: string,
	ruleId: string,
	reason: string
) {
	await requireTerritory(db, caller, territoryId, 'pilot');
	if (reason.trim().length < 3)
		throw new RuleError([{ path: 'reason', message: 'dites pourquoi la règle est retirée' }]);
	return db.transaction(async (tx) => {
		await setRemoved(tx as unknown as Db, territoryId, ruleId, true);
		return record(tx as unknown as Db, caller, territoryId, ruleId, 'remove', reason.trim());
	});
}

/** Undoes a change: an added or restored rule is removed, a removed one restored. */
export async function undoRuleEvent(db: Db, caller: Caller, territoryId: string, eventId: number) {
	await requireTerritory(db, caller, territoryId, 'pilot');
	// A form field that is not a number (`event=abc`) names no event: said so, not a crash.
	if (!Number.isSafeInteger(eventId) || eventId <= 0) {
		throw new RuleError([{ path: 'event', message: 'numéro de modification invalide' }]);
	}
	const [event] = await db
		.select()
		.from(ruleEvents)
		.where(and(eq(ruleEvents.id, eventId), eq(ruleEvents.territoryId, territoryId)));
	if (!event) {
		throw new RuleError([{ path: 'event', message: 'modification introuvable' }], 'not_found');
	}
	const removing = event.action !== 'remove';
	await db.transaction(async (tx) => {
		await setRemoved(tx as unknown as Db, territoryId, event.ruleId, removing);
		await record(
			tx as unknown as Db,
			caller,
			territoryId,
			event.ruleId,
			removing ? 'remove' : 'restore',
			`annulation de la modification du ${formatDate(event.at)}`,
			event.id
		);
	});
}
