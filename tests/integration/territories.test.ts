import { describe, expect, it } from 'vitest';
import {
	TerritoryError,
	getTerritory,
	listTerritories,
	putTerritory
} from '$lib/server/services/territories';
import { referencePlaces } from '$lib/server/services/reference';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { snapshotDirectory } from '../helpers/snapshot';

const MARSEILLE_ARRONDISSEMENTS = referencePlaces()
	.filter((p) => p.parentCode === '13055')
	.map((p) => p.code)
	.sort();

async function rejection(promise: Promise<unknown>): Promise<TerritoryError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(TerritoryError);
	return error as TerritoryError;
}

describe.each(DATABASES)('territories on %s', (kind) => {
	const t = useTestDatabase(kind, { geography: true });

	it('creates a territory, then updates its name and replaces its places', async () => {
		expect(
			await putTerritory(t.db, 'pays-aixois', { name: 'Pays d’Aix', communes: ['13001', '13032'] })
		).toEqual({ created: true });
		let territory = await getTerritory(t.db, 'pays-aixois');
		expect(territory?.name).toBe('Pays d’Aix');
		expect(territory?.places.map((p) => p.code)).toEqual(['13001', '13032']);

		expect(
			await putTerritory(t.db, 'pays-aixois', { name: 'Aix et Éguilles', communes: ['13032'] })
		).toEqual({ created: false });
		territory = await getTerritory(t.db, 'pays-aixois');
		expect(territory?.name).toBe('Aix et Éguilles');
		expect(territory?.places.map((p) => p.code)).toEqual(['13032']);
		expect(await listTerritories(t.db)).toContainEqual({
			id: 'pays-aixois',
			name: 'Aix et Éguilles',
			places: 1,
			structures: 0
		});
	});

	it('expands Marseille (13055) to its 16 arrondissements', async () => {
		expect(MARSEILLE_ARRONDISSEMENTS).toHaveLength(16);
		await putTerritory(t.db, 'marseille', { name: 'Marseille', communes: ['13055'] });
		const territory = await getTerritory(t.db, 'marseille');
		expect(territory?.places.map((p) => p.code)).toEqual(MARSEILLE_ARRONDISSEMENTS);
	});

	it('keeps one row per place when a city and one of its arrondissements are both given', async () => {
		await putTerritory(t.db, 'marseille-bis', { name: 'Marseille', communes: ['13204', '13055'] });
		const territory = await getTerritory(t.db, 'marseille-bis');
		expect(territory?.places.map((p) => p.code)).toEqual(MARSEILLE_ARRONDISSEMENTS);
	});

	it('rejects an unknown place with the path of the field, and writes nothing', async () => {
		const before = await snapshotDirectory(t.db);
		const error = await rejection(
			putTerritory(t.db, 'pays-aixois', { name: 'Nouveau nom', communes: ['13001', '99999'] })
		);
		expect(error.issues).toEqual([
			{ path: 'communes.1', message: expect.stringContaining('99999') }
		]);
		expect(await snapshotDirectory(t.db)).toEqual(before);
	});

	it('rejects a malformed code, an empty list, a bad id and an unknown field', async () => {
		const before = await snapshotDirectory(t.db);
		expect(
			(await rejection(putTerritory(t.db, 'x', { name: 'X', communes: ['1300'] }))).issues.map(
				(i) => i.path
			)
		).toEqual(['communes.0']);
		expect(
			(await rejection(putTerritory(t.db, 'x', { name: 'X', communes: [] }))).issues.map(
				(i) => i.path
			)
		).toEqual(['communes']);
		expect(
			(await rejection(putTerritory(t.db, 'Pas Bon', { name: 'X', communes: ['13001'] }))).issues
		).toEqual([{ path: 'id', message: expect.stringContaining('minuscules') }]);
		expect(
			(
				await rejection(
					putTerritory(t.db, 'x', { name: 'X', communes: ['13001'], couleur: 'bleu' })
				)
			).issues.map((i) => i.message)
		).toEqual([expect.stringContaining('couleur')]);
		expect(await snapshotDirectory(t.db)).toEqual(before);
	});
});
