import { describe, expect, it } from 'vitest';
import { describeHours } from './hours';
import { normaliseOpeningHours, openingStateAt, wallClock } from './opening-hours';

describe('opening_hours values', () => {
	it.each([
		'Mo-Fr 09:00-12:30,13:30-17:00',
		'Mo-Fr 08:30-12:00; Mo,Tu,Th 13:30-16:30',
		'Mo,Tu,Th 08:30-12:30,13:30-16:30; We 08:30-12:30',
		'Mo-Fr 09:00-17:00; PH off',
		'24/7',
		'Mo-Fr 09:00-17:00 "sur rendez-vous"'
	])('keeps a valid value as written: %s', (value) => {
		expect(normaliseOpeningHours(value)).toBe(value);
	});

	it('writes common variants in the syntax, which the French description then reads', () => {
		const value = normaliseOpeningHours('Mo-Fr 9h-12h , 14h-17h');
		expect(value).toBe('Mo-Fr 09:00-12:00,14:00-17:00');
		expect(describeHours(value ?? '')).toEqual(['du lundi au vendredi, 9 h–12 h et 14 h–17 h']);
	});

	it.each(['n’importe quoi', 'Mo-Fr 25:00-12:00', 'Mo-Fr 09:00-', 'tous les jours'])(
		'refuses %s',
		(value) => {
			expect(normaliseOpeningHours(value)).toBeNull();
		}
	);
});

describe('open now, in Paris time', () => {
	const hours = 'Mo-Fr 09:00-12:30,13:30-17:00; PH off';

	it('reads the wall clock of Paris whatever the process time zone', () => {
		// 2026-12-02 is a Wednesday; Paris is UTC+1 in winter, UTC+2 in summer.
		const winter = wallClock(new Date('2026-12-02T16:30:00Z'), 'Europe/Paris');
		expect([winter.getHours(), winter.getMinutes(), winter.getDate()]).toEqual([17, 30, 2]);
		const summer = wallClock(new Date('2026-07-01T22:30:00Z'), 'Europe/Paris');
		expect([summer.getDate(), summer.getHours(), summer.getMinutes()]).toEqual([2, 0, 30]);
	});

	it.each([
		['2026-12-02T08:30:00Z', 'open'], // 9:30 in Paris
		['2026-12-02T07:30:00Z', 'closed'], // 8:30
		['2026-12-02T11:45:00Z', 'closed'], // 12:45, lunch
		['2026-12-02T15:59:00Z', 'open'], // 16:59
		// 16:30 UTC is 17:30 in Paris: closed, although a UTC clock would say open.
		['2026-12-02T16:30:00Z', 'closed'],
		['2026-07-01T15:30:00Z', 'closed'], // 17:30 in summer (UTC+2)
		['2026-07-01T07:30:00Z', 'open'], // 9:30 in summer
		['2026-12-05T10:00:00Z', 'closed'], // a Saturday
		['2026-05-08T08:00:00Z', 'closed'], // 8 May, a Friday and a French public holiday
		['2026-07-14T08:00:00Z', 'closed'], // 14 July, a Tuesday
		['2026-07-15T08:00:00Z', 'open']
	] as const)('%s: %s', (instant, state) => {
		expect(openingStateAt(hours, new Date(instant))).toBe(state);
	});

	it('says unknown when the hours say so, and nothing for a value that does not parse', () => {
		const at = new Date('2026-12-02T09:00:00Z');
		expect(openingStateAt('Mo-Fr 09:00-17:00 "sur rendez-vous"', at)).toBe('unknown');
		expect(openingStateAt('24/7', at)).toBe('open');
		expect(openingStateAt('pas un horaire', at)).toBeNull();
	});
});
