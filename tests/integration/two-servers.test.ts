import { describe, expect, it } from 'vitest';
import { systemCaller } from '$lib/server/auth/principal';
import { openDatabase, type Database } from '$lib/server/db/client';
import {
	authenticateApiToken,
	createApiToken,
	revokeApiToken
} from '$lib/server/services/api-tokens';
import type { RecommendationRequestInput } from '$lib/schemas/orientation';
import { importStructures } from '$lib/server/services/structure-import';
import { signOut, startSession, validateSession } from '$lib/server/services/sessions';
import { mapTiles, territoryMap } from '$lib/server/services/map';
import { putTerritory } from '$lib/server/services/territories';
import { createUser, setUserDisabled, updateUser } from '$lib/server/services/users';
import { MIGRATIONS_DIR, useTestDatabase } from '../helpers/databases';
import { agentCaller, ask } from '../factories/orientations';
import { structureRecord } from '../factories/structures';

/**
 * Several servers on one PostgreSQL (contract §6, issue 17): what one writes, another serves
 * within a second. The two « servers » are two connections with their own in-process caches
 * (the caches are kept per database handle), the second warmed before the first writes, so the
 * test sees invalidation, not a cold start.
 */

const SYSTEM = systemCaller();
const WITHIN_MS = 1000;
const TERRITORY = 'deux-serveurs';
const COMMUNES = ['84007', '84031'];

/** Polls `check` until it holds or `WITHIN_MS` has passed; returns the time it took. */
async function within(check: () => Promise<boolean>): Promise<number> {
	const start = Date.now();
	while (!(await check())) {
		if (Date.now() - start > WITHIN_MS) throw new Error(`pas vu en ${WITHIN_MS} ms`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	return Date.now() - start;
}

describe('deux serveurs sur un même PostgreSQL', () => {
	const t = useTestDatabase('postgres', { geography: true });

	async function second(): Promise<Database> {
		return openDatabase({ databaseUrl: t.url as string, migrationsDir: MIGRATIONS_DIR });
	}

	it('a structure imported through one is recommended by the other within a second', async () => {
		const other = await second();
		try {
			await putTerritory(t.db, TERRITORY, { name: 'Deux serveurs', communes: COMMUNES });
			const agent = agentCaller([TERRITORY]);
			const request: RecommendationRequestInput = {
				commune: COMMUNES[0] as string,
				age: 80,
				apa: false,
				problems: ['logement'],
				request_type: 'information'
			};
			// Warm: the second server has answered (and cached what it caches) before the write.
			expect((await ask(other.db, agent, request)).result.orphan).toBe(true);
			const record = structureRecord({
				kind: 'ccas',
				coverage: COMMUNES,
				problems: ['logement'],
				level_min: 'information',
				level_max: 'simple'
			});
			await importStructures(t.db, TERRITORY, [record]);
			await within(async () =>
				(await ask(other.db, agent, request)).result.recommendations.some(
					(r) => r.structure.id === record.id
				)
			);
		} finally {
			await other.close();
		}
	});

	it('a structure moved, added or its places changed through one is on the other’s map within a second', async () => {
		const other = await second();
		try {
			const territory = 'deux-serveurs-carte';
			await putTerritory(t.db, territory, { name: 'Deux serveurs : carte', communes: COMMUNES });
			const placed = structureRecord({
				kind: 'ccas',
				coverage: [COMMUNES[0] as string],
				lon: 4.8,
				lat: 43.9
			});
			await importStructures(t.db, territory, [placed]);
			const pointsOf = async (db: Database['db']) =>
				(await mapTiles(db, SYSTEM, territory, [])).points;
			// Warm: the other server has built and kept the map's points and places.
			expect((await pointsOf(other.db)).map((p) => p.id)).toEqual([placed.id]);
			const places = async (db: Database['db']) =>
				(await territoryMap(db, SYSTEM, territory, { type: [] })).places.features.map(
					(f) => f.properties.code
				);
			expect(await places(other.db)).toEqual([...COMMUNES].sort());

			// Moved, and a second structure: the other's points follow.
			const added = structureRecord({
				kind: 'clic',
				coverage: [COMMUNES[1] as string],
				lon: 4.9,
				lat: 44
			});
			await importStructures(t.db, territory, [{ ...placed, lon: 4.85 }, added]);
			await within(async () => {
				const points = await pointsOf(other.db);
				return points.length === 2 && points.some((p) => p.id === placed.id && p.lon === 4.85);
			});
			// One place less: the other's map shows the territory's places as they are now.
			await putTerritory(t.db, territory, {
				name: 'Deux serveurs : carte',
				communes: [COMMUNES[0] as string]
			});
			await within(async () => (await places(other.db)).join() === COMMUNES[0]);
		} finally {
			await other.close();
		}
	});

	it('a token revoked on one is refused by the other within a second', async () => {
		const other = await second();
		try {
			const { token, summary } = await createApiToken(t.db, SYSTEM, {
				name: 'Intégration',
				role: 'partner'
			});
			expect(await authenticateApiToken(other.db, token)).not.toBeNull();
			await revokeApiToken(t.db, SYSTEM, summary.id);
			await within(async () => (await authenticateApiToken(other.db, token)) === null);
			// Refused on the first server too, at once (it wrote the revocation).
			expect(await authenticateApiToken(t.db, token)).toBeNull();
		} finally {
			await other.close();
		}
	});

	it('a session ended, an account disabled or given another role on one is seen so by the other within a second', async () => {
		const other = await second();
		try {
			const { user } = await createUser(t.db, SYSTEM, {
				email: `deux-serveurs-${Date.now()}@example.org`,
				role: 'pilot',
				territories: [TERRITORY]
			});
			const first = await startSession(t.db, user.id);
			const another = await startSession(t.db, user.id);
			// Warm both servers with both sessions.
			for (const db of [t.db, other.db]) {
				for (const session of [first, another]) {
					expect((await validateSession(db, session.token))?.principal.role).toBe('pilot');
				}
			}
			// Signed out on the first: the other refuses that session, and keeps the other one.
			const ended = await validateSession(t.db, first.token);
			if (!ended) throw new Error('session absente');
			await signOut(t.db, { principal: ended.principal, ip: '127.0.0.1' }, ended.tokenHash);
			expect(await validateSession(t.db, first.token)).toBeNull();
			await within(async () => (await validateSession(other.db, first.token)) === null);
			expect((await validateSession(other.db, another.token))?.principal.role).toBe('pilot');
			// A new role on the first: the other's principal follows.
			await updateUser(t.db, SYSTEM, user.id, {
				role: 'agent',
				territories: [TERRITORY]
			});
			await within(
				async () => (await validateSession(other.db, another.token))?.principal.role === 'agent'
			);
			// Disabled on the first: refused by the other.
			await setUserDisabled(t.db, SYSTEM, user.id, true);
			await within(async () => (await validateSession(other.db, another.token)) === null);
		} finally {
			await other.close();
		}
	});
});
