import { describe, expect, it } from 'vitest';
import { publicSummary } from './public';

describe('publicSummary', () => {
	it('reads age limits and the APA rule in French', () => {
		expect(publicSummary({ ageMin: 76, ageMax: null, apa: 'any' })).toBe('76 ans et plus');
		expect(publicSummary({ ageMin: 60, ageMax: null, apa: 'required' })).toBe(
			'60 ans et plus, bénéficiaires de l’APA uniquement'
		);
		expect(publicSummary({ ageMin: 18, ageMax: 59, apa: 'excluded' })).toBe(
			'De 18 à 59 ans, hors bénéficiaires de l’APA'
		);
		expect(publicSummary({ ageMin: null, ageMax: null, apa: 'any' })).toBe('Tout âge');
	});
});
