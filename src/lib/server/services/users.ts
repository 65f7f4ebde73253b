import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { sessions, structureMembers, userTerritories, users } from '$lib/server/db/schema';
import {
	generatePassword,
	hashPassword,
	passwordProblems,
	verifyPassword
} from '$lib/server/auth/password';
import type { Caller, Principal } from '$lib/server/auth/principal';
import { hasRole, isRole, ROLE_CODES, type Role } from '$lib/domain/roles';
import { UserCreateSchema, UserUpdateSchema } from '$lib/schemas/account';
import { issuesOf, type Issue } from '$lib/schemas/zod';
import { audit } from './audit';
import { ServiceError, isUniqueViolation, issuesMessage, type ServiceErrorKind } from './errors';
import { checkGrant, requireRole, withinScope } from './grants';
import { structureGrant } from './structure-grants';
import { listTerritories, type TerritorySummary } from './territories';

/**
 * A refusal of the account services (accounts and API tokens): a ServiceError whose message lists
 * its issues, each naming its field. `invalid` unless said otherwise.
 */
export class AccountError extends ServiceError {
	constructor(issues: Issue[], kind: ServiceErrorKind = 'invalid') {
		super(kind, issuesMessage(issues), issues);
		this.name = 'AccountError';
	}
}

const accountError = (kind: ServiceErrorKind, issues: Issue[]) => new AccountError(issues, kind);

const NOT_FOUND = () =>
	new AccountError([{ path: 'id', message: 'compte introuvable' }], 'not_found');

export interface UserSummary {
	id: string;
	email: string;
	role: Role;
	territories: string[];
	/**
	 * True for an account created by a first OpenID Connect sign-in, until an admin places it: it
	 * then acts on no territory at all (not on every one, as an account given none does).
	 */
	unplaced: boolean;
	/** The structures it is a member of (contract §7). */
	structures: string[];
	disabledAt: Date | null;
	lastLoginAt: Date | null;
	createdAt: Date;
	mustChangePassword: boolean;
}

/**
 * Creates a local account, on behalf of an administrator (or the command line). Without a
 * password, a one-time password is generated, returned once, and must be changed at first sign-in.
 * The caller gives no more than it holds (a role up to its own, territories among its own);
 * audited in the same transaction.
 */
export async function createUser(
	db: Db,
	caller: Caller,
	input: unknown
): Promise<{ user: UserSummary; oneTimePassword: string | null }> {
	requireRole(caller, 'admin');
	const parsed = UserCreateSchema.safeParse(input);
	if (!parsed.success) throw new AccountError(issuesOf(parsed.error));
	const {
		email,
		role,
		territories: territoryIds,
		password,
		structures: structureIds
	} = parsed.data;
	await checkGrant(db, caller, role, territoryIds, accountError);
	const memberOf = await structureGrant(db, caller, structureIds);
	if (memberOf.issues.length > 0) throw new AccountError(memberOf.issues);
	if (password !== undefined) {
		const problems = passwordProblems(password, { email });
		if (problems.length > 0) {
			throw new AccountError(problems.map((message) => ({ path: 'password', message })));
		}
	}
	const exists = () =>
		new AccountError(
			[{ path: 'email', message: `un compte existe déjà pour ${email}` }],
			'conflict'
		);
	const [existing] = await db
		.select({ id: users.id })
		.from(users)
		.where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
	if (existing) throw exists();
	const oneTimePassword = password === undefined ? generatePassword() : null;
	// Hashed before the transaction: no need to hold it open for the ~80 ms of Argon2.
	const passwordHash = await hashPassword(password ?? (oneTimePassword as string));
	const id = randomUUID();
	try {
		await db.transaction(async (tx) => {
			await tx.insert(users).values({
				id,
				email,
				role,
				passwordHash,
				mustChangePassword: oneTimePassword !== null
			});
			if (territoryIds.length > 0) {
				await tx
					.insert(userTerritories)
					.values(territoryIds.map((territoryId) => ({ userId: id, territoryId })));
			}
			if (structureIds.length > 0) {
				await tx.insert(structureMembers).values(
					[...new Set(structureIds)].map((structureId) => ({
						structureId,
						userId: id,
						createdBy: caller.principal.type === 'system' ? null : caller.principal.id
					}))
				);
			}
			await audit(tx as unknown as Db, {
				actor: caller.principal,
				action: 'admin.user_create',
				outcome: 'success',
				target: { type: 'user', id },
				ip: caller.ip,
				details: {
					role,
					territories: [...territoryIds].sort().join(',') || null,
					...(structureIds.length > 0 ? { structures: [...structureIds].sort().join(',') } : {})
				}
			});
		});
	} catch (error) {
		// The same email created at the same moment: the unique index on lower(email) decides.
		if (isUniqueViolation(error)) throw exists();
		throw error;
	}
	return { user: (await getUser(db, id)) as UserSummary, oneTimePassword };
}

/** The accounts the caller administers: all for an unscoped admin, else those within its territories. */
export async function listUsers(db: Db, caller: Caller): Promise<UserSummary[]> {
	requireRole(caller, 'admin');
	const rows = await db.select().from(users).orderBy(asc(users.email));
	const links = await db.select().from(userTerritories);
	const byUser = new Map<string, string[]>();
	for (const l of links) byUser.set(l.userId, [...(byUser.get(l.userId) ?? []), l.territoryId]);
	return rows
		.map((u) => toSummary(u, byUser.get(u.id) ?? []))
		.filter((u) => withinScope(caller, u.territories));
}

/**
 * One account, whoever asks: for authentication and for one's own account page. An administrator
 * opens another's account through the services below, which check its scope.
 */
export async function getUser(db: Db, id: string): Promise<UserSummary | null> {
	const [row] = await db.select().from(users).where(eq(users.id, id));
	if (!row) return null;
	const [links, memberships] = await Promise.all([
		db.select().from(userTerritories).where(eq(userTerritories.userId, id)),
		db
			.select({ structureId: structureMembers.structureId })
			.from(structureMembers)
			.where(eq(structureMembers.userId, id))
	]);
	return toSummary(
		row,
		links.map((l) => l.territoryId),
		memberships.map((m) => m.structureId)
	);
}

/** An account the caller administers, or `not_found` (unknown and outside its scope alike). */
async function administered(db: Db, caller: Caller, id: string): Promise<UserSummary> {
	requireRole(caller, 'admin');
	const user = await getUser(db, id);
	if (!user || !withinScope(caller, user.territories)) throw NOT_FOUND();
	if (!hasRole(caller.principal.role, user.role)) {
		throw new AccountError(
			[{ path: 'id', message: 'ce compte a un rôle au-dessus du vôtre' }],
			'forbidden'
		);
	}
	return user;
}

export async function findUserByEmail(db: Db, email: string) {
	const [row] = await db
		.select()
		.from(users)
		.where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`);
	return row ?? null;
}

function toSummary(
	row: typeof users.$inferSelect,
	territoryIds: string[],
	structureIds: string[] = []
): UserSummary {
	return {
		id: row.id,
		email: row.email,
		role: isRole(row.role) ? row.role : 'partner',
		territories: territoryIds.sort(),
		unplaced: row.unplaced,
		structures: structureIds.sort(),
		disabledAt: row.disabledAt,
		lastLoginAt: row.lastLoginAt,
		createdAt: row.createdAt,
		mustChangePassword: row.mustChangePassword
	};
}

const LAST_ADMIN = 'il doit rester au moins un administrateur actif';

/**
 * Changes role and territories, of an account the caller administers and within what it holds.
 * The last active administrator keeps its role. Audited in the same transaction.
 */
export async function updateUser(
	db: Db,
	caller: Caller,
	id: string,
	input: unknown
): Promise<UserSummary> {
	requireRole(caller, 'admin');
	const parsed = UserUpdateSchema.safeParse(input);
	if (!parsed.success) throw new AccountError(issuesOf(parsed.error));
	const before = await administered(db, caller, id);
	const { role, territories: territoryIds } = parsed.data;
	await checkGrant(db, caller, role, territoryIds, accountError);
	await db.transaction(async (tx) => {
		const t = tx as unknown as Db;
		if (
			before.role === 'admin' &&
			role !== 'admin' &&
			before.disabledAt === null &&
			(await countActiveAdmins(t)) <= 1
		) {
			throw new AccountError([{ path: 'role', message: LAST_ADMIN }]);
		}
		// Placing an account (its territories set by an admin) ends its « unplaced » state.
		await tx
			.update(users)
			.set({ role, unplaced: false, updatedAt: new Date() })
			.where(eq(users.id, id));
		await tx.delete(userTerritories).where(eq(userTerritories.userId, id));
		if (territoryIds.length > 0) {
			await tx
				.insert(userTerritories)
				.values(territoryIds.map((territoryId) => ({ userId: id, territoryId })));
		}
		await audit(t, {
			actor: caller.principal,
			action: 'admin.user_update',
			outcome: 'success',
			target: { type: 'user', id },
			ip: caller.ip,
			details: { role, territories: [...territoryIds].sort().join(',') || null }
		});
	});
	const user = await getUser(db, id);
	if (!user) throw NOT_FOUND();
	return user;
}

/**
 * Disables (or re-enables) an account the caller administers; disabling ends all of its sessions
 * at once. Nobody disables their own account, nor the last active administrator. Audited in the
 * same transaction.
 */
export async function setUserDisabled(
	db: Db,
	caller: Caller,
	id: string,
	disabled: boolean
): Promise<void> {
	const user = await administered(db, caller, id);
	if (disabled && caller.principal.type === 'user' && caller.principal.id === id) {
		throw new AccountError([
			{ path: 'id', message: 'vous ne pouvez pas désactiver votre propre compte' }
		]);
	}
	await db.transaction(async (tx) => {
		const t = tx as unknown as Db;
		if (
			disabled &&
			user.role === 'admin' &&
			user.disabledAt === null &&
			(await countActiveAdmins(t)) <= 1
		) {
			throw new AccountError([{ path: 'id', message: LAST_ADMIN }]);
		}
		await tx
			.update(users)
			.set({ disabledAt: disabled ? new Date() : null, updatedAt: new Date() })
			.where(eq(users.id, id));
		if (disabled) await tx.delete(sessions).where(eq(sessions.userId, id));
		await audit(t, {
			actor: caller.principal,
			action: disabled ? 'admin.user_disable' : 'admin.user_enable',
			outcome: 'success',
			target: { type: 'user', id },
			ip: caller.ip
		});
	});
}

/**
 * The caller changes its own password: the current one proves it is the account's holder, the new
 * one follows the rules; its other sessions are ended. Audited in the same transaction.
 */
export async function changePassword(
	db: Db,
	caller: Caller,
	input: { current: string; password: string },
	keepSession?: string
): Promise<void> {
	if (caller.principal.type !== 'user') {
		throw new AccountError(
			[{ path: 'id', message: 'réservé aux comptes personnels' }],
			'forbidden'
		);
	}
	const id = caller.principal.id;
	const user = await getUser(db, id);
	const row = user ? await findUserByEmail(db, user.email) : null;
	if (!user || !row) throw NOT_FOUND();
	if (!row.passwordHash || !(await verifyPassword(row.passwordHash, input.current))) {
		throw new AccountError([{ path: 'current', message: 'mot de passe actuel incorrect' }]);
	}
	const problems = passwordProblems(input.password, { email: user.email });
	if (problems.length > 0) {
		throw new AccountError(problems.map((message) => ({ path: 'password', message })));
	}
	const passwordHash = await hashPassword(input.password);
	await db.transaction(async (tx) => {
		await tx
			.update(users)
			.set({ passwordHash, mustChangePassword: false, updatedAt: new Date() })
			.where(eq(users.id, id));
		await tx
			.delete(sessions)
			.where(
				keepSession
					? and(eq(sessions.userId, id), sql`${sessions.tokenHash} <> ${keepSession}`)
					: eq(sessions.userId, id)
			);
		await audit(tx as unknown as Db, {
			actor: caller.principal,
			action: 'auth.password_change',
			outcome: 'success',
			ip: caller.ip
		});
	});
}

export async function countActiveAdmins(db: Db): Promise<number> {
	const [row] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(users)
		.where(and(eq(users.role, 'admin'), isNull(users.disabledAt)));
	return row?.n ?? 0;
}

/** Whether the instance has any account yet (the first start opens one). */
export async function hasUsers(db: Db): Promise<boolean> {
	const [row] = await db.select({ id: users.id }).from(users).limit(1);
	return !!row;
}

export function userPrincipal(user: UserSummary): Principal {
	return {
		type: 'user',
		id: user.id,
		label: user.email,
		role: user.role,
		territories: user.unplaced ? [] : user.territories.length > 0 ? user.territories : null,
		structures: user.structures,
		mustChangePassword: user.mustChangePassword
	};
}

/** What the caller's forms may offer: the roles up to its own, and its territories. */
export async function grantable(
	db: Db,
	caller: Caller
): Promise<{ roles: Role[]; territories: TerritorySummary[]; anyTerritory: boolean }> {
	return {
		roles: ROLE_CODES.filter((r) => hasRole(caller.principal.role, r)),
		territories: await listTerritories(db, caller.principal.territories),
		anyTerritory: caller.principal.territories === null
	};
}
