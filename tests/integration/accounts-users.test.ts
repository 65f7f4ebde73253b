import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '$lib/server/db/client';
import { verifyPassword } from '$lib/server/auth/password';
import { systemCaller, type Caller } from '$lib/server/auth/principal';
import { login, validateSession } from '$lib/server/services/sessions';
import {
	AccountError,
	changePassword,
	countActiveAdmins,
	createUser,
	findUserByEmail,
	getUser,
	setUserDisabled,
	updateUser
} from '$lib/server/services/users';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import {
	OTHER_PASSWORD,
	PASSWORD,
	insertSession,
	insertTerritory,
	insertUser,
	rejectionOf,
	sessionHashesOf,
	uniqueEmail,
	uniqueIp
} from '../factories/accounts';

async function accountError(promise: Promise<unknown>): Promise<AccountError> {
	const error = await rejectionOf(promise);
	expect(error).toBeInstanceOf(AccountError);
	return error as AccountError;
}

/** The command line: an unscoped administrator. */
const SYSTEM = systemCaller();

/** The account itself, as its own page calls the services. */
function self(user: { id: string; email: string }): Caller {
	return {
		principal: { type: 'user', id: user.id, label: user.email, role: 'agent', territories: null },
		ip: null
	};
}

async function userCount(db: Parameters<typeof getUser>[0]): Promise<number> {
	const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from users`);
	return row?.n ?? -1;
}

describe.each(DATABASES)('accounts: users on %s', (kind) => {
	const t = useTestDatabase(kind);

	beforeAll(async () => {
		await insertTerritory(t.db, 'marseille-4-12');
		await insertTerritory(t.db, 'pays-aixois');
	});

	describe('createUser', () => {
		it('without a password: returns a one-time password, to be changed at first sign-in', async () => {
			const email = uniqueEmail('pilote');
			const { user, oneTimePassword } = await createUser(t.db, SYSTEM, {
				email,
				role: 'pilot',
				territories: ['pays-aixois', 'marseille-4-12']
			});
			expect(oneTimePassword).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
			expect(user).toMatchObject({
				email,
				role: 'pilot',
				territories: ['marseille-4-12', 'pays-aixois'],
				mustChangePassword: true,
				disabledAt: null,
				lastLoginAt: null
			});
			const row = await findUserByEmail(t.db, email);
			// Only an Argon2id hash of it is kept, and it is that password's hash.
			expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
			expect(row?.passwordHash).not.toContain(oneTimePassword);
			expect(await verifyPassword(row?.passwordHash ?? '', oneTimePassword ?? '')).toBe(true);
			expect(await getUser(t.db, user.id)).toEqual(user);
		});

		it('with a password: no one-time password, nothing to change', async () => {
			const email = uniqueEmail('Agent.Majuscules');
			const { user, oneTimePassword } = await createUser(t.db, SYSTEM, {
				email,
				role: 'agent',
				password: PASSWORD
			});
			expect(oneTimePassword).toBeNull();
			expect(user).toMatchObject({
				email,
				role: 'agent',
				territories: [],
				mustChangePassword: false
			});
			const row = await findUserByEmail(t.db, email.toUpperCase());
			expect(row?.id).toBe(user.id);
			expect(await verifyPassword(row?.passwordHash ?? '', PASSWORD)).toBe(true);
		});

		it.each([
			['too short', 'Court-9!x', 'au moins 12 caractères'],
			['common', 'qwerty123456', 'plus courants'],
			['derived from the email', 'martine.dupont-2024', 'adresse électronique']
		])(
			'refuses a password that is %s, on the path "password", and writes nothing',
			async (_, password, message) => {
				const before = await userCount(t.db);
				const error = await accountError(
					createUser(t.db, SYSTEM, {
						email: 'martine.dupont@ccas.example.fr',
						role: 'agent',
						password
					})
				);
				expect(error.issues.length).toBeGreaterThan(0);
				expect(error.issues.every((issue) => issue.path === 'password')).toBe(true);
				expect(error.issues.map((i) => i.message).join(' ')).toContain(message);
				expect(await userCount(t.db)).toBe(before);
			}
		);

		it('refuses an email that already has an account, whatever its case', async () => {
			const email = uniqueEmail('claire.martin');
			await insertUser(t.db, { email });
			const before = await userCount(t.db);
			const error = await accountError(
				createUser(t.db, SYSTEM, { email: email.toUpperCase(), role: 'partner' })
			);
			expect(error.issues).toEqual([
				{ path: 'email', message: expect.stringContaining('existe déjà') }
			]);
			expect(await userCount(t.db)).toBe(before);
		});

		it('refuses the second of two simultaneous creations of one email with an AccountError', async () => {
			const email = uniqueEmail('simultane');
			const results = await Promise.allSettled([
				createUser(t.db, SYSTEM, { email, role: 'agent', password: PASSWORD }),
				createUser(t.db, SYSTEM, { email: email.toUpperCase(), role: 'agent', password: PASSWORD })
			]);
			expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
			const failed = results.find((r) => r.status === 'rejected');
			expect(failed?.reason).toBeInstanceOf(AccountError);
			expect((failed?.reason as AccountError).issues[0]?.path).toBe('email');
			const [row] = await queryRows<{ n: number }>(
				t.db,
				sql`select count(*)::int as n from users where lower(email) = ${email.toLowerCase()}`
			);
			expect(row?.n).toBe(1);
		});

		it('refuses an unknown territory and writes nothing', async () => {
			const before = await userCount(t.db);
			const error = await accountError(
				createUser(t.db, SYSTEM, {
					email: uniqueEmail(),
					role: 'agent',
					territories: ['marseille-4-12', 'atlantide']
				})
			);
			expect(error.issues).toEqual([
				{ path: 'territories', message: expect.stringContaining('atlantide') }
			]);
			expect(await userCount(t.db)).toBe(before);
		});

		it('refuses an unknown role, a malformed email and an unknown field', async () => {
			const before = await userCount(t.db);
			const paths = async (input: unknown) =>
				(await accountError(createUser(t.db, SYSTEM, input))).issues.map((i) => i.path);
			expect(await paths({ email: uniqueEmail(), role: 'superuser' })).toEqual(['role']);
			expect(await paths({ email: 'pas-une-adresse', role: 'agent' })).toEqual(['email']);
			expect(await paths({ email: uniqueEmail(), role: 'agent', admin: true })).toEqual(['admin']);
			expect(await userCount(t.db)).toBe(before);
		});
	});

	describe('updateUser', () => {
		it('replaces the role and the territories', async () => {
			const user = await insertUser(t.db, { role: 'partner', territories: ['pays-aixois'] });
			const updated = await updateUser(t.db, SYSTEM, user.id, {
				role: 'pilot',
				territories: ['marseille-4-12']
			});
			expect(updated).toMatchObject({
				id: user.id,
				role: 'pilot',
				territories: ['marseille-4-12']
			});
			expect(await getUser(t.db, user.id)).toEqual(updated);
			expect(await updateUser(t.db, SYSTEM, user.id, { role: 'agent' })).toMatchObject({
				role: 'agent',
				territories: []
			});
		});

		it('refuses an unknown territory, role or account, and changes nothing', async () => {
			const user = await insertUser(t.db, { role: 'agent', territories: ['pays-aixois'] });
			const before = await getUser(t.db, user.id);
			const unknownTerritory = await accountError(
				updateUser(t.db, SYSTEM, user.id, { role: 'admin', territories: ['atlantide'] })
			);
			expect(unknownTerritory.issues).toEqual([
				{ path: 'territories', message: expect.stringContaining('atlantide') }
			]);
			const unknownRole = await accountError(updateUser(t.db, SYSTEM, user.id, { role: 'root' }));
			expect(unknownRole.issues.map((i) => i.path)).toEqual(['role']);
			expect(await getUser(t.db, user.id)).toEqual(before);

			const missing = await accountError(
				updateUser(t.db, SYSTEM, 'no-such-account', { role: 'agent', territories: ['pays-aixois'] })
			);
			expect(missing.issues).toEqual([{ path: 'id', message: 'compte introuvable' }]);
		});
	});

	describe('setUserDisabled', () => {
		it('ends every session of the account at once, and only of that account', async () => {
			const user = await insertUser(t.db);
			const other = await insertUser(t.db);
			const first = await insertSession(t.db, user.id);
			const second = await insertSession(t.db, user.id);
			const others = await insertSession(t.db, other.id);
			expect(await validateSession(t.db, first.token)).not.toBeNull();

			await setUserDisabled(t.db, SYSTEM, user.id, true);
			expect(await sessionHashesOf(t.db, user.id)).toEqual([]);
			expect(await validateSession(t.db, first.token)).toBeNull();
			expect(await validateSession(t.db, second.token)).toBeNull();
			expect((await getUser(t.db, user.id))?.disabledAt).toBeInstanceOf(Date);
			expect(await sessionHashesOf(t.db, other.id)).toEqual([others.tokenHash]);

			// Re-enabled: the account may sign in again, the old sessions stay ended.
			await setUserDisabled(t.db, SYSTEM, user.id, false);
			expect((await getUser(t.db, user.id))?.disabledAt).toBeNull();
			expect(await validateSession(t.db, first.token)).toBeNull();
		});
	});

	describe('changePassword', () => {
		it('ends the other sessions, keeps the given one, and the new password works', async () => {
			const user = await insertUser(t.db);
			const kept = await insertSession(t.db, user.id);
			const ended = [await insertSession(t.db, user.id), await insertSession(t.db, user.id)];
			await t.db.execute(sql`update users set must_change_password = true where id = ${user.id}`);

			await changePassword(
				t.db,
				self(user),
				{ current: PASSWORD, password: OTHER_PASSWORD },
				kept.tokenHash
			);
			expect(await sessionHashesOf(t.db, user.id)).toEqual([kept.tokenHash]);
			for (const session of ended) expect(await validateSession(t.db, session.token)).toBeNull();
			expect((await validateSession(t.db, kept.token))?.principal).toMatchObject({
				id: user.id,
				mustChangePassword: false
			});

			const ip = uniqueIp();
			expect(await login(t.db, { email: user.email, password: PASSWORD, ip })).toEqual({
				ok: false,
				reason: 'invalid'
			});
			expect(await login(t.db, { email: user.email, password: OTHER_PASSWORD, ip })).toMatchObject({
				ok: true
			});
		});

		it('without a session to keep, ends them all', async () => {
			const user = await insertUser(t.db);
			await insertSession(t.db, user.id);
			await insertSession(t.db, user.id);
			await changePassword(t.db, self(user), { current: PASSWORD, password: OTHER_PASSWORD });
			expect(await sessionHashesOf(t.db, user.id)).toEqual([]);
		});

		it('refuses a weak password on the path "password" and changes nothing', async () => {
			const user = await insertUser(t.db);
			const session = await insertSession(t.db, user.id);
			const before = (await findUserByEmail(t.db, user.email))?.passwordHash;
			const error = await accountError(
				changePassword(t.db, self(user), { current: PASSWORD, password: 'qwerty123456' })
			);
			expect(error.issues.map((i) => i.path)).toEqual(['password']);
			expect((await findUserByEmail(t.db, user.email))?.passwordHash).toBe(before);
			expect(await sessionHashesOf(t.db, user.id)).toEqual([session.tokenHash]);
			const missing = await accountError(
				changePassword(t.db, self({ id: 'no-such-account', email: 'personne@example.fr' }), {
					current: PASSWORD,
					password: OTHER_PASSWORD
				})
			);
			expect(missing.issues.map((i) => i.path)).toEqual(['id']);
		});
	});

	describe('countActiveAdmins', () => {
		it('counts the admins that are not disabled, and only them', async () => {
			// Another active admin, so that the one below is never the last (which keeps its role).
			await insertUser(t.db, { role: 'admin' });
			const base = await countActiveAdmins(t.db);
			const admin = await insertUser(t.db, { role: 'admin' });
			await insertUser(t.db, { role: 'admin', disabled: true });
			await insertUser(t.db, { role: 'pilot' });
			expect(await countActiveAdmins(t.db)).toBe(base + 1);
			await setUserDisabled(t.db, SYSTEM, admin.id, true);
			expect(await countActiveAdmins(t.db)).toBe(base);
			await setUserDisabled(t.db, SYSTEM, admin.id, false);
			await updateUser(t.db, SYSTEM, admin.id, { role: 'pilot' });
			expect(await countActiveAdmins(t.db)).toBe(base);
		});
	});
});
