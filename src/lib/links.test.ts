import { describe, expect, it } from 'vitest';
import { withParams } from './links';

describe('withParams', () => {
	it('changes and removes parameters, keeping the others', () => {
		const url = new URL('http://x/annuaire?q=ehpad&page=3&type=clic');
		expect(withParams(url, { page: '4' })).toBe('?q=ehpad&page=4&type=clic');
		expect(withParams(url, { page: null, commune: '13204' })).toBe(
			'?q=ehpad&type=clic&commune=13204'
		);
	});
});
