import { describe, expect, it } from 'vitest';
import { StructureImportSchema, csvRecordToInput } from './structure';
import { issuesOf } from './zod';

const valid = {
	id: 'demo:clic-1',
	name: 'CLIC du secteur',
	kind: 'clic',
	coverage: ['13204', 'dep:13', 'epci:200054807'],
	problems: ['aides_domicile', 'aidants'],
	level_min: 'information',
	level_max: 'coordonnee'
};

function problems(input: unknown) {
	const result = StructureImportSchema.safeParse(input);
	return result.success ? [] : issuesOf(result.error);
}

describe('StructureImportSchema', () => {
	it('accepts a minimal structure and applies the defaults', () => {
		const result = StructureImportSchema.parse(valid);
		expect(result.apa).toBe('any');
		expect(result.coordination).toBeUndefined();
	});

	it('rejects unknown fields, naming them', () => {
		const issues = problems({ ...valid, telephone: '04' });
		expect(issues).toHaveLength(1);
		expect(issues[0]?.message).toContain('telephone');
	});

	it('names the field and the bad value of an unknown code', () => {
		const issues = problems({ ...valid, kind: 'ehpadd', problems: ['droits', 'santé'] });
		expect(issues.map((i) => i.path).sort()).toEqual(['kind', 'problems.1']);
		expect(issues.find((i) => i.path === 'kind')?.message).toContain('« ehpadd »');
	});

	it('requires a coverage, codes or polygon', () => {
		const { coverage: _coverage, ...withoutCoverage } = valid;
		expect(problems(withoutCoverage).map((i) => i.path)).toEqual(['coverage']);
		expect(
			problems({
				...withoutCoverage,
				coverage_geojson: {
					type: 'Polygon',
					coordinates: [
						[
							[5.4, 43.3],
							[5.5, 43.3],
							[5.5, 43.4],
							[5.4, 43.3]
						]
					]
				}
			})
		).toEqual([]);
	});

	it('rejects malformed coverage codes and polygons', () => {
		expect(problems({ ...valid, coverage: ['1320'] }).map((i) => i.path)).toEqual(['coverage.0']);
		const open = problems({
			...valid,
			coverage_geojson: {
				type: 'Polygon',
				coordinates: [
					[
						[5.4, 43.3],
						[5.5, 43.3],
						[5.5, 43.4],
						[5.4, 43.4]
					]
				]
			}
		});
		expect(open[0]?.path).toBe('coverage_geojson.coordinates.0');
		expect(open[0]?.message).toContain('fermé');
	});

	it('takes a Feature as its geometry and refuses a self-crossing polygon', () => {
		const square = [
			[5.4, 43.3],
			[5.5, 43.3],
			[5.5, 43.4],
			[5.4, 43.4],
			[5.4, 43.3]
		];
		const { coverage: _coverage, ...withoutCoverage } = valid;
		const feature = StructureImportSchema.parse({
			...withoutCoverage,
			coverage_geojson: {
				type: 'Feature',
				properties: { name: 'zone dessinée' },
				geometry: { type: 'Polygon', coordinates: [square] }
			}
		});
		expect(feature.coverage_geojson).toEqual({ type: 'Polygon', coordinates: [square] });
		const bowTie = [square[0], square[2], square[1], square[3], square[0]];
		const crossing = problems({
			...withoutCoverage,
			coverage_geojson: { type: 'Polygon', coordinates: [bowTie] }
		});
		expect(crossing.map((i) => i.path)).toEqual(['coverage_geojson']);
		expect(crossing[0]?.message).toContain('se recoupe');
		expect(crossing[0]?.message).toContain('43.3500 N');
		expect(
			problems({ ...valid, coverage_geojson: { type: 'Point', coordinates: [5, 43] } })[0]?.path
		).toBe('coverage_geojson.type');
	});

	it('checks the ranges: levels, ages, position pairs', () => {
		expect(problems({ ...valid, level_min: 'complexe', level_max: 'simple' })[0]?.path).toBe(
			'level_max'
		);
		expect(problems({ ...valid, age_min: 80, age_max: 60 })[0]?.path).toBe('age_max');
		expect(problems({ ...valid, lon: 5.4 })[0]?.path).toBe('lat');
		expect(problems({ ...valid, lat: 91, lon: 5 })[0]?.path).toBe('lat');
	});

	it('lists every problem of a row at once, cross-field checks included', () => {
		const issues = problems({
			...valid,
			kind: 'hospice',
			level_min: 'complexe',
			level_max: 'simple',
			age_min: 90,
			age_max: 60
		});
		expect(issues.map((i) => i.path).sort()).toEqual(['age_max', 'kind', 'level_max']);
	});

	it('validates contact fields', () => {
		const issues = problems({
			...valid,
			email: 'pas-un-courriel',
			website: 'ftp://example.org',
			finess: '12345',
			updated_at: '2024-02-30'
		});
		expect(issues.map((i) => i.path).sort()).toEqual(['email', 'finess', 'updated_at', 'website']);
	});

	it('stores a phone in E.164 however it was written, and refuses one that is no number', () => {
		for (const written of [
			'04 91 23 45 67',
			'04.91.23.45.67',
			'04-91-23-45-67',
			'+33 4 91 23 45 67'
		]) {
			expect(StructureImportSchema.parse({ ...valid, phone: written }).phone).toBe('+33491234567');
		}
		const issues = problems({ ...valid, phone: '04 91 23 45' });
		expect(issues).toEqual([
			{
				path: 'phone',
				message: 'téléphone : numéro français attendu (ex. 04 91 23 45 67 ou +33 4 91 23 45 67)'
			}
		]);
		expect(problems({ ...valid, phone: '+32 2 555 12 12' })[0]?.message).toMatch(
			/^téléphone : numéro français attendu .*pas un numéro étranger/
		);
		// Empty: one message, not a second one from the phone check.
		expect(problems({ ...valid, phone: '  ' }).map((i) => i.path)).toEqual(['phone']);
	});

	it('checks opening hours as OpenStreetMap opening_hours, stored in the canonical form', () => {
		const hours = 'Mo-Fr 09:00-12:30,13:30-17:00; PH off';
		expect(StructureImportSchema.parse({ ...valid, hours }).hours).toBe(hours);
		expect(StructureImportSchema.parse({ ...valid, hours: 'Mo-Fr 9h-17h' }).hours).toBe(
			'Mo-Fr 09:00-17:00'
		);
		expect(problems({ ...valid, hours: 'du lundi au vendredi' })).toEqual([
			{
				path: 'hours',
				message:
					'horaires : format OpenStreetMap opening_hours attendu (ex. Mo-Fr 09:00-12:30,13:30-17:00)'
			}
		]);
		expect(problems({ ...valid, hours: '' }).map((i) => i.path)).toEqual(['hours']);
	});

	it('checks a FINESS number by its key, Corsica’s included', () => {
		expect(StructureImportSchema.parse({ ...valid, finess: '130784234' }).finess).toBe('130784234');
		expect(StructureImportSchema.parse({ ...valid, finess: '2a0002622' }).finess).toBe('2A0002622');
		const issues = problems({ ...valid, finess: '130784235' });
		expect(issues.map((i) => i.path)).toEqual(['finess']);
		expect(issues[0]?.message).toMatch(/^finess : clé de contrôle incorrecte/);
		// A malformed number gets the shape's message alone.
		expect(problems({ ...valid, finess: '1A0002622' }).map((i) => i.message)).toEqual([
			'un numéro FINESS a 9 caractères (ex. 130784234)'
		]);
	});
});

describe('csvRecordToInput', () => {
	it('splits lists, parses numbers and booleans, drops empty cells', () => {
		expect(
			csvRecordToInput({
				id: 'x',
				coverage: '13204| 13212 ',
				problems: 'droits',
				lat: '43,3',
				age_min: '60',
				coordination: 'oui',
				phone: ''
			})
		).toEqual({
			id: 'x',
			coverage: ['13204', '13212'],
			problems: ['droits'],
			lat: 43.3,
			age_min: 60,
			coordination: true
		});
	});

	it('leaves unparsable values as text so the schema names the column', () => {
		const input = csvRecordToInput({
			...Object.fromEntries(
				Object.entries(valid).map(([k, v]) => [k, Array.isArray(v) ? v.join('|') : v])
			),
			age_min: 'soixante'
		});
		expect(input.age_min).toBe('soixante');
		expect(problems(input).map((i) => i.path)).toEqual(['age_min']);
	});

	it('parses a polygon given as JSON text', () => {
		const polygon = {
			type: 'Polygon',
			coordinates: [
				[
					[0, 0],
					[1, 0],
					[1, 1],
					[0, 0]
				]
			]
		};
		expect(
			csvRecordToInput({ coverage_geojson: JSON.stringify(polygon) }).coverage_geojson
		).toEqual(polygon);
	});
});
