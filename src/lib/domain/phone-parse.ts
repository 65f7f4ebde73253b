import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Reading a phone number on the way in (contract §8): a French number, written the ways people
 * write it (`04 91 23 45 67`, `04.91.23.45.67`, `+33 4 91 23 45 67`, `+33 (0)4 91…`), becomes
 * E.164. Apart from phone.ts so that the browser, which only shows numbers, never loads the
 * library's metadata.
 *
 * The `max` metadata checks the number against the ranges actually allocated (a fixed line in
 * 04 has ten digits and a known prefix), not only its length: a mistyped number is refused at
 * import instead of being shown to the agent who will dial it.
 */

/**
 * The French numbering areas a number may belong to: metropolitan France, then the overseas
 * départements and collectivities that dial like it (`0262 …` at La Réunion). Tried in this order
 * for a number written without its `+`: `0262 12 34 56` is no metropolitan number, so it is read
 * as La Réunion's.
 */
const FRENCH_AREAS: readonly CountryCode[] = ['FR', 'RE', 'YT', 'GP', 'MQ', 'GF', 'BL', 'MF'];

export type PhoneParse = { ok: true; e164: string } | { ok: false; reason: 'invalid' | 'foreign' };

export function parseFrenchPhone(input: string): PhoneParse {
	let foreign = false;
	for (const area of FRENCH_AREAS) {
		const number = parsePhoneNumberFromString(input, area);
		if (!number?.isValid()) continue;
		// A number written with its `+` is read the same whatever the default area.
		if (number.country && FRENCH_AREAS.includes(number.country)) {
			return { ok: true, e164: number.number };
		}
		foreign = true;
	}
	return { ok: false, reason: foreign ? 'foreign' : 'invalid' };
}
