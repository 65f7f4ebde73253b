import { describe, expect, it } from 'vitest';
import { defaultOrigin, publicOrigin } from './origin';

describe('defaultOrigin', () => {
	it('is http://localhost:3000 with nothing set, as the README says', () => {
		expect(defaultOrigin({})).toBe('http://localhost:3000');
	});
	it('follows PORT and a specific HOST', () => {
		expect(defaultOrigin({ PORT: '8080' })).toBe('http://localhost:8080');
		expect(defaultOrigin({ HOST: '0.0.0.0', PORT: '4000' })).toBe('http://localhost:4000');
		expect(defaultOrigin({ HOST: '127.0.0.1', PORT: '4000' })).toBe('http://127.0.0.1:4000');
		expect(defaultOrigin({ HOST: '::1' })).toBe('http://[::1]:3000');
	});
	it('gives way to an ORIGIN that is set', () => {
		expect(publicOrigin({ ORIGIN: 'https://bontiers.cd13.fr', PORT: '3000' })).toBe(
			'https://bontiers.cd13.fr'
		);
		expect(publicOrigin({ ORIGIN: '', PORT: '3001' })).toBe('http://localhost:3001');
	});
});
