import { describe, expect, it } from 'vitest';
import { addDays, localDay, localMidnight, localMonth } from './local-time';

describe('days in Europe/Paris', () => {
	it('midnight in Paris is 23:00 UTC in winter, 22:00 UTC in summer', () => {
		expect(localMidnight('2026-01-15').toISOString()).toBe('2026-01-14T23:00:00.000Z');
		expect(localMidnight('2026-07-15').toISOString()).toBe('2026-07-14T22:00:00.000Z');
	});

	it('on the days the clocks change, midnight keeps the offset of before the change', () => {
		// 29 March 2026: 2 a.m. becomes 3 a.m.; 25 October 2026: 3 a.m. becomes 2 a.m.
		expect(localMidnight('2026-03-29').toISOString()).toBe('2026-03-28T23:00:00.000Z');
		expect(localMidnight('2026-03-30').toISOString()).toBe('2026-03-29T22:00:00.000Z');
		expect(localMidnight('2026-10-25').toISOString()).toBe('2026-10-24T22:00:00.000Z');
		expect(localMidnight('2026-10-26').toISOString()).toBe('2026-10-25T23:00:00.000Z');
	});

	it('an instant late on a UTC day is already the next day, or month, in Paris', () => {
		const late = new Date('2026-03-31T22:30:00Z');
		expect(localDay(late)).toBe('2026-04-01');
		expect(localMonth(late)).toBe('2026-04');
		expect(localDay(new Date('2026-03-31T21:59:59Z'))).toBe('2026-03-31');
		// Midnight itself is the day it starts.
		expect(localDay(localMidnight('2026-04-01'))).toBe('2026-04-01');
	});

	it('counts calendar days across months, years and clock changes', () => {
		expect(addDays('2026-03-28', 2)).toBe('2026-03-30');
		expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
		expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
	});

	it('refuses what is not a day', () => {
		expect(() => localMidnight('hier')).toThrow(RangeError);
	});
});
