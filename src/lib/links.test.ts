import { describe, expect, it } from 'vitest';
import { orientationHref, reorientHref, withParams } from './links';

describe('withParams', () => {
	it('changes and removes parameters, keeping the others', () => {
		const url = new URL('http://x/annuaire?q=ehpad&page=3&type=clic');
		expect(withParams(url, { page: '4' })).toBe('?q=ehpad&page=4&type=clic');
		expect(withParams(url, { page: null, commune: '13204' })).toBe(
			'?q=ehpad&type=clic&commune=13204'
		);
	});
});

describe('orientation links', () => {
	it('names a record by its reference, and re-orients from its id', () => {
		expect(orientationHref({ reference: 'OR-2026-00042' })).toBe('/orientations/OR-2026-00042');
		expect(reorientHref({ id: '0b6f4c1e-2f1a-4c39-9a53-4b8f3c2d1e0f' })).toBe(
			'/orienter?depuis=0b6f4c1e-2f1a-4c39-9a53-4b8f3c2d1e0f'
		);
	});
});
