import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '$lib/server/db/client';
import { sha256 } from '$lib/server/auth/crypto';
import { systemCaller, type Caller } from '$lib/server/auth/principal';
import {
	authenticateApiToken,
	createApiToken,
	listApiTokens,
	revokeApiToken
} from '$lib/server/services/api-tokens';
import { AccountError } from '$lib/server/services/users';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { insertTerritory, insertUser, rejectionOf, tableText } from '../factories/accounts';

const SYSTEM = systemCaller();

async function tokenCount(db: Parameters<typeof listApiTokens>[0]): Promise<number> {
	return (await listApiTokens(db, SYSTEM)).length;
}

describe.each(DATABASES)('accounts: API tokens on %s', (kind) => {
	const t = useTestDatabase(kind);
	let adminId = '';
	/** An unscoped administrator, signed in. */
	let admin: Caller = SYSTEM;

	beforeAll(async () => {
		await insertTerritory(t.db, 'marseille-4-12');
		await insertTerritory(t.db, 'pays-aixois');
		adminId = (await insertUser(t.db, { role: 'admin', password: false })).id;
		admin = {
			principal: { type: 'user', id: adminId, label: 'admin', role: 'admin', territories: null },
			ip: '203.0.113.7'
		};
	});

	it('returns a bt_ token once, and keeps only its SHA-256', async () => {
		const { token, summary } = await createApiToken(t.db, admin, {
			name: 'Import nocturne',
			role: 'pilot',
			territories: ['pays-aixois', 'marseille-4-12']
		});
		expect(token).toMatch(/^bt_[A-Za-z0-9_-]{43}$/);
		expect(summary).toMatchObject({
			name: 'Import nocturne',
			role: 'pilot',
			territories: ['marseille-4-12', 'pays-aixois'],
			lastUsedAt: null,
			revokedAt: null
		});
		expect(summary.createdAt).toBeInstanceOf(Date);
		const [row] = await queryRows<{ token_hash: string; created_by: string }>(
			t.db,
			sql`select token_hash, created_by from api_tokens where id = ${summary.id}`
		);
		expect(row).toEqual({ token_hash: sha256(token), created_by: adminId });
		const stored = await tableText(t.db, 'api_tokens');
		expect(stored).not.toContain(token);
		expect(stored).not.toContain(token.slice(3));
		// Not listed again either.
		expect(JSON.stringify(await listApiTokens(t.db, SYSTEM))).not.toContain(token.slice(3));
	});

	it('authenticates a token as its role and territories, and records when it was used', async () => {
		const { token, summary } = await createApiToken(t.db, SYSTEM, {
			name: 'Tableau de bord',
			role: 'partner',
			territories: ['marseille-4-12']
		});
		const before = Date.now();
		expect(await authenticateApiToken(t.db, token)).toEqual({
			type: 'token',
			id: summary.id,
			label: 'Tableau de bord',
			role: 'partner',
			territories: ['marseille-4-12'],
			// Not a structure's token: it answers for no structure (contract §7).
			structures: []
		});
		const used = (await listApiTokens(t.db, SYSTEM)).find((s) => s.id === summary.id)?.lastUsedAt;
		expect(used).toBeInstanceOf(Date);
		expect(used?.getTime()).toBeGreaterThanOrEqual(before - 1000);
		expect(used?.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
	});

	it('gives a token without territories every territory (null)', async () => {
		const { token } = await createApiToken(t.db, admin, { name: 'Instance', role: 'admin' });
		expect(await authenticateApiToken(t.db, token)).toMatchObject({
			type: 'token',
			role: 'admin',
			territories: null
		});
	});

	it('refuses a revoked token', async () => {
		const { token, summary } = await createApiToken(t.db, admin, {
			name: 'À révoquer',
			role: 'agent',
			territories: ['pays-aixois']
		});
		expect(await authenticateApiToken(t.db, token)).not.toBeNull();
		await revokeApiToken(t.db, admin, summary.id);
		expect(await authenticateApiToken(t.db, token)).toBeNull();
		expect(
			(await listApiTokens(t.db, SYSTEM)).find((s) => s.id === summary.id)?.revokedAt
		).toBeInstanceOf(Date);
		// Once is enough; an unknown id revokes nothing.
		for (const id of [summary.id, 'no-such-token']) {
			const error = await rejectionOf(revokeApiToken(t.db, admin, id));
			expect(error).toBeInstanceOf(AccountError);
			expect(error).toMatchObject({ kind: 'not_found', issues: [{ path: 'id' }] });
		}
	});

	it('refuses unknown, altered and malformed tokens', async () => {
		const { token } = await createApiToken(t.db, admin, { name: 'Témoin', role: 'partner' });
		const last = token.at(-1) === 'A' ? 'B' : 'A';
		for (const candidate of [
			`bt_${'A'.repeat(43)}`,
			token.slice(0, -1) + last,
			token.slice(3),
			token.toUpperCase(),
			`${token} `,
			'bt_',
			'',
			'garbage',
			"bt_' or '1'='1"
		]) {
			expect(await authenticateApiToken(t.db, candidate)).toBeNull();
		}
		expect(await authenticateApiToken(t.db, token)).not.toBeNull();
	});

	it('refuses an unknown territory, an unknown role, an empty name and an unknown field', async () => {
		const before = await tokenCount(t.db);
		const paths = async (input: unknown) => {
			const error = await rejectionOf(createApiToken(t.db, admin, input));
			expect(error).toBeInstanceOf(AccountError);
			return (error as AccountError).issues.map((i) => i.path);
		};
		expect(
			await paths({ name: 'X', role: 'partner', territories: ['marseille-4-12', 'atlantide'] })
		).toEqual(['territories']);
		expect(await paths({ name: 'X', role: 'root' })).toEqual(['role']);
		expect(await paths({ name: '   ', role: 'partner' })).toEqual(['name']);
		expect(await paths({ name: 'X', role: 'partner', scope: '*' })).toEqual(['scope']);
		expect(await tokenCount(t.db)).toBe(before);
	});
});
