import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { sessions, territories, userTerritories, users } from '$lib/server/db/schema';
import { generatePassword, hashPassword, passwordProblems } from '$lib/server/auth/password';
import type { Principal } from '$lib/server/auth/principal';
import { isRole, type Role } from '$lib/domain/roles';
import { UserCreateSchema, UserUpdateSchema } from '$lib/schemas/account';
import { issuesOf, type Issue } from '$lib/schemas/zod';

export class AccountError extends Error {
	constructor(readonly issues: Issue[]) {
		super(issues.map((i) => `${i.path} : ${i.message}`).join('\n'));
		this.name = 'AccountError';
	}
}

export interface UserSummary {
	id: string;
	email: string;
	role: Role;
	territories: string[];
	disabledAt: Date | null;
	lastLoginAt: Date | null;
	createdAt: Date;
	mustChangePassword: boolean;
}

async function checkTerritories(db: Db, ids: string[], path = 'territories'): Promise<void> {
	if (ids.length === 0) return;
	const found = new Set(
		(
			await db.select({ id: territories.id }).from(territories).where(inArray(territories.id, ids))
		).map((t) => t.id)
	);
	const unknown = ids.filter((id) => !found.has(id));
	if (unknown.length > 0) {
		throw new AccountError(unknown.map((id) => ({ path, message: `territoire inconnu : ${id}` })));
	}
}

/** PostgreSQL's unique_violation (23505), whichever driver reports it and however wrapped. */
function isUniqueViolation(error: unknown): boolean {
	for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
		if ((e as { code?: unknown }).code === '23505') return true;
		e = (e as { cause?: unknown }).cause;
	}
	return false;
}

/**
 * Creates a local account. Without a password, a one-time password is generated, returned once,
 * and must be changed at first sign-in.
 */
export async function createUser(
	db: Db,
	input: unknown
): Promise<{ user: UserSummary; oneTimePassword: string | null }> {
	const parsed = UserCreateSchema.safeParse(input);
	if (!parsed.success) throw new AccountError(issuesOf(parsed.error));
	const { email, role, territories: territoryIds, password } = parsed.data;
	if (password !== undefined) {
		const problems = passwordProblems(password, { email });
		if (problems.length > 0) {
			throw new AccountError(problems.map((message) => ({ path: 'password', message })));
		}
	}
	await checkTerritories(db, territoryIds);
	const [existing] = await db
		.select({ id: users.id })
		.from(users)
		.where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
	if (existing) {
		throw new AccountError([{ path: 'email', message: `un compte existe déjà pour ${email}` }]);
	}
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
		});
	} catch (error) {
		// The same email created at the same moment: the unique index on lower(email) decides.
		if (isUniqueViolation(error)) {
			throw new AccountError([{ path: 'email', message: `un compte existe déjà pour ${email}` }]);
		}
		throw error;
	}
	return { user: (await getUser(db, id)) as UserSummary, oneTimePassword };
}

export async function listUsers(db: Db): Promise<UserSummary[]> {
	const rows = await db.select().from(users).orderBy(asc(users.email));
	const links = await db.select().from(userTerritories);
	return rows.map((u) =>
		toSummary(
			u,
			links.filter((l) => l.userId === u.id).map((l) => l.territoryId)
		)
	);
}

export async function getUser(db: Db, id: string): Promise<UserSummary | null> {
	const [row] = await db.select().from(users).where(eq(users.id, id));
	if (!row) return null;
	const links = await db.select().from(userTerritories).where(eq(userTerritories.userId, id));
	return toSummary(
		row,
		links.map((l) => l.territoryId)
	);
}

export async function findUserByEmail(db: Db, email: string) {
	const [row] = await db
		.select()
		.from(users)
		.where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`);
	return row ?? null;
}

function toSummary(row: typeof users.$inferSelect, territoryIds: string[]): UserSummary {
	return {
		id: row.id,
		email: row.email,
		role: isRole(row.role) ? row.role : 'partner',
		territories: territoryIds.sort(),
		disabledAt: row.disabledAt,
		lastLoginAt: row.lastLoginAt,
		createdAt: row.createdAt,
		mustChangePassword: row.mustChangePassword
	};
}

/** Changes role and territories. */
export async function updateUser(db: Db, id: string, input: unknown): Promise<UserSummary> {
	const parsed = UserUpdateSchema.safeParse(input);
	if (!parsed.success) throw new AccountError(issuesOf(parsed.error));
	if (!(await getUser(db, id)))
		throw new AccountError([{ path: 'id', message: 'compte introuvable' }]);
	await checkTerritories(db, parsed.data.territories);
	await db.transaction(async (tx) => {
		await tx
			.update(users)
			.set({ role: parsed.data.role, updatedAt: new Date() })
			.where(eq(users.id, id));
		await tx.delete(userTerritories).where(eq(userTerritories.userId, id));
		if (parsed.data.territories.length > 0) {
			await tx
				.insert(userTerritories)
				.values(parsed.data.territories.map((territoryId) => ({ userId: id, territoryId })));
		}
	});
	const user = await getUser(db, id);
	if (!user) throw new AccountError([{ path: 'id', message: 'compte introuvable' }]);
	return user;
}

/** Disabling an account ends all of its sessions at once. */
export async function setUserDisabled(db: Db, id: string, disabled: boolean): Promise<void> {
	await db.transaction(async (tx) => {
		await tx
			.update(users)
			.set({ disabledAt: disabled ? new Date() : null, updatedAt: new Date() })
			.where(eq(users.id, id));
		if (disabled) await tx.delete(sessions).where(eq(sessions.userId, id));
	});
}

/** Sets a new password (rules checked); other sessions of the account are ended. */
export async function changePassword(
	db: Db,
	id: string,
	password: string,
	keepSession?: string
): Promise<void> {
	const user = await getUser(db, id);
	if (!user) throw new AccountError([{ path: 'id', message: 'compte introuvable' }]);
	const problems = passwordProblems(password, { email: user.email });
	if (problems.length > 0) {
		throw new AccountError(problems.map((message) => ({ path: 'password', message })));
	}
	const passwordHash = await hashPassword(password);
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
	});
}

export async function countActiveAdmins(db: Db): Promise<number> {
	const [row] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(users)
		.where(and(eq(users.role, 'admin'), isNull(users.disabledAt)));
	return row?.n ?? 0;
}

export function userPrincipal(user: UserSummary): Principal {
	return {
		type: 'user',
		id: user.id,
		label: user.email,
		role: user.role,
		territories: user.territories.length > 0 ? user.territories : null,
		mustChangePassword: user.mustChangePassword
	};
}
