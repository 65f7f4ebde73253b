import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
	FINESS_CATEGORIES,
	arrondissementOfPostalCode,
	cleanFinessName,
	finessCategory,
	finessRowOf,
	proposedCoverage,
	reachOf,
	resolveFinessCommune,
	type CommuneLookup
} from './finess';
import { KIND_CODES, LEVEL_CODES, PROBLEM_CODES, levelRank } from './taxonomy';

describe('FINESS categories', () => {
	it('maps every category of the shipped file, with the kind the file proposes where it names one', () => {
		const lines = fs
			.readFileSync('src/lib/server/seed/finess-categories.csv', 'utf8')
			.trim()
			.split(/\r?\n/)
			.slice(1);
		expect(lines.length).toBe(72);
		for (const line of lines) {
			const [code, role] = line.split(',');
			const category = finessCategory(code as string);
			expect(category, `catégorie ${code}`).toBeDefined();
			if (['esms_handicap', 'samsah', 'savs'].includes(role as string)) {
				expect(category?.remit.kind).toBe(role);
			}
		}
		expect(new Set(FINESS_CATEGORIES.map((c) => c.code)).size).toBe(FINESS_CATEGORIES.length);
	});

	it('proposes remits the import format accepts', () => {
		for (const { code, remit } of FINESS_CATEGORIES) {
			expect(KIND_CODES, code).toContain(remit.kind);
			expect(remit.problems.length, code).toBeGreaterThan(0);
			for (const p of remit.problems) expect(PROBLEM_CODES).toContain(p);
			expect(LEVEL_CODES).toContain(remit.levelMin);
			expect(levelRank(remit.levelMin)).toBeLessThanOrEqual(levelRank(remit.levelMax));
			if (remit.ageMin !== undefined && remit.ageMax !== undefined)
				expect(remit.ageMin).toBeLessThanOrEqual(remit.ageMax);
		}
		// Disability services ask for a recognised disability; older people's, 60 and over.
		expect(finessCategory('445')?.remit).toMatchObject({ kind: 'samsah', handicap: 'required' });
		expect(finessCategory('183')?.remit.handicap).toBe('required');
		expect(finessCategory('500')?.remit).toMatchObject({ kind: 'ehpad', ageMin: 60 });
		expect(finessCategory('620')).toBeUndefined(); // a pharmacy is not brought in
	});

	it('proposes a coverage by reach: perimeter, intercommunality (the city inside PLM), commune, département', () => {
		const aubagne = { code: '13005', parentCode: null, epci: '200054807', department: '13' };
		const marseille4 = { code: '13204', parentCode: '13055', epci: null, department: '13' };
		const perimeter = ['13005', '13070'];
		const ehpad = finessCategory('500')!;
		const ssiad = finessCategory('354')!;
		expect(reachOf(ehpad)).toBe('perimeter');
		expect(proposedCoverage(ehpad, aubagne, perimeter)).toEqual(perimeter);
		expect(proposedCoverage(ssiad, aubagne, perimeter)).toEqual(['epci:200054807']);
		expect(proposedCoverage(ssiad, marseille4, perimeter)).toEqual(['13055']);
		expect(proposedCoverage(finessCategory('603')!, marseille4, perimeter)).toEqual(['13055']);
		expect(proposedCoverage(finessCategory('340')!, aubagne, perimeter)).toEqual(['dep:13']);
	});
});

describe('cleanFinessName', () => {
	it.each([
		['"EHPAD "" BON REPOS"" BELLEY"', 'EHPAD « Bon Repos » Belley'],
		['"SERV D\'AIDE DOM ""LE TEMPS DE VIVRE"""', 'Serv d’Aide Dom « Le Temps de Vivre »'],
		['"ACCUEIL DE JOUR ""A.R.F"""', 'Accueil de Jour « A.R.F »'],
		['AIDE MENAGERE A DOMICILE DE FOS', 'Aide Menagere à Domicile de Fos'],
		['EHPAD PUBLIC LE PETIT BOSQUET', 'EHPAD Public Le Petit Bosquet'],
		["CMPP DE L'ESTAQUE", 'CMPP de l’Estaque'],
		['SAINT-JEAN DE DIEU', 'Saint-Jean de Dieu'],
		['FOYER 2EME CHANCE', 'Foyer 2e Chance'],
		['Résidence  Les Oliviers', 'Résidence Les Oliviers']
	])('%s → %s', (raw, clean) => {
		expect(cleanFinessName(raw).replace(/'/g, '’')).toBe(clean);
	});
});

describe('the commune of an establishment', () => {
	const lookup = (at: string | null, served: Record<string, string[]>): CommuneLookup => ({
		placeAt: () => at,
		communesOfPostalCode: (pc) => (served[pc] ?? []).map((n, i) => ({ code: `${pc}${i}`, name: n }))
	});

	it('reads the arrondissement from a PLM postal code, never from a CEDEX one', () => {
		expect(arrondissementOfPostalCode('13004')).toBe('13204');
		expect(arrondissementOfPostalCode('13016')).toBe('13216');
		expect(arrondissementOfPostalCode('69003')).toBe('69383');
		expect(arrondissementOfPostalCode('75020')).toBe('75120');
		expect(arrondissementOfPostalCode('13326')).toBeNull();
		expect(arrondissementOfPostalCode('13017')).toBeNull();
	});

	it('trusts the postal code in Marseille over the point, the point elsewhere, then the postal code, then the name', () => {
		const row = { postalCode: '13004', town: 'MARSEILLE', lon: 5.4, lat: 43.3 };
		expect(resolveFinessCommune(row, lookup('13205', {}))).toEqual({
			code: '13204',
			method: 'code_postal_arrondissement'
		});
		const aubagne = { postalCode: '13400', town: 'AUBAGNE', lon: 5.57, lat: 43.29 };
		expect(resolveFinessCommune(aubagne, lookup('13005', {}))?.method).toBe('position');
		expect(
			resolveFinessCommune(
				{ ...aubagne, lon: null, lat: null },
				lookup(null, { '13400': ['Aubagne'] })
			)
		).toEqual({ code: '134000', method: 'code_postal' });
		expect(
			resolveFinessCommune(
				{ postalCode: '13240', town: 'SEPTEMES LES VALLONS CEDEX', lon: null, lat: null },
				lookup(null, { '13240': ['Les Pennes', 'Septèmes-les-Vallons'] })
			)
		).toEqual({ code: '132401', method: 'nom' });
		expect(resolveFinessCommune({ ...aubagne, lon: null, lat: null }, lookup(null, {}))).toBeNull();
	});

	it('reads a record of the extract: address lines joined, blank coordinates as none', () => {
		const row = finessRowOf({
			finess_et: '130000235',
			raison_sociale: 'CHS EDOUARD TOULOUSE',
			categetab: '292',
			adresse: '118 CHE DE MIMET | BP 12',
			code_postal: '13326',
			ligne_acheminement_commune: 'MARSEILLE CEDEX 15',
			telephone: '0491969800',
			date_maj: '2010-08-25',
			latitude: '',
			longitude: '5.36'
		});
		expect(row).toMatchObject({
			finess: '130000235',
			address: '118 CHE DE MIMET, BP 12',
			lon: null,
			lat: null,
			updated: '2010-08-25'
		});
	});
});
