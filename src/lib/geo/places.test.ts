import { describe, expect, it } from 'vitest';
import {
	PlaceCatalog,
	arrondissementMatches,
	arrondissementNumber,
	normalizePlaceText,
	parsePlaceQuery,
	placeNameTier,
	type PlaceRecord
} from './places';

const places: PlaceRecord[] = [
	{
		code: '13055',
		name: 'Marseille',
		kind: 'commune',
		department: '13',
		parentCode: null,
		epci: '200054807'
	},
	{
		code: '13204',
		name: 'Marseille 4e',
		kind: 'arrondissement',
		department: '13',
		parentCode: '13055',
		epci: null
	},
	{
		code: '13212',
		name: 'Marseille 12e',
		kind: 'arrondissement',
		department: '13',
		parentCode: '13055',
		epci: null
	},
	{
		code: '13001',
		name: 'Aix-en-Provence',
		kind: 'commune',
		department: '13',
		parentCode: null,
		epci: '200054807'
	},
	{
		code: '13103',
		name: 'Saint-Chamas',
		kind: 'commune',
		department: '13',
		parentCode: null,
		epci: '200054807'
	},
	{
		code: '84007',
		name: 'Avignon',
		kind: 'commune',
		department: '84',
		parentCode: null,
		epci: '248400251'
	}
];

describe('PlaceCatalog', () => {
	const catalog = new PlaceCatalog(places, {
		departments: new Map([['13', 'Bouches-du-Rhône']]),
		epcis: new Map([['200054807', 'Métropole d’Aix-Marseille-Provence']]),
		// An old code, merged since into 13001.
		absorbed: (code) => (code === '13999' ? '13001' : null)
	});

	it('names the départements and EPCIs that hold some places, a city through its arrondissements', () => {
		expect(catalog.groupsOf(['13204', '84007', '13999', 'nowhere'])).toEqual({
			departments: ['dep:13', 'dep:84'],
			epcis: ['epci:200054807', 'epci:248400251']
		});
		expect(catalog.groupsOf(['13055']).epcis).toEqual(['epci:200054807']);
	});

	it('expands a merged commune’s old code to the commune that absorbed it, and says so', () => {
		expect(catalog.expand(['13999'])).toEqual({ places: ['13001'], problems: [] });
		expect(catalog.current('13999')).toBe('13001');
		expect(catalog.current('13998')).toBeNull();
		expect(catalog.describe('13999')).toMatch(/\(13001, ancienne commune 13999\)$/);
		expect(catalog.expand(['13998']).problems).toHaveLength(1);
	});

	it('expands a city with arrondissements to its arrondissements', () => {
		expect(catalog.expand(['13055']).places).toEqual(['13204', '13212']);
	});

	it('expands a département and an EPCI to leaf places', () => {
		expect(catalog.expand(['dep:13']).places).toEqual(['13001', '13103', '13204', '13212']);
		expect(catalog.expand(['epci:200054807']).places).toEqual(['13001', '13103', '13204', '13212']);
		expect(catalog.expand(['dep:84', '13204']).places).toEqual(['13204', '84007']);
	});

	it('reports every unknown code', () => {
		const { places: found, problems } = catalog.expand([
			'13204',
			'99999',
			'dep:99',
			'epci:123456789'
		]);
		expect(found).toEqual(['13204']);
		expect(problems.map((p) => p.code)).toEqual(['99999', 'dep:99', 'epci:123456789']);
	});

	it('describes codes readably', () => {
		expect(catalog.describe('dep:13')).toBe('Bouches-du-Rhône (département 13)');
		expect(catalog.describe('epci:200054807')).toBe('Métropole d’Aix-Marseille-Provence');
		expect(catalog.describe('13055')).toBe('Marseille (tous les arrondissements)');
		expect(catalog.describe('13204')).toBe('Marseille 4e (13204)');
	});

	it('lists the cities split into arrondissements and names départements', () => {
		expect(catalog.cities()).toEqual(['13055']);
		expect(catalog.departmentName('13')).toBe('Bouches-du-Rhône');
		expect(catalog.departmentName('84')).toBeNull();
	});
});

describe('what a person types as a place', () => {
	it('normalises accents, capitals, punctuation and « st »', () => {
		expect(normalizePlaceText('Saint-Rémy-de-Provence')).toBe('saint remy de provence');
		expect(normalizePlaceText('  ST RÉMY  de   Provence')).toBe('saint remy de provence');
		expect(normalizePlaceText('L’Isle-sur-la-Sorgue')).toBe('l isle sur la sorgue');
		expect(normalizePlaceText('Ste-Marie')).toBe('sainte marie');
		expect(normalizePlaceText('Œuilly')).toBe('oeuilly');
	});

	it.each([
		['Marseille 4e Arrondissement (13204)', { type: 'labelled', code: '13204' }],
		['Ajaccio (2a004)', { type: 'labelled', code: '2A004' }],
		['13004', { type: 'digits', digits: '13004' }],
		[' 13004 Marseille', { type: 'digits', digits: '13004' }],
		['1300', { type: 'postal-prefix', prefix: '1300' }],
		['130', { type: 'postal-prefix', prefix: '130' }],
		['2B033', { type: 'insee', code: '2B033' }],
		['', { type: 'empty' }],
		['  -  ', { type: 'empty' }],
		['Aubagne', { type: 'name', name: 'aubagne', arrondissement: null }]
	])('reads « %s »', (input, expected) => {
		expect(parsePlaceQuery(input)).toEqual(expected);
	});

	it.each([
		['marseile 4', 'marseile', 4, false],
		['Marseille 4e', 'marseille', 4, true],
		['marseille 1er', 'marseille', 1, true],
		['marseille 1', 'marseille', 1, false],
		['Marseille 12', 'marseille', 12, true],
		['4e', '', 4, true],
		['4ème', '', 4, true],
		['12e arr. de Lyon', 'lyon', 12, true],
		['4e arrondissement de marseille', 'marseille', 4, true],
		['paris 16 ème', 'paris', 16, true],
		['Lyon 3 arrondissement', 'lyon', 3, true]
	])('reads « %s » as arrondissement %s %i', (input, name, number, exact) => {
		expect(parsePlaceQuery(input)).toEqual({
			type: 'name',
			name,
			arrondissement: { number, exact }
		});
	});

	it('reads a number that cannot be an arrondissement as part of the name', () => {
		expect(parsePlaceQuery('0')).toEqual({ type: 'name', name: '0', arrondissement: null });
	});

	it('numbers arrondissements from their names', () => {
		expect(arrondissementNumber('Marseille 4e Arrondissement')).toBe(4);
		expect(arrondissementNumber('Paris 1er Arrondissement')).toBe(1);
		expect(arrondissementNumber('Lyon 9e Arrondissement')).toBe(9);
		expect(arrondissementNumber('Aubagne')).toBeNull();
		expect(arrondissementMatches(1, { number: 1, exact: false })).toBe(true);
		expect(arrondissementMatches(12, { number: 1, exact: false })).toBe(true);
		expect(arrondissementMatches(12, { number: 1, exact: true })).toBe(false);
		expect(arrondissementMatches(2, { number: 1, exact: false })).toBe(false);
	});

	it('ranks a name: same, start, word start, inside, close', () => {
		expect(placeNameTier('aubagne', 'aubagne')).toBe(0);
		expect(placeNameTier('marseille 4e arrondissement', 'marseille')).toBe(1);
		expect(placeNameTier('les pennes mirabeau', 'pennes')).toBe(2);
		expect(placeNameTier('aubagne', 'bagne')).toBe(3);
		expect(placeNameTier('marseille', 'marseile')).toBe(4);
	});
});
