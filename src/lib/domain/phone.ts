/**
 * Phone numbers as people in France read them. Stored in E.164 (`+33491234567`, what the import
 * writes, contract §8), shown in the national format (`04 91 23 45 67`).
 *
 * Written by hand rather than with libphonenumber-js, which parses them on the way in: this runs
 * in the browser (the directory's cards), where the library's metadata would weigh 80 kB or more
 * for the handful of shapes below.
 */

/** Overseas départements with their own calling code and a ten-digit national number `0XXX…`. */
const OVERSEAS_CODES = ['262', '590', '594', '596'];

const pairs = (digits: string) => digits.match(/\d{2}/g)?.join(' ') ?? digits;

/**
 * The national format of a French number: `+33491234567` → `04 91 23 45 67`, `+262262123456`
 * (La Réunion) → `0262 12 34 56`. Anything else — a foreign number, a value stored before the
 * import normalised phones — is returned as it is, which still reads and dials.
 */
export function formatPhone(value: string): string {
	const compact = value.replace(/[\s.\-()\u00a0\u202f]/g, '');
	const [, national] = /^(?:\+33|0033|0)([1-9]\d{8})$/.exec(compact) ?? [];
	if (national) return `0${national.slice(0, 1)} ${pairs(national.slice(1))}`;
	const [, code, number] = /^(?:\+|00)(\d{3})(\d{9})$/.exec(compact) ?? [];
	if (code && number && OVERSEAS_CODES.includes(code)) {
		return `0${number.slice(0, 3)} ${pairs(number.slice(3))}`;
	}
	return value;
}

/**
 * What a `tel:` link takes: the E.164 form, or the digits and `+` of anything else. The link
 * dials the same number whatever the format shown.
 */
export function phoneHref(value: string): string {
	return `tel:${value.replace(/[^\d+]/g, '')}`;
}
