import { sql } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRows } from '$lib/server/db/client';
import { sha256 } from '$lib/server/auth/crypto';
import {
	endAllSessions,
	endSession,
	login,
	purgeExpiredSessions,
	signOut,
	signOutEverywhere,
	startSession,
	validateSession
} from '$lib/server/services/sessions';
import { THROTTLE_RULES, recordFailure, throttleKey } from '$lib/server/services/throttle';
import { systemCaller } from '$lib/server/auth/principal';
import { getUser, setUserDisabled } from '$lib/server/services/users';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { openSecondConnection } from '../helpers/second-connection';
import {
	PASSWORD,
	auditRowsFromIp,
	insertSession,
	insertTerritory,
	insertUser,
	minutesAgo,
	sessionHashesOf,
	tableText,
	uniqueEmail,
	uniqueIp
} from '../factories/accounts';

interface ThrottleRow {
	failures: number;
	blocked_until: Date | string | null;
}

async function throttleRow(db: Parameters<typeof login>[0], key: string) {
	const [row] = await queryRows<ThrottleRow>(
		db,
		sql`select failures, blocked_until from login_throttle where key = ${key}`
	);
	return row ?? null;
}

describe.each(DATABASES)('accounts: sign-in and sessions on %s', (kind) => {
	const t = useTestDatabase(kind);

	beforeAll(async () => {
		await insertTerritory(t.db, 'marseille-4-12');
	});

	afterEach(() => {
		vi.unstubAllEnvs();
	});

	describe('login', () => {
		it('returns a new random token at each sign-in, of which only the SHA-256 is stored', async () => {
			const user = await insertUser(t.db, { role: 'pilot', territories: ['marseille-4-12'] });
			const ip = uniqueIp();
			const first = await login(t.db, { email: user.email, password: PASSWORD, ip });
			const second = await login(t.db, {
				email: `  ${user.email.toUpperCase()} `,
				password: PASSWORD,
				ip
			});
			if (!first.ok || !second.ok) throw new Error('sign-in refused');

			expect(first.token).not.toBe(second.token);
			// ≥ 128 bits: 32 random bytes in base64url.
			expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
			expect(first.principal).toEqual({
				type: 'user',
				id: user.id,
				label: user.email,
				role: 'pilot',
				territories: ['marseille-4-12'],
				// A member of no structure (contract §7).
				structures: [],
				mustChangePassword: false
			});
			expect(first.expiresAt.getTime()).toBeGreaterThan(Date.now());
			expect(await sessionHashesOf(t.db, user.id)).toEqual(
				[sha256(first.token), sha256(second.token)].sort()
			);
			const stored = await tableText(t.db, 'sessions');
			expect(stored).toContain(sha256(first.token));
			expect(stored).not.toContain(first.token);
			expect(stored).not.toContain(second.token);

			expect((await getUser(t.db, user.id))?.lastLoginAt).toBeInstanceOf(Date);
			const audit = await auditRowsFromIp(t.db, ip);
			expect(audit.map((r) => [r.action, r.outcome, r.actor_id])).toEqual([
				['auth.login', 'success', user.id],
				['auth.login', 'success', user.id]
			]);
		});

		it('refuses a wrong password with "invalid" and logs the failure without the password', async () => {
			const user = await insertUser(t.db);
			const ip = uniqueIp();
			const wrong = 'mauvais-Mot-de-passe-7731';
			expect(await login(t.db, { email: user.email, password: wrong, ip })).toEqual({
				ok: false,
				reason: 'invalid'
			});
			expect(await sessionHashesOf(t.db, user.id)).toEqual([]);
			const audit = await auditRowsFromIp(t.db, ip);
			expect(audit).toHaveLength(1);
			expect(audit[0]).toMatchObject({
				action: 'auth.login',
				outcome: 'failure',
				actor_type: 'user',
				actor_id: user.id,
				details: { reason: 'bad_password' }
			});
			expect(JSON.stringify(audit)).not.toContain(wrong);
			expect(await tableText(t.db, 'audit_log')).not.toContain(wrong);
		});

		it('answers an unknown email exactly as a wrong password', async () => {
			const ip = uniqueIp();
			const email = uniqueEmail('inconnu');
			expect(await login(t.db, { email, password: PASSWORD, ip })).toEqual({
				ok: false,
				reason: 'invalid'
			});
			const [row] = await auditRowsFromIp(t.db, ip);
			expect(row).toMatchObject({
				action: 'auth.login',
				outcome: 'failure',
				actor_type: 'anonymous',
				actor_id: null,
				actor_label: email,
				details: { reason: 'unknown_account' }
			});
		});

		it('refuses a disabled account even with the right password', async () => {
			const user = await insertUser(t.db, { disabled: true });
			const ip = uniqueIp();
			expect(await login(t.db, { email: user.email, password: PASSWORD, ip })).toEqual({
				ok: false,
				reason: 'invalid'
			});
			expect(await sessionHashesOf(t.db, user.id)).toEqual([]);
			const [row] = await auditRowsFromIp(t.db, ip);
			expect(row).toMatchObject({ outcome: 'failure', details: { reason: 'disabled' } });
		});

		it('never logs nor stores in clear a password typed into the email field', async () => {
			const ip = uniqueIp();
			const typed = 'Ma-Phrase-Secrete-2931';
			expect(await login(t.db, { email: typed, password: 'x', ip })).toEqual({
				ok: false,
				reason: 'invalid'
			});
			const [row] = await auditRowsFromIp(t.db, ip);
			expect(row).toMatchObject({ outcome: 'failure', actor_label: null });
			expect((await tableText(t.db, 'audit_log')).toLowerCase()).not.toContain(typed.toLowerCase());
			// The sign-in counters are keyed by hashes: neither what was typed nor the address.
			const counters = await tableText(t.db, 'login_throttle');
			expect(counters).toContain(throttleKey('account', typed));
			expect(counters.toLowerCase()).not.toContain(typed.toLowerCase());
			expect(counters).not.toContain(ip);
		});
	});

	describe('brute-force protection', () => {
		it('after 5 failures from one address, slows that address down even with the right password, for every app instance; the owner elsewhere gets in', async () => {
			const user = await insertUser(t.db);
			const ip = uniqueIp();
			for (let i = 0; i < THROTTLE_RULES.pair.max; i++) {
				expect(
					await login(t.db, { email: user.email, password: `faux-${i}-xxxxxxxx`, ip })
				).toEqual({
					ok: false,
					reason: 'invalid'
				});
			}
			const blocked = await login(t.db, { email: user.email, password: PASSWORD, ip });
			expect(blocked).toEqual({ ok: false, reason: 'throttled', retryAfter: expect.any(Number) });
			if (blocked.ok || blocked.reason !== 'throttled') throw new Error('not throttled');
			expect(blocked.retryAfter).toBeGreaterThan(0);
			expect(blocked.retryAfter).toBeLessThanOrEqual(THROTTLE_RULES.pair.blockSeconds);
			expect(await sessionHashesOf(t.db, user.id)).toEqual([]);

			// The counter is a row of the database, not a variable of this process…
			const row = await throttleRow(t.db, throttleKey('pair', user.email, ip));
			expect(row?.failures).toBe(THROTTLE_RULES.pair.max);
			expect(new Date(row?.blocked_until ?? 0).getTime()).toBeGreaterThan(Date.now());
			// …so another connection (another app instance) sees the block too.
			const second = openSecondConnection(t);
			if (kind === 'postgres') expect(second).not.toBeNull();
			if (second) {
				try {
					expect(
						await login(second.db, { email: user.email, password: PASSWORD, ip })
					).toMatchObject({ ok: false, reason: 'throttled' });
				} finally {
					await second.close();
				}
			}
			const audit = await auditRowsFromIp(t.db, ip);
			expect(audit.at(-1)).toMatchObject({
				outcome: 'denied',
				details: { reason: 'throttled', retry_after: blocked.retryAfter }
			});
			// A backoff, not a lock-out: the owner, from another address, signs in at once.
			expect(
				await login(t.db, { email: user.email, password: PASSWORD, ip: uniqueIp() })
			).toMatchObject({ ok: true });
		});

		it('spread over many addresses, guesses on one account are slowed with a short delay, after which the owner gets in', async () => {
			const user = await insertUser(t.db);
			const rule = THROTTLE_RULES.account;
			for (let i = 0; i < rule.max; i++) {
				await login(t.db, { email: user.email, password: `ailleurs-${i}-zzzz`, ip: uniqueIp() });
			}
			const blocked = await login(t.db, { email: user.email, password: PASSWORD, ip: uniqueIp() });
			expect(blocked).toMatchObject({ ok: false, reason: 'throttled' });
			if (blocked.ok || blocked.reason !== 'throttled') throw new Error('not throttled');
			expect(blocked.retryAfter).toBeLessThanOrEqual(rule.blockSeconds);
			expect(rule.maxBlockSeconds).toBeLessThanOrEqual(300);
			// Once the delay has passed (moved back in the database), the right password gets in.
			await t.db.execute(
				sql`update login_throttle set blocked_until = now() - interval '1 second' where key = ${throttleKey('account', user.email)}`
			);
			expect(
				await login(t.db, { email: user.email, password: PASSWORD, ip: uniqueIp() })
			).toMatchObject({ ok: true });
		});

		it('lets at most 5 of many simultaneous wrong guesses from one address be checked, and 20 from many', async () => {
			const user = await insertUser(t.db);
			const ip = uniqueIp();
			const fromOne = await Promise.all(
				Array.from({ length: 12 }, (_, i) =>
					login(t.db, { email: user.email, password: `essai-${i}-zzzzzzzz`, ip })
				)
			);
			const one = fromOne.map((r) => (r.ok ? 'ok' : r.reason));
			expect(one.filter((r) => r === 'invalid')).toHaveLength(THROTTLE_RULES.pair.max);
			expect(one.filter((r) => r === 'throttled')).toHaveLength(12 - THROTTLE_RULES.pair.max);

			const other = await insertUser(t.db);
			const fromMany = await Promise.all(
				Array.from({ length: 30 }, (_, i) =>
					login(t.db, { email: other.email, password: `essai-${i}-wwwwwwww`, ip: uniqueIp() })
				)
			);
			const many = fromMany.map((r) => (r.ok ? 'ok' : r.reason));
			expect(many.filter((r) => r === 'invalid')).toHaveLength(THROTTLE_RULES.account.max);
		});

		it('limits one client address separately, after 100 failures on any accounts', async () => {
			const user = await insertUser(t.db);
			const ip = uniqueIp();
			const failures = await Promise.all(
				Array.from({ length: THROTTLE_RULES.ip.max }, () =>
					login(t.db, { email: uniqueEmail('balayage'), password: 'devinette-123456', ip })
				)
			);
			expect(failures.every((r) => !r.ok && r.reason === 'invalid')).toBe(true);
			expect((await throttleRow(t.db, throttleKey('ip', ip)))?.failures).toBe(
				THROTTLE_RULES.ip.max
			);

			const blocked = await login(t.db, { email: user.email, password: PASSWORD, ip });
			expect(blocked).toMatchObject({ ok: false, reason: 'throttled' });
			expect(!blocked.ok && blocked.reason === 'throttled' && blocked.retryAfter).toBeGreaterThan(
				0
			);
			// The account itself is not blocked: from another address it signs in.
			expect(
				await login(t.db, { email: user.email, password: PASSWORD, ip: uniqueIp() })
			).toMatchObject({
				ok: true
			});
		});

		it('clears the account counters on success, and gives the address back only that attempt', async () => {
			const user = await insertUser(t.db);
			const ip = uniqueIp();
			const pairKey = throttleKey('pair', user.email, ip);
			const accountKey = throttleKey('account', user.email);
			for (let i = 0; i < THROTTLE_RULES.pair.max - 1; i++) {
				await login(t.db, { email: user.email, password: `faux-${i}-yyyyyyyy`, ip });
			}
			expect((await throttleRow(t.db, pairKey))?.failures).toBe(THROTTLE_RULES.pair.max - 1);
			expect(await login(t.db, { email: user.email, password: PASSWORD, ip })).toMatchObject({
				ok: true
			});
			expect(await throttleRow(t.db, pairKey)).toBeNull();
			expect(await throttleRow(t.db, accountKey)).toBeNull();
			expect((await throttleRow(t.db, throttleKey('ip', ip)))?.failures).toBe(
				THROTTLE_RULES.pair.max - 1
			);
			// Counting starts again from zero: one more failure is not a block.
			expect(await login(t.db, { email: user.email, password: 'encore-faux-1234', ip })).toEqual({
				ok: false,
				reason: 'invalid'
			});
			expect(await throttleRow(t.db, pairKey)).toMatchObject({
				failures: 1,
				blocked_until: null
			});
		});

		it('doubles the block at each failure after it, up to the cap, for one who waits each out', async () => {
			const key = throttleKey('pair', uniqueEmail('patient'), uniqueIp());
			const rule = THROTTLE_RULES.pair;
			let now = Date.now() - 48 * 3_600_000;
			const blocks: number[] = [];
			for (let i = 0; i < rule.max + 8; i++) {
				await recordFailure(t.db, 'pair', key, new Date(now));
				const row = await throttleRow(t.db, key);
				const until = row?.blocked_until ? new Date(row.blocked_until).getTime() : null;
				blocks.push(until === null ? 0 : Math.round((until - now) / 1000));
				// The next guess comes the moment the block ends (or a minute later).
				now = until ?? now + 60_000;
			}
			expect(blocks).toEqual([0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
		});

		it('forgets an account once its window has passed and its block ended a window ago', async () => {
			const key = throttleKey('pair', uniqueEmail('oublie'), uniqueIp());
			const rule = THROTTLE_RULES.pair;
			const start = Date.now() - 5 * 3_600_000;
			for (let i = 0; i < rule.max; i++) {
				await recordFailure(t.db, 'pair', key, new Date(start + i * 1000));
			}
			expect((await throttleRow(t.db, key))?.failures).toBe(rule.max);
			const later = start + (rule.max + rule.blockSeconds + rule.windowMinutes * 60 + 60) * 1000;
			await recordFailure(t.db, 'pair', key, new Date(later));
			expect(await throttleRow(t.db, key)).toMatchObject({ failures: 1, blocked_until: null });
		});
	});

	describe('validateSession', () => {
		it('returns the principal of a valid session and records activity', async () => {
			const user = await insertUser(t.db, { role: 'partner' });
			const { token, tokenHash } = await insertSession(t.db, user.id, {
				lastSeenAt: minutesAgo(30)
			});
			const session = await validateSession(t.db, token);
			expect(session).toMatchObject({
				tokenHash,
				principal: { type: 'user', id: user.id, role: 'partner', territories: null }
			});
			const [row] = await queryRows<{ last_seen_at: Date | string }>(
				t.db,
				sql`select last_seen_at from sessions where token_hash = ${tokenHash}`
			);
			expect(Date.now() - new Date(row?.last_seen_at ?? 0).getTime()).toBeLessThan(60_000);
			expect(await validateSession(t.db, 'not-a-session-token')).toBeNull();
		});

		it('ends a session past its absolute lifetime, and deletes it', async () => {
			const user = await insertUser(t.db);
			const { token } = await startSession(t.db, user.id);
			const tokenHash = sha256(token);
			expect(await validateSession(t.db, token)).not.toBeNull();
			// Its lifetime moved by hand, in a transaction as the services write: at its commit this
			// process drops what it remembered of the session (an autocommit statement on
			// PostgreSQL would be seen only when its notification arrives, a moment later).
			await t.db.transaction(async (tx) => {
				await tx.execute(
					sql`update sessions set expires_at = now() - interval '1 second' where token_hash = ${tokenHash}`
				);
			});
			expect(await validateSession(t.db, token)).toBeNull();
			expect(await sessionHashesOf(t.db, user.id)).toEqual([]);
		});

		it('ends a session idle for longer than SESSION_IDLE_MINUTES (default 60)', async () => {
			const user = await insertUser(t.db);
			const active = await insertSession(t.db, user.id, { lastSeenAt: minutesAgo(59) });
			const idle = await insertSession(t.db, user.id, { lastSeenAt: minutesAgo(61) });
			expect(await validateSession(t.db, active.token)).not.toBeNull();
			expect(await validateSession(t.db, idle.token)).toBeNull();
			expect(await sessionHashesOf(t.db, user.id)).toEqual([active.tokenHash]);

			vi.stubEnv('SESSION_IDLE_MINUTES', '5');
			const shortIdle = await insertSession(t.db, user.id, { lastSeenAt: minutesAgo(6) });
			expect(await validateSession(t.db, shortIdle.token)).toBeNull();
		});

		it('ends the session of a disabled account', async () => {
			const user = await insertUser(t.db);
			const { token } = await insertSession(t.db, user.id);
			// Disabled behind the service's back: the session check itself refuses it.
			await t.db.execute(sql`update users set disabled_at = now() where id = ${user.id}`);
			expect(await validateSession(t.db, token)).toBeNull();
			expect(await sessionHashesOf(t.db, user.id)).toEqual([]);
			await setUserDisabled(t.db, systemCaller(), user.id, false);
			expect(await validateSession(t.db, token)).toBeNull();
		});

		it('sees the current role and territories, not those at sign-in', async () => {
			const user = await insertUser(t.db, { role: 'agent' });
			const { token } = await insertSession(t.db, user.id);
			await t.db.execute(sql`update users set role = 'pilot' where id = ${user.id}`);
			expect((await validateSession(t.db, token))?.principal.role).toBe('pilot');
		});
	});

	describe('ending sessions', () => {
		it('endSession ends one, endAllSessions every session of the account', async () => {
			const user = await insertUser(t.db);
			const other = await insertUser(t.db);
			const sessions = [
				await insertSession(t.db, user.id),
				await insertSession(t.db, user.id),
				await insertSession(t.db, user.id)
			];
			const others = await insertSession(t.db, other.id);
			await endSession(t.db, sessions[0]?.tokenHash ?? '');
			expect(await validateSession(t.db, sessions[0]?.token ?? '')).toBeNull();
			expect(await validateSession(t.db, sessions[1]?.token ?? '')).not.toBeNull();

			expect(await endAllSessions(t.db, user.id)).toBe(2);
			for (const session of sessions) expect(await validateSession(t.db, session.token)).toBeNull();
			expect(await validateSession(t.db, others.token)).not.toBeNull();
			expect(await endAllSessions(t.db, user.id)).toBe(0);
		});

		it('signing out (here, and everywhere) is the service’s, audited in its transaction', async () => {
			const user = await insertUser(t.db);
			const ip = uniqueIp();
			const [one, two, three] = [
				await insertSession(t.db, user.id),
				await insertSession(t.db, user.id),
				await insertSession(t.db, user.id)
			];
			const principal = (await validateSession(t.db, one?.token ?? ''))?.principal;
			if (!principal) throw new Error('no session');
			await signOut(t.db, { principal, ip }, one?.tokenHash ?? null);
			expect(await validateSession(t.db, one?.token ?? '')).toBeNull();
			expect(await validateSession(t.db, two?.token ?? '')).not.toBeNull();
			expect(await signOutEverywhere(t.db, { principal, ip })).toBe(2);
			expect(await validateSession(t.db, three?.token ?? '')).toBeNull();
			const rows = await auditRowsFromIp(t.db, ip);
			expect(rows.map((r) => [r.action, r.actor_id, r.details])).toEqual([
				['auth.logout', user.id, null],
				['auth.logout_everywhere', user.id, { sessions: 2 }]
			]);
		});

		it('purgeExpiredSessions removes expired and idle sessions only', async () => {
			const user = await insertUser(t.db);
			const expired = await insertSession(t.db, user.id, { expiresAt: minutesAgo(1) });
			const idle = await insertSession(t.db, user.id, { lastSeenAt: minutesAgo(61) });
			const live = await insertSession(t.db, user.id, { lastSeenAt: minutesAgo(10) });
			const before = await queryRows<{ token_hash: string }>(
				t.db,
				sql`select token_hash from sessions where expires_at < now() or last_seen_at < now() - interval '60 minutes'`
			);
			expect(before.map((r) => r.token_hash).sort()).toEqual(
				expect.arrayContaining([expired.tokenHash, idle.tokenHash].sort())
			);
			expect(await purgeExpiredSessions(t.db)).toBe(before.length);
			expect(await sessionHashesOf(t.db, user.id)).toEqual([live.tokenHash]);
			expect(await purgeExpiredSessions(t.db)).toBe(0);
		});
	});
});
