import { describe, expect, it } from 'vitest';
import { daysSince, isStale, staleOn } from './freshness';

describe('freshness', () => {
	const today = new Date('2026-11-27T10:00:00Z');

	it('counts whole days since a date', () => {
		expect(daysSince('2026-11-26', today)).toBe(1);
		expect(daysSince('2025-11-27', today)).toBe(365);
	});

	it('flags data unverified for over a year, or never', () => {
		expect(isStale('2025-11-27', today)).toBe(false);
		expect(isStale('2025-11-26', today)).toBe(true);
		expect(isStale(null, today)).toBe(true);
	});
});

describe('staleOn', () => {
	it('says what isStale says, day by day around the limit, and for other texts', () => {
		for (const today of [new Date('2026-12-07T23:30:00Z'), new Date('2028-03-01T00:00:00Z')]) {
			const stale = staleOn(today);
			for (let back = 300; back <= 430; back++) {
				const day = new Date(today.getTime() - back * 86_400_000).toISOString().slice(0, 10);
				expect(stale(day), day).toBe(isStale(day, today));
			}
			for (const odd of [null, '2020-01-01T10:00:00Z', 'n/a', '']) {
				expect(stale(odd), String(odd)).toBe(isStale(odd, today));
			}
		}
	});
});
