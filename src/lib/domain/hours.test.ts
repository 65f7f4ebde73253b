import { describe, expect, it } from 'vitest';
import { describeHours, formatHours } from './hours';

describe('opening hours in French', () => {
	it.each([
		['Mo-Fr 09:00-12:30,13:30-17:00', ['du lundi au vendredi, 9 h–12 h 30 et 13 h 30–17 h']],
		['Mo-Fr 09:00-17:00', ['du lundi au vendredi, 9 h–17 h']],
		['Tu,Th 14:00-17:00', ['mardi et jeudi, 14 h–17 h']],
		['Mo,Tu,Th 08:30-12:30', ['lundi, mardi et jeudi, 8 h 30–12 h 30']],
		['We 08:30-12:30', ['le mercredi, 8 h 30–12 h 30']],
		['Mo-We,Fr 09:00-12:00', ['du lundi au mercredi et le vendredi, 9 h–12 h']],
		['Mo-Su 07:00-21:00', ['tous les jours, 7 h–21 h']],
		['10:00-18:00', ['tous les jours, 10 h–18 h']],
		[
			'Mo-Fr 08:00-12:00,13:00-15:00,16:00-18:45',
			['du lundi au vendredi, 8 h–12 h, 13 h–15 h et 16 h–18 h 45']
		],
		['24/7', ['ouvert 24 h sur 24, 7 jours sur 7']],
		['Mo-Fr 00:00-24:00', ['du lundi au vendredi, 0 h–24 h']],
		['Fr 20:00-02:00', ['le vendredi, 20 h–2 h']]
	])('%s', (value, expected) => {
		expect(describeHours(value)).toEqual(expected);
	});

	it('says each rule on its own line, days off and holidays included', () => {
		expect(describeHours('Mo-Fr 08:30-12:00; Mo,Tu,Th 13:30-16:30')).toEqual([
			'du lundi au vendredi, 8 h 30–12 h',
			'lundi, mardi et jeudi, 13 h 30–16 h 30'
		]);
		expect(describeHours('Mo-Sa 09:00-19:00; We off; PH off')).toEqual([
			'du lundi au samedi, 9 h–19 h',
			'fermé le mercredi',
			'fermé les jours fériés'
		]);
		expect(describeHours('Mo-Fr 09:00-17:00; Sa,PH off')).toEqual([
			'du lundi au vendredi, 9 h–17 h',
			'fermé le samedi et les jours fériés'
		]);
		expect(describeHours('PH 10:00-12:00')).toEqual(['les jours fériés, 10 h–12 h']);
		expect(describeHours('24/7; PH off')).toEqual([
			'ouvert 24 h sur 24, 7 jours sur 7',
			'fermé les jours fériés'
		]);
	});

	it('tolerates spaces after commas and a trailing semicolon', () => {
		expect(describeHours(' Mo-Fr 09:00-12:00, 14:00-17:00 ; ')).toEqual([
			'du lundi au vendredi, 9 h–12 h et 14 h–17 h'
		]);
	});

	it.each([
		'Mo-Fr 09:00-17:00 "sur rendez-vous"',
		'Mo-Fr 09:00-12:00, Sa 10:00-12:00',
		'Jan-Jun Mo-Fr 09:00-17:00',
		'Mo-Fr sunrise-sunset',
		'Mo-Fr 09:00+',
		'Mo[1] 09:00-12:00',
		'week 1-26 Mo 09:00-12:00',
		'Fr 22:00-26:00',
		'Mo-Fr',
		'off',
		'lundi 9h-12h',
		''
	])('leaves a shape it does not cover to the raw value: %s', (value) => {
		expect(describeHours(value)).toBeNull();
		expect(formatHours(value)).toBe(value);
	});

	it('writes one line for exports', () => {
		expect(formatHours('Mo-Fr 09:00-17:00; PH off')).toBe(
			'du lundi au vendredi, 9 h–17 h ; fermé les jours fériés'
		);
	});
});
