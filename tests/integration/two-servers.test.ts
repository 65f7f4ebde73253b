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
import { putTerritory } from '$lib/server/services/territories';
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
		} finally {
			await other.close();
		}
	});
});
