import { describe, expect, it } from 'vitest';
import { formatPhone, phoneHref } from './phone';
import { parseFrenchPhone } from './phone-parse';

describe('reading a French phone number', () => {
	it.each([
		['04 91 23 45 67', '+33491234567'],
		['04.91.23.45.67', '+33491234567'],
		['04-91-23-45-67', '+33491234567'],
		['0491234567', '+33491234567'],
		['+33 4 91 23 45 67', '+33491234567'],
		['+33 (0)4 91 23 45 67', '+33491234567'],
		['0033 4 91 23 45 67', '+33491234567'],
		['+33491234567', '+33491234567'],
		['06 12 34 56 78', '+33612345678'],
		['0 800 12 34 56', '+33800123456'],
		['04 65 71 10 01', '+33465711001'], // the demo territory's illustrative numbers
		['0262 12 34 56', '+262262123456'], // La Réunion, dialled as in France
		['+590 590 12 34 56', '+590590123456']
	])('%s → %s', (input, e164) => {
		expect(parseFrenchPhone(input)).toEqual({ ok: true, e164 });
	});

	it.each(['04 91 23 45', '04 91 23 45 67 89', '3919', '0000000000', 'standard', '04 91 23 45 6x'])(
		'refuses %s',
		(input) => {
			expect(parseFrenchPhone(input)).toEqual({ ok: false, reason: 'invalid' });
		}
	);

	it('tells a foreign number from a wrong one', () => {
		expect(parseFrenchPhone('+32 2 555 12 12')).toEqual({ ok: false, reason: 'foreign' });
		expect(parseFrenchPhone('+44 20 7946 0958')).toEqual({ ok: false, reason: 'foreign' });
	});
});

describe('showing a phone number', () => {
	it.each([
		['+33491234567', '04 91 23 45 67'],
		['+33612345678', '06 12 34 56 78'],
		['+33800123456', '08 00 12 34 56'],
		['+262262123456', '0262 12 34 56'],
		['+596596123456', '0596 12 34 56'],
		// Stored before the import normalised phones: shown the same way.
		['04.91.23.45.67', '04 91 23 45 67'],
		['0491234567', '04 91 23 45 67']
	])('%s → %s', (stored, shown) => {
		expect(formatPhone(stored)).toBe(shown);
	});

	it('leaves what is not a French number as it is', () => {
		expect(formatPhone('+3225551212')).toBe('+3225551212');
		expect(formatPhone('3919')).toBe('3919');
	});

	it('shows what it parses the way it was written in the demo data', () => {
		const read = parseFrenchPhone('04 65 71 10 01');
		expect(read.ok && formatPhone(read.e164)).toBe('04 65 71 10 01');
	});

	it('links to the number whatever its format', () => {
		expect(phoneHref('+33491234567')).toBe('tel:+33491234567');
		expect(phoneHref('04 91 23 45 67')).toBe('tel:0491234567');
	});
});
