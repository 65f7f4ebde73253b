import { describe, expect, it } from 'vitest';
import { splitCoverageCodes, structureFormToInput } from './structure-form';

function form(entries: [string, string][]): FormData {
	const data = new FormData();
	for (const [k, v] of entries) data.append(k, v);
	return data;
}

describe('structureFormToInput', () => {
	it('reads the form as one import record', () => {
		const input = structureFormToInput(
			form([
				['name', ' CLIC du Nord '],
				['kind', 'clic'],
				['problems', 'aides_domicile'],
				['problems', 'aidants'],
				['coverage', '13204\n13212, epci:200054807'],
				['level_min', 'information'],
				['level_max', 'coordonnee'],
				['age_min', '60'],
				['coordination', 'true'],
				['phone', ''],
				['coverage_geojson', '']
			])
		);
		expect(input).toEqual({
			name: 'CLIC du Nord',
			kind: 'clic',
			problems: ['aides_domicile', 'aidants'],
			coverage: ['13204', '13212', 'epci:200054807'],
			level_min: 'information',
			level_max: 'coordonnee',
			age_min: 60,
			coordination: true
		});
	});

	it('keeps what does not parse as typed, for the schema to name', () => {
		const input = structureFormToInput(
			form([
				['age_min', 'soixante'],
				['coverage_geojson', '{"type": "Polygon"'],
				['id', 'someone-else']
			])
		);
		expect(input.age_min).toBe('soixante');
		expect(input.coverage_geojson).toBe('{"type": "Polygon"');
		// The id is not the form's to change.
		expect(input.id).toBeUndefined();
	});

	it('splits coverage codes however they are separated', () => {
		expect(splitCoverageCodes(' dep:13 ;13055|  13201\t')).toEqual(['dep:13', '13055', '13201']);
		expect(splitCoverageCodes('')).toEqual([]);
	});
});
