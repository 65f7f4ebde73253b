/**
 * Issue 12, « nobody grants more than they hold »: an administrator scoped to one territory gives
 * accounts and tokens only its own territories (never « none », which is every territory), only a
 * role up to its own, and sees, edits, disables and revokes only the accounts and tokens within
 * its territories. Every refusal writes nothing, not even an audit row; every change writes its
 * audit row with it.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Db } from '$lib/server/db/client';
import { systemCaller, type Caller } from '$lib/server/auth/principal';
import type { Role } from '$lib/domain/roles';
import { createApiToken, listApiTokens, revokeApiToken } from '$lib/server/services/api-tokens';
import { readAudit } from '$lib/server/services/audit';
import { ServiceError } from '$lib/server/services/errors';
import { grantIssues } from '$lib/server/services/grants';
import {
	AccountError,
	createUser,
	getUser,
	listUsers,
	setUserDisabled,
	updateUser
} from '$lib/server/services/users';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { insertTerritory, insertUser, rejectionOf, uniqueEmail } from '../factories/accounts';

const NORD = 'grants-nord';
const SUD = 'grants-sud';
const SYSTEM = systemCaller();

let sequence = 0;
function caller(role: Role, territories: string[] | null): Caller {
	sequence++;
	return {
		principal: {
			type: 'user',
			id: `grants-caller-${sequence}`,
			label: `caller.${sequence}@example.fr`,
			role,
			territories
		},
		ip: `198.51.100.${sequence}`
	};
}

async function counts(db: Db) {
	const [row] = await queryRows<{ users: number; tokens: number; audit: number }>(
		db,
		sql`select (select count(*)::int from users) as users,
			(select count(*)::int from api_tokens) as tokens,
			(select count(*)::int from audit_log) as audit`
	);
	return row;
}

/** The refusal of a promise: a ServiceError of this kind, its issues' paths. */
async function refused(promise: Promise<unknown>, kind: ServiceError['kind']) {
	const error = await rejectionOf(promise);
	expect(error).toBeInstanceOf(ServiceError);
	expect((error as ServiceError).kind).toBe(kind);
	return (error as ServiceError).issues.map((i) => i.path);
}

describe.each(DATABASES)('nobody grants more than they hold, on %s', (kind) => {
	const t = useTestDatabase(kind);
	const scopedAdmin = caller('admin', [NORD]);

	beforeAll(async () => {
		await insertTerritory(t.db, NORD);
		await insertTerritory(t.db, SUD);
	});

	it('a scoped admin cannot mint an unscoped token, nor one of another territory; nothing is written', async () => {
		const before = await counts(t.db);
		for (const territories of [[], [SUD], [NORD, SUD], ['grants-inconnu']]) {
			expect(
				await refused(
					createApiToken(t.db, scopedAdmin, { name: 'Intégration', role: 'partner', territories }),
					'forbidden'
				)
			).toContain('territories');
		}
		expect(await counts(t.db)).toEqual(before);

		// Within its territory, it may — audited with it, in the same transaction.
		const { summary } = await createApiToken(t.db, scopedAdmin, {
			name: 'Intégration nord',
			role: 'admin',
			territories: [NORD]
		});
		expect(summary).toMatchObject({ role: 'admin', territories: [NORD] });
		const { rows } = await readAudit(t.db, SYSTEM, { action: 'admin.token_create' });
		expect(rows.filter((r) => r.targetId === summary.id)).toMatchObject([
			{
				actorId: scopedAdmin.principal.id,
				ip: scopedAdmin.ip,
				outcome: 'success',
				details: { role: 'admin', territories: NORD }
			}
		]);
	});

	it('a scoped admin cannot open an unscoped account, nor one of another territory; nothing is written', async () => {
		const before = await counts(t.db);
		for (const territories of [[], [SUD], [NORD, SUD]]) {
			expect(
				await refused(
					createUser(t.db, scopedAdmin, { email: uniqueEmail(), role: 'pilot', territories }),
					'forbidden'
				)
			).toContain('territories');
		}
		expect(await counts(t.db)).toEqual(before);
		const { user } = await createUser(t.db, scopedAdmin, {
			email: uniqueEmail('nord'),
			role: 'admin',
			territories: [NORD]
		});
		expect(user).toMatchObject({ role: 'admin', territories: [NORD] });
	});

	it('nobody gives a role above its own', async () => {
		expect(grantIssues(caller('pilot', null), 'admin', [])).toEqual([
			{ path: 'role', message: expect.stringContaining('au-dessus') }
		]);
		expect(grantIssues(caller('agent', [NORD]), 'pilot', [NORD]).map((i) => i.path)).toEqual([
			'role'
		]);
		expect(grantIssues(caller('admin', [NORD]), 'admin', [NORD])).toEqual([]);
		// Below admin, the account services refuse outright, whatever is asked.
		const before = await counts(t.db);
		const pilot = caller('pilot', [NORD]);
		await refused(
			createApiToken(t.db, pilot, { name: 'X', role: 'admin', territories: [NORD] }),
			'forbidden'
		);
		await refused(
			createUser(t.db, pilot, { email: uniqueEmail(), role: 'admin', territories: [NORD] }),
			'forbidden'
		);
		expect(await counts(t.db)).toEqual(before);
	});

	it('a scoped admin edits only accounts within its territories, and gives them no more than it holds', async () => {
		const own = await insertUser(t.db, { role: 'agent', territories: [NORD] });
		const south = await insertUser(t.db, { role: 'agent', territories: [SUD] });
		const both = await insertUser(t.db, { role: 'agent', territories: [NORD, SUD] });
		const everywhere = await insertUser(t.db, { role: 'agent' });
		const before = await counts(t.db);

		for (const other of [south, both, everywhere]) {
			expect(
				await refused(
					updateUser(t.db, scopedAdmin, other.id, { role: 'agent', territories: [NORD] }),
					'not_found'
				)
			).toEqual(['id']);
			await refused(setUserDisabled(t.db, scopedAdmin, other.id, true), 'not_found');
		}
		for (const territories of [[], [SUD], [NORD, SUD]]) {
			await refused(
				updateUser(t.db, scopedAdmin, own.id, { role: 'pilot', territories }),
				'forbidden'
			);
		}
		expect(await counts(t.db)).toEqual(before);
		for (const user of [own, south, both, everywhere]) {
			expect((await getUser(t.db, user.id))?.disabledAt).toBeNull();
		}
		expect((await getUser(t.db, own.id))?.territories).toEqual([NORD]);

		// Within: done and audited.
		await updateUser(t.db, scopedAdmin, own.id, { role: 'pilot', territories: [NORD] });
		await setUserDisabled(t.db, scopedAdmin, own.id, true);
		expect(await getUser(t.db, own.id)).toMatchObject({ role: 'pilot', territories: [NORD] });
		const { rows } = await readAudit(t.db, SYSTEM, { action: 'admin.user_' });
		expect(
			rows
				.filter((r) => r.targetId === own.id)
				.map((r) => [r.action, r.actorId])
				.reverse()
		).toEqual([
			['admin.user_update', scopedAdmin.principal.id],
			['admin.user_disable', scopedAdmin.principal.id]
		]);

		// It lists only those within its territories.
		const listed = (await listUsers(t.db, scopedAdmin)).map((u) => u.id);
		expect(listed).toContain(own.id);
		for (const other of [south, both, everywhere]) expect(listed).not.toContain(other.id);
	});

	it('a scoped admin revokes only tokens within its territories, and lists only those', async () => {
		const north = await createApiToken(t.db, SYSTEM, {
			name: 'N',
			role: 'agent',
			territories: [NORD]
		});
		const south = await createApiToken(t.db, SYSTEM, {
			name: 'S',
			role: 'agent',
			territories: [SUD]
		});
		const everywhere = await createApiToken(t.db, SYSTEM, { name: 'T', role: 'agent' });
		const before = await counts(t.db);
		for (const other of [south, everywhere]) {
			await refused(revokeApiToken(t.db, scopedAdmin, other.summary.id), 'not_found');
		}
		expect(await counts(t.db)).toEqual(before);
		const listed = (await listApiTokens(t.db, scopedAdmin)).map((x) => x.id);
		expect(listed).toContain(north.summary.id);
		expect(listed).not.toContain(south.summary.id);
		expect(listed).not.toContain(everywhere.summary.id);
		for (const other of [south, everywhere]) {
			const row = (await listApiTokens(t.db, SYSTEM)).find((x) => x.id === other.summary.id);
			expect(row?.revokedAt).toBeNull();
		}
		await revokeApiToken(t.db, scopedAdmin, north.summary.id);
		expect(
			(await listApiTokens(t.db, SYSTEM)).find((x) => x.id === north.summary.id)?.revokedAt
		).toBeInstanceOf(Date);
	});

	it('a scoped admin reads the audit entries of its territories and accounts, not the others’', async () => {
		const south = await createUser(t.db, SYSTEM, {
			email: uniqueEmail('sud'),
			role: 'agent',
			territories: [SUD]
		});
		const north = await createUser(t.db, SYSTEM, {
			email: uniqueEmail('nord'),
			role: 'agent',
			territories: [NORD]
		});
		const { rows } = await readAudit(t.db, scopedAdmin, { action: 'admin.', limit: 1000 });
		const targets = rows.map((r) => r.targetId);
		expect(targets).toContain(north.user.id);
		expect(targets).not.toContain(south.user.id);
		// An unscoped admin reads it all.
		const whole = await readAudit(t.db, caller('admin', null), { action: 'admin.', limit: 1000 });
		expect(whole.rows.map((r) => r.targetId)).toContain(south.user.id);
		// Below admin, nothing.
		await refused(readAudit(t.db, caller('pilot', [NORD]), {}), 'forbidden');
	});

	it('an unscoped admin still grants every territory (« none »), and every role', async () => {
		const admin = caller('admin', null);
		const { summary } = await createApiToken(t.db, admin, { name: 'Instance', role: 'admin' });
		expect(summary.territories).toEqual([]);
		const { user } = await createUser(t.db, admin, { email: uniqueEmail(), role: 'admin' });
		expect(user.territories).toEqual([]);
	});

	it('the last active administrator keeps its role and stays enabled', async () => {
		const before = await queryRows<{ id: string }>(
			t.db,
			sql`select id from users where role = 'admin' and disabled_at is null`
		);
		for (const { id } of before) await setUserDisabled(t.db, SYSTEM, id, true).catch(() => {});
		const [last] = await queryRows<{ id: string }>(
			t.db,
			sql`select id from users where role = 'admin' and disabled_at is null`
		);
		expect(last).toBeDefined();
		const id = (last as { id: string }).id;
		const error = await rejectionOf(updateUser(t.db, SYSTEM, id, { role: 'pilot' }));
		expect(error).toBeInstanceOf(AccountError);
		expect((error as AccountError).issues[0]?.message).toContain('au moins un administrateur');
		await refused(setUserDisabled(t.db, SYSTEM, id, true), 'invalid');
		expect((await getUser(t.db, id))?.role).toBe('admin');
	});
});
