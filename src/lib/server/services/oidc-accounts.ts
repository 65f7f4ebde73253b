import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { users } from '$lib/server/db/schema';
import type { Caller, Principal } from '$lib/server/auth/principal';
import { audit } from './audit';
import { startSession } from './sessions';
import { getUser, userPrincipal } from './users';

/**
 * The account behind an identity proved by an OpenID Connect provider (contract §6), in this
 * order:
 *
 * 1. the account already linked to it (`auth_provider` = the provider, `external_id` = `sub`);
 * 2. else the account of that e-mail (case-insensitive, as the unique index `users_email`), which
 *    is then linked to it. `auth_provider` names the provider the account's external identity
 *    comes from, `local` when it has none; it says nothing of the password: a local account
 *    linked to ProConnect keeps its password, which goes on signing it in;
 * 3. else a new account: `partner`, no password, and `unplaced` — acting on no territory at all
 *    until an administrator places it (users.ts, `userPrincipal` and `updateUser`).
 *
 * An account already linked to another `sub` is linked anew when its e-mail comes with a new
 * one: ProConnect's `sub` is specific to each pair of service and identity provider, so the same
 * person gets another one on changing identity provider, and ProConnect recommends the
 * professional e-mail to reconcile identities (proconnect-documentation, doc_fs/donnees_fournies.md,
 * « Le champ sub »). A disabled account is refused. Every outcome is audited in the transaction
 * that writes it, and the session starts in that same transaction.
 */

export interface OidcSignInInput {
	/** The `auth_provider` name (auth/oidc.ts: `oidc`). */
	provider: string;
	sub: string;
	/** Verified by the provider (auth/oidc.ts refuses an unverified one before this). */
	email: string;
}

/** How the account was found: already linked, linked now by its e-mail, or created. */
export type OidcAccountMatch = 'linked' | 'matched_by_email' | 'created';

export type OidcSignInResult =
	| {
			ok: true;
			token: string;
			principal: Principal;
			expiresAt: Date;
			userId: string;
			match: OidcAccountMatch;
	  }
	| { ok: false; reason: 'disabled'; userId: string };

type UserRow = typeof users.$inferSelect;

/**
 * Signs in the holder of an identity proved by the provider. The caller is whoever is at the
 * door: no principal yet, only its address for the audit log.
 */
export async function signInWithOidc(
	db: Db,
	caller: Pick<Caller, 'ip'>,
	input: OidcSignInInput
): Promise<OidcSignInResult> {
	const email = input.email.trim();
	const result = await db.transaction(async (tx) => {
		const t = tx as unknown as Db;
		let match: OidcAccountMatch = 'linked';
		let row = await byIdentity(t, input.provider, input.sub);
		if (!row) {
			row = await byEmail(t, email);
			match = 'matched_by_email';
		}
		if (!row) {
			row = await create(t, input.provider, input.sub, email);
			match = 'created';
		}
		if (!row) {
			// Created by a simultaneous sign-in between the two reads and the insert: it is there now.
			row = (await byIdentity(t, input.provider, input.sub)) ?? (await byEmail(t, email));
			match = 'linked';
			if (!row) throw new Error('compte introuvable après une création concurrente');
		}
		const actor = { type: 'user' as const, id: row.id, label: row.email };
		const details = { method: 'oidc', provider: input.provider, account: match };
		if (row.disabledAt !== null) {
			await audit(t, {
				actor,
				action: 'auth.login',
				outcome: 'failure',
				target: { type: 'user', id: row.id },
				ip: caller.ip,
				details: { ...details, reason: 'disabled' }
			});
			return { ok: false as const, reason: 'disabled' as const, userId: row.id };
		}
		if (match === 'matched_by_email') {
			// A one-time password still pending was never chosen by the person, who now signs in
			// through the provider: it is voided rather than left usable by whoever saw it (and
			// rather than sending the person to change a password it may never have received).
			const voidOneTimePassword = row.mustChangePassword;
			await t
				.update(users)
				.set({
					authProvider: input.provider,
					externalId: input.sub,
					...(voidOneTimePassword ? { passwordHash: null, mustChangePassword: false } : {}),
					updatedAt: new Date()
				})
				.where(eq(users.id, row.id));
			await audit(t, {
				actor,
				action: 'auth.oidc_link',
				outcome: 'success',
				target: { type: 'user', id: row.id },
				ip: caller.ip,
				details: {
					provider: input.provider,
					// Linked before to another `sub` (another identity provider behind ProConnect).
					relinked: row.externalId !== null,
					one_time_password_voided: voidOneTimePassword
				}
			});
		} else if (match === 'created') {
			await audit(t, {
				actor,
				action: 'auth.oidc_account_create',
				outcome: 'success',
				target: { type: 'user', id: row.id },
				ip: caller.ip,
				details: { provider: input.provider, role: 'partner', unplaced: true }
			});
		}
		const session = await startSession(t, row.id);
		await t.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, row.id));
		await audit(t, {
			actor,
			action: 'auth.login',
			outcome: 'success',
			target: { type: 'user', id: row.id },
			ip: caller.ip,
			details
		});
		return { ok: true as const, ...session, userId: row.id, match };
	});
	if (!result.ok) return result;
	const user = await getUser(db, result.userId);
	if (!user) throw new Error('compte introuvable après la connexion');
	return { ...result, principal: userPrincipal(user) };
}

async function byIdentity(db: Db, provider: string, sub: string): Promise<UserRow | null> {
	const [row] = await db
		.select()
		.from(users)
		.where(and(eq(users.authProvider, provider), eq(users.externalId, sub)));
	return row ?? null;
}

async function byEmail(db: Db, email: string): Promise<UserRow | null> {
	const [row] = await db
		.select()
		.from(users)
		.where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
	return row ?? null;
}

/** The new account, or null when a simultaneous sign-in created it first (a unique index held). */
async function create(
	db: Db,
	provider: string,
	sub: string,
	email: string
): Promise<UserRow | null> {
	const [row] = await db
		.insert(users)
		.values({
			id: randomUUID(),
			email,
			role: 'partner',
			authProvider: provider,
			externalId: sub,
			passwordHash: null,
			unplaced: true
		})
		.onConflictDoNothing()
		.returning();
	return row ?? null;
}
