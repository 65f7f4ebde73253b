/**
 * The place picker's suggestions (suggestPlaces), the resolution of a typed place
 * (resolvePlaceInput) and the message for a place outside the caller's territories, on the
 * places of France and the demo territory. Expected places come from the reference list
 * (@etalab/decoupage-administratif), not from a list written here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { referencePlaces } from '$lib/server/services/reference';
import {
	SUGGESTION_LIMIT,
	outsideScopeMessage,
	resolvePlaceInput,
	suggestPlaces
} from '$lib/server/services/directory';
import { seedDemo } from '$lib/server/services/setup';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { DEMO_TERRITORY_ID } from '../factories/structures';

const reference = referencePlaces();
const MARSEILLE = '13055';
const arrondissementsOf = (city: string) =>
	reference
		.filter((p) => p.parentCode === city)
		.map((p) => p.code)
		.sort();
const AUBAGNE = { id: 'pays-aubagne', name: 'Pays d’Aubagne', communes: ['13005'] };
const DEMO = [DEMO_TERRITORY_ID];

describe('the reference places the tests rely on', () => {
	it('has Marseille in 16 arrondissements, 13004 for its 4e, a postal code shared by communes', () => {
		expect(arrondissementsOf(MARSEILLE)).toHaveLength(16);
		expect(reference.find((p) => p.code === '13204')?.postalCodes).toEqual(['13004']);
		expect(reference.filter((p) => p.postalCodes?.includes('13100')).length).toBeGreaterThan(2);
		expect(reference.find((p) => p.code === '13005')?.name).toBe('Aubagne');
	});
});

describe.each(DATABASES)('place suggestions on %s', (kind) => {
	const t = useTestDatabase(kind, { geography: true });
	beforeAll(async () => {
		await seedDemo(t.db);
		await putTerritory(t.db, AUBAGNE.id, { name: AUBAGNE.name, communes: AUBAGNE.communes });
	});
	const codes = async (input: string, scope: readonly string[] | null = DEMO, cities = false) =>
		(await suggestPlaces(t.db, scope, input, { cities })).map((s) => s.code);

	it('« marseile 4 » (a typo and a bare number) suggests Marseille 4e first', async () => {
		for (const input of [
			'marseile 4',
			'Marseille 4',
			'marseille 4e',
			'MARSEILLE 4ème',
			'4e arrondissement de Marseille'
		]) {
			expect((await codes(input))[0], input).toBe('13204');
		}
	});

	it('« Marseille » lists its 16 arrondissements in order; the city itself only when allowed', async () => {
		const parts = arrondissementsOf(MARSEILLE);
		for (const input of ['Marseille', 'marseille', 'marsielle', 'Marseille (13055)']) {
			const found = await codes(input);
			expect(found.slice(0, 16), input).toEqual(parts);
			expect(found, input).not.toContain(MARSEILLE);
			expect((await codes(input, DEMO, true)).slice(0, 17), input).toEqual([MARSEILLE, ...parts]);
		}
		// « marseille 1 », still being typed, offers the 1er and then the 10e to 16e.
		expect(await codes('marseille 1')).toEqual(
			parts.filter((code) => /^1320?1|^1321/.test(code)).sort()
		);
	});

	it('a postal code gives its arrondissement or every commune that shares it', async () => {
		expect((await codes('13004'))[0]).toBe('13204');
		// 13004 is also Arles' INSEE code: offered after the postal code's place.
		expect(await codes('13004')).toEqual(['13204', '13004']);
		const sharing = reference
			.filter((p) => p.postalCodes?.includes('13100'))
			.map((p) => p.code)
			.sort();
		const found = await codes('13100');
		expect(found.slice(0, sharing.length).sort()).toEqual(sharing);
		// …then Saint-Rémy-de-Provence, whose INSEE code is 13100.
		expect(found.slice(sharing.length)).toEqual(['13100']);
		// The start of a postal code, being typed.
		expect((await codes('1300')).slice(0, 9)).toEqual(arrondissementsOf(MARSEILLE).slice(0, 9));
	});

	it('« aubagne » gives Aubagne (13005) first; INSEE codes and labels give that place', async () => {
		expect((await codes('aubagne'))[0]).toBe('13005');
		expect((await codes('Aubagne'))[0]).toBe('13005');
		expect(await codes('Marseille 4e Arrondissement (13204)')).toEqual(['13204']);
		expect(await codes('13022')).toEqual(['13022']);
		expect(await codes('2A004')).toEqual(['2A004']);
	});

	it('« 4e » offers each city’s 4th arrondissement, the caller’s first', async () => {
		const found = await codes('4e');
		expect(found[0]).toBe('13204');
		expect(found.sort()).toEqual(['13204', '69384', '75104']);
		expect((await codes('lyon 3e'))[0]).toBe('69383');
		expect((await codes('paris 16 ème'))[0]).toBe('75116');
	});

	it('puts the caller’s département first among places of a same name', async () => {
		const found = await suggestPlaces(t.db, DEMO, 'st remy');
		expect(found[0]?.name).toBe('Saint-Rémy-de-Provence');
		// Same names are told apart by their département.
		expect(found.filter((s) => s.name === 'Saint-Rémy').every((s) => s.departmentName)).toBe(true);
	});

	it('reports which of the caller’s territories contain each place', async () => {
		const [fourth] = await suggestPlaces(t.db, DEMO, '13004');
		expect(fourth).toMatchObject({
			code: '13204',
			label: 'Marseille 4e Arrondissement (13204)',
			postalCodes: ['13004'],
			department: '13',
			departmentName: 'Bouches-du-Rhône',
			parentCode: MARSEILLE,
			city: false
		});
		expect(fourth?.territories.map((x) => x.id)).toEqual([DEMO_TERRITORY_ID]);
		const [aubagne] = await suggestPlaces(t.db, DEMO, 'aubagne');
		expect(aubagne?.territories).toEqual([]);
		const [aubagneForItsOwn] = await suggestPlaces(t.db, [AUBAGNE.id], 'aubagne');
		expect(aubagneForItsOwn?.territories).toEqual([{ id: AUBAGNE.id, name: AUBAGNE.name }]);
		// Every territory for an account that has them all, none for one that has none.
		const [everywhere] = await suggestPlaces(t.db, null, 'aubagne');
		expect(everywhere?.territories.map((x) => x.id)).toEqual([AUBAGNE.id]);
		expect((await suggestPlaces(t.db, [], '13004'))[0]?.territories).toEqual([]);
		// A city is in a territory that holds some of its arrondissements.
		const [city] = await suggestPlaces(t.db, DEMO, 'Marseille', { cities: true });
		expect(city).toMatchObject({ code: MARSEILLE, city: true });
		expect(city?.territories.map((x) => x.id)).toEqual([DEMO_TERRITORY_ID]);
	});

	it('is bounded, and finds nothing for nothing', async () => {
		expect((await codes('saint')).length).toBe(SUGGESTION_LIMIT);
		expect((await codes('paris')).length).toBe(20);
		expect(await codes('')).toEqual([]);
		expect(await codes('   ')).toEqual([]);
		expect(await codes('xqzwkvj')).toEqual([]);
		expect((await suggestPlaces(t.db, DEMO, 'saint', { limit: 3 })).length).toBe(3);
	});

	it('resolvePlaceInput keeps its answers, with candidates to choose from', async () => {
		const found = await resolvePlaceInput(t.db, '13004', DEMO);
		expect(found.status).toBe('found');
		if (found.status === 'found') {
			expect(found.place.code).toBe('13204');
			expect(found.place.territories.map((x) => x.id)).toEqual([DEMO_TERRITORY_ID]);
			expect(found.arrondissements).toEqual([]);
		}
		// A city is found as before, and brings its arrondissements to choose one.
		const city = await resolvePlaceInput(t.db, 'Marseille', DEMO);
		expect(city.status).toBe('found');
		if (city.status === 'found') {
			expect(city.place.code).toBe(MARSEILLE);
			expect(city.arrondissements.map((a) => a.code)).toEqual(arrondissementsOf(MARSEILLE));
		}
		// A typo: « vouliez-vous dire » candidates, the likeliest first.
		const typo = await resolvePlaceInput(t.db, 'marseile 4', DEMO);
		expect(typo.status).toBe('ambiguous');
		if (typo.status === 'ambiguous') expect(typo.candidates[0]?.code).toBe('13204');
		const vague = await resolvePlaceInput(t.db, 'marseile', DEMO);
		expect(vague.status).toBe('ambiguous');
		if (vague.status === 'ambiguous') {
			expect(vague.candidates.slice(0, 16).map((c) => c.code)).toEqual(
				arrondissementsOf(MARSEILLE)
			);
		}
		expect(await resolvePlaceInput(t.db, 'xqzwkvj', DEMO)).toEqual({
			status: 'unknown',
			input: 'xqzwkvj',
			candidates: []
		});
		expect(await resolvePlaceInput(t.db, undefined)).toEqual({ status: 'none' });
		expect((await resolvePlaceInput(t.db, 'Marseille 12')).status).toBe('found');
	});

	it('says what to do for a place outside the caller’s territories', async () => {
		const montpellier = await outsideScopeMessage(t.db, DEMO, '34172');
		expect(montpellier).toMatch(/^Montpellier \(34172\) n’appartient à aucun de vos territoires/);
		expect(montpellier).toContain('Marseille 4e et 12e');
		expect(montpellier).toContain('Hérault');
		expect(montpellier).toContain('Aucun territoire de Bon Tiers ne le couvre');
		expect(montpellier).toMatch(/demandez à un pilote/);
		// Aubagne is another territory's: said, without naming it.
		const aubagne = await outsideScopeMessage(t.db, DEMO, '13005');
		expect(aubagne).toContain('Un autre territoire de Bon Tiers le couvre');
		expect(aubagne).not.toContain(AUBAGNE.name);
		expect(await outsideScopeMessage(t.db, DEMO, '13204')).toBeNull();
		expect(await outsideScopeMessage(t.db, null, '34172')).toBeNull();
		expect(await outsideScopeMessage(t.db, DEMO, '99999')).toBeNull();
		expect(await outsideScopeMessage(t.db, [], '13204')).toMatch(/aucun territoire/);
	});
});
