import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import {
	invitations,
	structureMembers,
	structures,
	userTerritories,
	users
} from '$lib/server/db/schema';
import { answersFor, inScope, type Caller } from '$lib/server/auth/principal';
import { randomSecret, sha256 } from '$lib/server/auth/crypto';
import { generatePassword, hashPassword, passwordProblems } from '$lib/server/auth/password';
import { hasRole, isRole, type Role } from '$lib/domain/roles';
import { readConfig } from '$lib/server/config';
import { queueMail, deliverPending } from '$lib/server/mail/outbox';
import { invitationMail } from '$lib/server/mail/messages';
import { mailEnabled } from '$lib/server/mail/transport';
import { issuesOf, z } from '$lib/schemas/zod';
import { audit } from './audit';
import { ServiceError, isUniqueViolation, structureNotFound } from './errors';
import { startSession } from './sessions';

/**
 * The members of a structure (contract §7): the accounts that answer its orientations. A pilot
 * (or admin) of the structure's territory invites them; an account may belong to several
 * structures. An invited person without an account gets one: a `partner` of the structure's
 * territory — it reads the directory there and answers its structures' orientations, nothing
 * more — signed in by a one-time link when the instance sends mail, else by a one-time password
 * the pilot passes on.
 */

const notFound = structureNotFound;

interface StructureHead {
	id: string;
	name: string;
	kind: string;
	territoryId: string;
}

async function structureHead(db: Db, id: string): Promise<StructureHead | null> {
	const [row] = await db
		.select({
			id: structures.id,
			name: structures.name,
			kind: structures.kind,
			territoryId: structures.territoryId
		})
		.from(structures)
		.where(eq(structures.id, id));
	return row ?? null;
}

/** A pilot (or above) of the structure's territory manages its members. */
function managesMembers(caller: Caller, s: StructureHead): boolean {
	return hasRole(caller.principal.role, 'pilot') && inScope(caller.principal, s.territoryId);
}

async function hasMembers(db: Db, structureId: string): Promise<boolean> {
	const [row] = await db
		.select({ userId: structureMembers.userId })
		.from(structureMembers)
		.where(eq(structureMembers.structureId, structureId))
		.limit(1);
	return !!row;
}

export interface InboxAccess {
	structure: StructureHead;
	hasMembers: boolean;
	/** The caller answers for it (a member, or its token). */
	answers: boolean;
	canManageMembers: boolean;
}

/**
 * Who may open a structure's inbox: its members, and the agents (and above) of its territory —
 * those read it, only members answer when it has any. Anyone else: not found, as for an unknown
 * structure (a member of S learns nothing of another structure's inbox). Audited.
 */
export async function inboxOf(db: Db, caller: Caller, structureId: string): Promise<InboxAccess> {
	const s = await structureHead(db, structureId);
	const answers = !!s && answersFor(caller.principal, s.id);
	const agent =
		!!s && hasRole(caller.principal.role, 'agent') && inScope(caller.principal, s.territoryId);
	await audit(db, {
		actor: caller.principal,
		action: 'structure.inbox',
		outcome: answers || agent ? 'success' : 'denied',
		target: { type: 'structure', id: structureId },
		territoryId: s && (answers || agent) ? s.territoryId : null,
		ip: caller.ip
	});
	if (!s || !(answers || agent)) throw notFound(structureId);
	return {
		structure: s,
		hasMembers: await hasMembers(db, s.id),
		answers,
		canManageMembers: managesMembers(caller, s)
	};
}

export interface Member {
	userId: string;
	email: string;
	role: Role;
	lastLoginAt: Date | null;
	addedAt: Date;
	disabled: boolean;
}

/** A structure's members, for its pilots and its members. */
export async function listMembers(db: Db, caller: Caller, structureId: string): Promise<Member[]> {
	const s = await structureHead(db, structureId);
	if (!s || !(managesMembers(caller, s) || answersFor(caller.principal, s.id)))
		throw notFound(structureId);
	const rows = await db
		.select({
			userId: users.id,
			email: users.email,
			role: users.role,
			lastLoginAt: users.lastLoginAt,
			addedAt: structureMembers.createdAt,
			disabledAt: users.disabledAt
		})
		.from(structureMembers)
		.innerJoin(users, eq(users.id, structureMembers.userId))
		.where(eq(structureMembers.structureId, structureId))
		.orderBy(asc(users.email));
	return rows.map((r) => ({
		userId: r.userId,
		email: r.email,
		role: isRole(r.role) ? r.role : 'partner',
		lastLoginAt: r.lastLoginAt,
		addedAt: r.addedAt,
		disabled: r.disabledAt !== null
	}));
}

const InviteSchema = z.strictObject({
	email: z
		.string({ error: 'indiquez l’adresse électronique' })
		.trim()
		.min(1, 'indiquez l’adresse électronique')
		.max(254, '254 caractères au plus')
		.pipe(z.email({ error: 'adresse électronique invalide (nom@domaine.fr)' }))
});

/** How long a one-time sign-in link stays valid. */
export const INVITATION_DAYS = 7;

export interface Invitation {
	userId: string;
	/** A new account was opened for the person. */
	created: boolean;
	/** For a new account when no mail leaves the instance: to pass on, shown once. */
	oneTimePassword: string | null;
	/** A one-time link was mailed (or logged, without SMTP). */
	mailed: boolean;
}

/**
 * Makes the person of this e-mail a member of the structure: an existing account is attached;
 * otherwise a `partner` of the structure's territory is opened — with mail, signed in by a
 * one-time link (valid INVITATION_DAYS days); without, by a one-time password shown once to the
 * pilot. All in one transaction with its audit entry.
 */
export async function inviteMember(
	db: Db,
	caller: Caller,
	structureId: string,
	input: unknown
): Promise<Invitation> {
	const s = await structureHead(db, structureId);
	if (!s || !managesMembers(caller, s)) {
		if (s && inScope(caller.principal, s.territoryId))
			throw new ServiceError(
				'forbidden',
				'Seuls les pilotes du territoire invitent les membres d’une structure'
			);
		throw notFound(structureId);
	}
	const parsed = InviteSchema.safeParse(input);
	if (!parsed.success) {
		const issues = issuesOf(parsed.error);
		throw new ServiceError('invalid', issues.map((i) => i.message).join(' ; '), issues);
	}
	const email = parsed.data.email;
	const [existing] = await db
		.select({ id: users.id, disabledAt: users.disabledAt })
		.from(users)
		.where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
	const mail = mailEnabled();
	const oneTimePassword = !existing && !mail ? generatePassword() : null;
	const passwordHash = oneTimePassword ? await hashPassword(oneTimePassword) : null;
	const userId = existing?.id ?? randomUUID();
	const link = !existing && mail ? randomSecret(32) : null;
	const expiresAt = new Date(Date.now() + INVITATION_DAYS * 86_400_000);
	const queued: number[] = [];
	try {
		await db.transaction(async (tx) => {
			if (!existing) {
				await tx.insert(users).values({
					id: userId,
					email,
					role: 'partner',
					passwordHash,
					mustChangePassword: oneTimePassword !== null
				});
				await tx.insert(userTerritories).values({ userId, territoryId: s.territoryId });
			}
			const added = await tx
				.insert(structureMembers)
				.values({
					structureId: s.id,
					userId,
					createdBy: caller.principal.type === 'system' ? null : caller.principal.id
				})
				.onConflictDoNothing()
				.returning({ userId: structureMembers.userId });
			if (added.length === 0) {
				throw new ServiceError('conflict', `${email} est déjà membre de ${s.name}`, [
					{ path: 'email', message: `${email} est déjà membre de ${s.name}` }
				]);
			}
			if (link) {
				await tx.insert(invitations).values({
					tokenHash: sha256(link),
					userId,
					structureId: s.id,
					expiresAt
				});
				const message = invitationMail({
					structureName: s.name,
					link: `${readConfig().origin.replace(/\/$/, '')}/invitation/${link}`,
					expiresOn: expiresAt
				});
				const id = await queueMail(tx, {
					orientationId: null,
					key: `invitation:${sha256(link).slice(0, 16)}`,
					kind: 'invitation',
					recipients: [email],
					...message
				});
				if (id !== null) queued.push(id);
			}
			await audit(tx, {
				actor: caller.principal,
				action: 'structure.member_add',
				outcome: 'success',
				target: { type: 'structure', id: s.id },
				territoryId: s.territoryId,
				ip: caller.ip,
				details: { user: userId, created: !existing, link: link !== null }
			});
		});
	} catch (error) {
		if (isUniqueViolation(error)) {
			throw new ServiceError('conflict', `un compte vient d’être créé pour ${email}`, [
				{ path: 'email', message: `un compte vient d’être créé pour ${email} : réessayez` }
			]);
		}
		throw error;
	}
	if (queued.length > 0) await deliverPending(db, { ids: queued });
	return { userId, created: !existing, oneTimePassword, mailed: link !== null };
}

/** Detaches an account from a structure (the account itself stays). Audited. */
export async function removeMember(
	db: Db,
	caller: Caller,
	structureId: string,
	userId: string
): Promise<void> {
	const s = await structureHead(db, structureId);
	if (!s || !managesMembers(caller, s)) throw notFound(structureId);
	await db.transaction(async (tx) => {
		const removed = await tx
			.delete(structureMembers)
			.where(and(eq(structureMembers.structureId, s.id), eq(structureMembers.userId, userId)))
			.returning({ userId: structureMembers.userId });
		if (removed.length === 0) {
			throw new ServiceError('not_found', 'Ce compte n’est pas membre de la structure', [
				{ path: 'user', message: 'ce compte n’est pas membre de la structure' }
			]);
		}
		await audit(tx, {
			actor: caller.principal,
			action: 'structure.member_remove',
			outcome: 'success',
			target: { type: 'structure', id: s.id },
			territoryId: s.territoryId,
			ip: caller.ip,
			details: { user: userId }
		});
	});
}

async function openInvitation(db: Db, token: string) {
	const [row] = await db
		.select({
			userId: invitations.userId,
			email: users.email,
			structureId: invitations.structureId,
			structureName: structures.name,
			tokenHash: invitations.tokenHash
		})
		.from(invitations)
		.innerJoin(users, eq(users.id, invitations.userId))
		.leftJoin(structures, eq(structures.id, invitations.structureId))
		.where(
			and(
				eq(invitations.tokenHash, sha256(token)),
				isNull(invitations.usedAt),
				gt(invitations.expiresAt, new Date()),
				isNull(users.disabledAt)
			)
		);
	return row ?? null;
}

/** Who a one-time link invites, and for what; null when unknown, used or expired. */
export async function invitationInfo(
	db: Db,
	token: string
): Promise<{ email: string; structureName: string | null; structureId: string | null } | null> {
	const row = await openInvitation(db, token);
	return row
		? { email: row.email, structureName: row.structureName, structureId: row.structureId }
		: null;
}

const AcceptSchema = z.strictObject({
	password: z.string().min(1, 'choisissez un mot de passe').max(1024),
	confirm: z.string().max(1024)
});

/**
 * Uses a one-time link: the person chooses its password (the account rules apply), the link is
 * spent, and a session opens. Audited in the same transaction.
 */
export async function acceptInvitation(
	db: Db,
	token: string,
	input: unknown,
	ip: string | null
): Promise<{ token: string; expiresAt: Date; structureId: string | null }> {
	const row = await openInvitation(db, token);
	if (!row) {
		throw new ServiceError(
			'not_found',
			'Ce lien n’est plus valable (déjà utilisé ou expiré) : demandez une nouvelle invitation'
		);
	}
	const parsed = AcceptSchema.safeParse(input);
	if (!parsed.success) {
		const issues = issuesOf(parsed.error);
		throw new ServiceError('invalid', issues.map((i) => i.message).join(' ; '), issues);
	}
	const problems = passwordProblems(parsed.data.password, { email: row.email });
	const issues = problems.map((message) => ({ path: 'password', message }));
	if (parsed.data.confirm !== parsed.data.password)
		issues.push({ path: 'confirm', message: 'les deux mots de passe diffèrent' });
	if (issues.length > 0)
		throw new ServiceError('invalid', issues.map((i) => i.message).join(' ; '), issues);
	const passwordHash = await hashPassword(parsed.data.password);
	const spent = await db.transaction(async (tx) => {
		const used = await tx
			.update(invitations)
			.set({ usedAt: new Date() })
			.where(and(eq(invitations.tokenHash, row.tokenHash), isNull(invitations.usedAt)))
			.returning({ userId: invitations.userId });
		if (used.length === 0) return false;
		await tx
			.update(users)
			.set({
				passwordHash,
				mustChangePassword: false,
				lastLoginAt: new Date(),
				updatedAt: new Date()
			})
			.where(eq(users.id, row.userId));
		await audit(tx, {
			actor: { type: 'user', id: row.userId, label: row.email },
			action: 'auth.invitation',
			outcome: 'success',
			target: { type: 'user', id: row.userId },
			ip
		});
		return true;
	});
	if (!spent) throw new ServiceError('conflict', 'Ce lien vient d’être utilisé');
	const session = await startSession(db, row.userId);
	return { ...session, structureId: row.structureId };
}

/** The names of the structures the principal answers for, for the navigation. */
export async function memberStructures(
	db: Db,
	ids: readonly string[]
): Promise<{ id: string; name: string }[]> {
	if (ids.length === 0) return [];
	const rows = await db
		.select({ id: structures.id, name: structures.name })
		.from(structures)
		.where(inArray(structures.id, [...ids]));
	return rows.sort((a, b) => a.name.localeCompare(b.name, 'fr'));
}
