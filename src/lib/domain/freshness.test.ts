import { describe, expect, it } from 'vitest';
import { daysSince, isStale } from './freshness';

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
