import { describe, expect, it } from 'vitest';
import {
	daysBetween,
	formatDate,
	formatDateTime,
	formatShortDate,
	formatShortDateTime,
	localYear
} from './format';

describe('French dates in Europe/Paris', () => {
	it('writes an instant as a French reader expects it, in local time', () => {
		// 14:05 in Paris, in winter (UTC+1).
		const moment = new Date('2013-11-05T13:05:00Z');
		expect(formatDateTime(moment)).toBe('5 novembre 2013 à 14 h 05');
		expect(formatDate(moment)).toBe('5 novembre 2013');
		expect(formatShortDateTime(moment)).toBe('05/11/2013 14:05');
		expect(formatShortDate(moment)).toBe('05/11/2013');
		expect(formatDateTime('2013-11-05T13:05:00.000Z')).toBe('5 novembre 2013 à 14 h 05');
	});

	it('follows the clock change: UTC+1 in winter, UTC+2 in summer', () => {
		// Summer time began on 30 March 2025 at 02:00 (01:00 UTC), clocks jumping to 03:00.
		expect(formatDateTime(new Date('2025-03-30T00:59:00Z'))).toBe('30 mars 2025 à 1 h 59');
		expect(formatDateTime(new Date('2025-03-30T01:00:00Z'))).toBe('30 mars 2025 à 3 h 00');
		expect(formatShortDateTime(new Date('2025-07-14T08:30:00Z'))).toBe('14/07/2025 10:30');
		// It ended on 26 October 2025 at 03:00 (01:00 UTC), clocks going back to 02:00.
		expect(formatDateTime(new Date('2025-10-26T00:30:00Z'))).toBe('26 octobre 2025 à 2 h 30');
		expect(formatDateTime(new Date('2025-10-26T01:30:00Z'))).toBe('26 octobre 2025 à 2 h 30');
		expect(formatShortDateTime(new Date('2025-10-26T02:00:00Z'))).toBe('26/10/2025 03:00');
	});

	it('gives the local day and year, not the UTC one, around midnight', () => {
		const newYear = new Date('2025-12-31T23:30:00Z');
		expect(formatDate(newYear)).toBe('1er janvier 2026');
		expect(formatShortDate(newYear)).toBe('01/01/2026');
		expect(formatDateTime(newYear)).toBe('1er janvier 2026 à 0 h 30');
		expect(localYear(newYear)).toBe(2026);
		expect(localYear(new Date('2025-12-31T22:59:00Z'))).toBe(2025);
	});

	it('shows a calendar date as that day, never shifted', () => {
		expect(formatDate('2021-01-08')).toBe('8 janvier 2021');
		expect(formatDateTime('2021-01-08')).toBe('8 janvier 2021');
		expect(formatShortDate('2021-01-08')).toBe('08/01/2021');
		expect(formatShortDateTime('2021-12-31')).toBe('31/12/2021');
	});

	it('falls back for a missing or invalid moment', () => {
		expect(formatDateTime(null)).toBe('—');
		expect(formatDateTime(undefined, 'jamais')).toBe('jamais');
		expect(formatShortDate('pas une date')).toBe('—');
	});

	it('counts whole days, a clock change included', () => {
		expect(daysBetween(new Date('2025-03-29T12:00:00Z'), new Date('2025-04-08T12:00:00Z'))).toBe(
			10
		);
		expect(daysBetween(new Date('2025-03-29T12:00:00Z'), new Date('2025-04-08T11:59:00Z'))).toBe(9);
	});
});
