import { describe, expect, it } from 'vitest';
import { PlaceCatalog, type PlaceRecord } from './places';

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
		epcis: new Map([['200054807', 'Métropole d’Aix-Marseille-Provence']])
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
});
