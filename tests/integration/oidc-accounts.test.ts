import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '$lib/server/db/client';
import { scopeOf, systemCaller } from '$lib/server/auth/principal';
import { readDirectoryQuery } from '$lib/schemas/directory';
import { browseDirectory } from '$lib/server/services/directory';
import { signInWithOidc } from '$lib/server/services/oidc-accounts';
import { login, validateSession } from '$lib/server/services/sessions';
import { listTerritories } from '$lib/server/services/territories';
import {
	createUser,
	findUserByEmail,
	getUser,
	listUsers,
	setUserDisabled,
	updateUser
} from '$lib/server/services/users';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import {
	PASSWORD,
	auditRowsFromIp,
	insertUser,
	uniqueEmail,
	uniqueIp
} from '../factories/accounts';

/**
 * Sign-in through an OpenID Connect provider, from the identity it proved (auth/oidc.ts checks
 * the provider's answer; the browser test tests/e2e/start/oidc.test.ts runs the whole way): the
 * account is found by its link, else by its e-mail, else created unplaced.
 */

const PROVIDER = 'oidc';
let subs = 0;
const uniqueSub = () => `sub-${++subs}-${Math.random().toString(36).slice(2, 8)}`;

describe.each(DATABASES)('accounts: sign-in through OpenID Connect on %s', (kind) => {
	// The demo territory: real structures that an unplaced account must not see.
	const t = useTestDatabase(kind, { demo: true });

	async function directoryTotal(scope: readonly string[] | null): Promise<number> {
		const query = readDirectoryQuery(new URLSearchParams());
		if (!query.success) throw new Error('requête de l’annuaire invalide');
		return (await browseDirectory(t.db, query.data, scope)).total;
	}

	it('creates an unplaced partner at the first sign-in, who sees no territory at all', async () => {
		const ip = uniqueIp();
		const sub = uniqueSub();
		const email = uniqueEmail('proconnect');
		const result = await signInWithOidc(t.db, { ip }, { provider: PROVIDER, sub, email });
		if (!result.ok) throw new Error(`refused: ${result.reason}`);

		expect(result.match).toBe('created');
		expect(result.principal).toMatchObject({
			type: 'user',
			label: email,
			role: 'partner',
			territories: []
		});
		const row = await findUserByEmail(t.db, email);
		expect(row).toMatchObject({
			authProvider: PROVIDER,
			externalId: sub,
			passwordHash: null,
			unplaced: true,
			mustChangePassword: false
		});
		// Nothing of any territory: not the territories, not the directory — whereas an account
		// given no territory by an admin sees them all.
		expect(await directoryTotal(null)).toBeGreaterThan(0);
		expect(await listTerritories(t.db, null)).not.toEqual([]);
		expect(await listTerritories(t.db, scopeOf(result.principal))).toEqual([]);
		expect(await directoryTotal(scopeOf(result.principal))).toBe(0);
		// The session is the one the cookie will carry.
		const session = await validateSession(t.db, result.token);
		expect(session?.principal).toEqual(result.principal);

		const rows = await auditRowsFromIp(t.db, ip);
		expect(rows.map((r) => [r.action, r.outcome, r.actor_id, r.target_id])).toEqual([
			['auth.oidc_account_create', 'success', result.userId, result.userId],
			['auth.login', 'success', result.userId, result.userId]
		]);
		expect(rows[0]?.details).toMatchObject({ provider: PROVIDER, role: 'partner' });
		expect(rows[1]?.details).toMatchObject({ method: 'oidc', account: 'created' });
	});

	it('finds the same account at the next sign-in, by its link, whatever the e-mail says now', async () => {
		const sub = uniqueSub();
		const email = uniqueEmail('proconnect');
		const first = await signInWithOidc(
			t.db,
			{ ip: uniqueIp() },
			{ provider: PROVIDER, sub, email }
		);
		const ip = uniqueIp();
		const again = await signInWithOidc(
			t.db,
			{ ip },
			{ provider: PROVIDER, sub, email: email.toUpperCase() }
		);
		if (!first.ok || !again.ok) throw new Error('refused');

		expect(again.userId).toBe(first.userId);
		expect(again.match).toBe('linked');
		expect(again.token).not.toBe(first.token);
		const [count] = await queryRows<{ n: number }>(
			t.db,
			sql`select count(*)::int as n from users where external_id = ${sub}`
		);
		expect(count?.n).toBe(1);
		expect((await getUser(t.db, first.userId))?.lastLoginAt).not.toBeNull();
		const rows = await auditRowsFromIp(t.db, ip);
		expect(rows.map((r) => [r.action, r.outcome, r.details?.account])).toEqual([
			['auth.login', 'success', 'linked']
		]);
	});

	it('links an existing local account by its e-mail, case-insensitively, and keeps its password', async () => {
		const local = await insertUser(t.db, {
			email: uniqueEmail('Agent.Local'),
			role: 'agent',
			territories: ['marseille-4-12']
		});
		const sub = uniqueSub();
		const ip = uniqueIp();
		const result = await signInWithOidc(
			t.db,
			{ ip },
			{ provider: PROVIDER, sub, email: local.email.toLowerCase() }
		);
		if (!result.ok) throw new Error(`refused: ${result.reason}`);

		expect(result.userId).toBe(local.id);
		expect(result.match).toBe('matched_by_email');
		// Its role and territories are its own, not a new partner's.
		expect(result.principal).toMatchObject({ role: 'agent', territories: ['marseille-4-12'] });
		const row = await findUserByEmail(t.db, local.email);
		expect(row).toMatchObject({ authProvider: PROVIDER, externalId: sub, unplaced: false });
		expect(row?.passwordHash).not.toBeNull();
		// The password still signs it in.
		const withPassword = await login(t.db, { email: local.email, password: PASSWORD, ip });
		expect(withPassword.ok).toBe(true);
		// And the provider finds it by its link from now on.
		const again = await signInWithOidc(
			t.db,
			{ ip: uniqueIp() },
			{ provider: PROVIDER, sub, email: local.email }
		);
		expect(again.ok && again.match).toBe('linked');

		const rows = await auditRowsFromIp(t.db, ip);
		expect(rows.map((r) => [r.action, r.outcome, r.target_id])).toEqual([
			['auth.oidc_link', 'success', local.id],
			['auth.login', 'success', local.id],
			['auth.login', 'success', null]
		]);
		expect(rows[0]?.details).toMatchObject({ relinked: false, one_time_password_voided: false });
	});

	it('voids a one-time password still pending when the account is linked', async () => {
		const { user } = await createUser(t.db, systemCaller(), {
			email: uniqueEmail('nouveau'),
			role: 'partner',
			territories: []
		});
		const result = await signInWithOidc(
			t.db,
			{ ip: uniqueIp() },
			{ provider: PROVIDER, sub: uniqueSub(), email: user.email }
		);
		if (!result.ok) throw new Error(`refused: ${result.reason}`);
		expect(result.principal.mustChangePassword).toBe(false);
		expect(await findUserByEmail(t.db, user.email)).toMatchObject({
			passwordHash: null,
			mustChangePassword: false
		});
	});

	it('refuses a disabled account, found by its link or by its e-mail, and links nothing', async () => {
		const disabled = await insertUser(t.db, { disabled: true });
		const ip = uniqueIp();
		const sub = uniqueSub();
		const refused = await signInWithOidc(
			t.db,
			{ ip },
			{ provider: PROVIDER, sub, email: disabled.email }
		);
		expect(refused).toEqual({ ok: false, reason: 'disabled', userId: disabled.id });
		expect(await findUserByEmail(t.db, disabled.email)).toMatchObject({
			authProvider: 'local',
			externalId: null
		});
		const [sessions] = await queryRows<{ n: number }>(
			t.db,
			sql`select count(*)::int as n from sessions where user_id = ${disabled.id}`
		);
		expect(sessions?.n).toBe(0);
		const rows = await auditRowsFromIp(t.db, ip);
		expect(rows.map((r) => [r.action, r.outcome, r.actor_id, r.details?.reason])).toEqual([
			['auth.login', 'failure', disabled.id, 'disabled']
		]);

		// Disabled after it was linked: refused as well.
		const linkedSub = uniqueSub();
		const created = await signInWithOidc(
			t.db,
			{ ip: uniqueIp() },
			{ provider: PROVIDER, sub: linkedSub, email: uniqueEmail('proconnect') }
		);
		if (!created.ok) throw new Error('refused');
		await setUserDisabled(t.db, systemCaller(), created.userId, true);
		const later = await signInWithOidc(
			t.db,
			{ ip: uniqueIp() },
			{ provider: PROVIDER, sub: linkedSub, email: 'autre@example.fr' }
		);
		expect(later).toMatchObject({ ok: false, reason: 'disabled', userId: created.userId });
	});

	it('links the account anew when its e-mail comes with another sub (another identity provider)', async () => {
		const email = uniqueEmail('proconnect');
		const first = await signInWithOidc(
			t.db,
			{ ip: uniqueIp() },
			{ provider: PROVIDER, sub: uniqueSub(), email }
		);
		if (!first.ok) throw new Error('refused');
		const ip = uniqueIp();
		const newSub = uniqueSub();
		const other = await signInWithOidc(
			t.db,
			{ ip },
			{ provider: PROVIDER, sub: newSub, email: email.toUpperCase() }
		);
		if (!other.ok) throw new Error(`refused: ${other.reason}`);
		expect(other).toMatchObject({ userId: first.userId, match: 'matched_by_email' });
		expect(await findUserByEmail(t.db, email)).toMatchObject({ externalId: newSub });
		const rows = await auditRowsFromIp(t.db, ip);
		expect(rows.map((r) => [r.action, r.outcome, r.details?.relinked ?? null])).toEqual([
			['auth.oidc_link', 'success', true],
			['auth.login', 'success', null]
		]);
	});

	it('is placed by an admin: role and territories saved, « unplaced » ends', async () => {
		const result = await signInWithOidc(
			t.db,
			{ ip: uniqueIp() },
			{ provider: PROVIDER, sub: uniqueSub(), email: uniqueEmail('proconnect') }
		);
		if (!result.ok) throw new Error('refused');
		const listed = (await listUsers(t.db, systemCaller())).find((u) => u.id === result.userId);
		expect(listed?.unplaced).toBe(true);
		await updateUser(t.db, systemCaller(), result.userId, {
			role: 'agent',
			territories: ['marseille-4-12']
		});
		const placed = await getUser(t.db, result.userId);
		expect(placed).toMatchObject({
			unplaced: false,
			role: 'agent',
			territories: ['marseille-4-12']
		});
		const session = await validateSession(t.db, result.token);
		expect(session?.principal.territories).toEqual(['marseille-4-12']);
		expect(await directoryTotal(scopeOf(session?.principal ?? null))).toBeGreaterThan(0);
	});
});
