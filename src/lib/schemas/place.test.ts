import { describe, expect, it } from 'vitest';
import { PLACE_QUERY_MAX, readPlaceSuggestQuery } from './place';

const read = (query: string) => readPlaceSuggestQuery(new URLSearchParams(query));

describe('the place picker’s query', () => {
	it('reads the text typed and whether cities may be offered', () => {
		expect(read('q=%20marseile%204%20&villes=oui').data).toEqual({
			q: 'marseile 4',
			villes: 'oui'
		});
		expect(read('q=13004').data).toEqual({ q: '13004', villes: 'non' });
		expect(read('').data).toEqual({ q: '', villes: 'non' });
	});

	it('refuses a text too long and an unknown value, naming the parameter', () => {
		const long = read(`q=${'a'.repeat(PLACE_QUERY_MAX + 1)}`);
		expect(long.success).toBe(false);
		expect(long.error?.issues[0]?.path).toEqual(['q']);
		expect(read(`q=${'a'.repeat(PLACE_QUERY_MAX)}`).success).toBe(true);
		expect(read('q=x&villes=peut-etre').error?.issues[0]?.path).toEqual(['villes']);
	});
});
