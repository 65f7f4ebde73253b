/**
 * Direct identifiers of a person in free text (contract §3): an e-mail address, a French phone
 * number, a NIR (numéro de sécurité sociale) or a postal address. A note, a level reason or a
 * status reason holding one is refused, so that nothing in the product points to a person.
 *
 * Pure and deliberately specific: a false positive blocks an agent at the front desk, so each
 * pattern asks for the shape people actually write (a phone number in pairs with one separator,
 * a NIR whose key checks, a street number followed by a street type). « 82 ans », « 12/03/2024 »,
 * « 13004 », a FINESS number or « 4e arrondissement » are not identifiers. The matched text is
 * never part of what is returned in messages: it must not be echoed, stored or logged.
 */

export type IdentifierKind = 'email' | 'phone' | 'nir' | 'address';

export interface IdentifierMatch {
	kind: IdentifierKind;
	/** Position and length of the match in the text (for a UI to highlight it). */
	index: number;
	length: number;
}

/** What was found, with its article, and the pronoun that stands for it. */
const WORDS: Record<IdentifierKind, { noun: string; pronoun: 'le' | 'la' }> = {
	email: { noun: 'une adresse e-mail', pronoun: 'la' },
	phone: { noun: 'un numéro de téléphone', pronoun: 'le' },
	nir: { noun: 'un numéro de sécurité sociale (NIR)', pronoun: 'le' },
	address: { noun: 'une adresse postale', pronoun: 'la' }
};

/** The order in which kinds are named in a message. */
const KIND_ORDER: readonly IdentifierKind[] = ['phone', 'email', 'nir', 'address'];

/* ------------------------------------- E-mail ------------------------------------- */

// « jean.dupont@gmail.com », « jean @ orange.fr », and the usual disguises « (at) », « [at] »,
// « arobase ». The domain needs a dot and a 2+ letter suffix, so « @CCAS » is no address.
const EMAIL =
	/[\p{L}\p{N}._%+-]+\s?(?:@|\(at\)|\[at\]|\{at\}|\sarobase\s)\s?[\p{L}\p{N}-]+(?:\s?(?:\.|\(dot\)|\[dot\]|\spoint\s)\s?[\p{L}\p{N}-]+)*\s?(?:\.|\(dot\)|\[dot\]|\spoint\s)\s?\p{L}{2,}(?![\p{L}\p{N}])/giu;

/* ------------------------------------- Phone ------------------------------------- */

// National: 0 then a digit 1–9 then four pairs, the same separator throughout (none, space,
// dot, hyphen, no-break spaces): « 04 91 23 45 67 », « 04.91.23.45.67 », « 0491234567 ». One
// separator only, so that a date followed by a number (« 01.03.2024 12 ») never reads as one.
const PHONE_NATIONAL = /(?<![\p{N}+])0[1-9]([ .\-\u00a0\u202f]?)\d{2}(?:\1\d{2}){3}(?!\p{N})/gu;
// International: +33 or 0033, an optional (0) or 0, then nine digits grouped any way:
// « +33 6 12 34 56 78 », « +33 (0)6 12 34 56 78 », « 0033612345678 », « +33 06 12 34 56 78 ».
const PHONE_INTERNATIONAL =
	/(?<!\p{N})(?:\+|00)[ \u00a0]?33[ .\-\u00a0\u202f]?(?:\(0\)[ .\-\u00a0\u202f]?|0)?[1-9](?:[ .\-\u00a0\u202f]?\d){8}(?!\p{N})/gu;

/* -------------------------------------- NIR -------------------------------------- */

// Sex (1, 2; 3, 4, 7, 8 for foreign-born or temporary numbers), birth year and month,
// département (2 digits, 2A/2B for Corsica, or 3 digits overseas, then a 2-digit commune),
// commune, order number, 2-digit key: 15 characters, spaces or dots anywhere between groups.
const NIR_CANDIDATE =
	/(?<![\p{L}\p{N}])[1-478](?:[ .\-\u00a0\u202f]?[0-9ABab]){12}[ .\-\u00a0\u202f]?\d{2}(?![\p{L}\p{N}])/gu;

/**
 * Whether 15 characters (separators removed) form a NIR: month plausible, A/B only in Corsica's
 * département, and the key equal to 97 − (the 13-character number mod 97), 2A counted as 19 and
 * 2B as 18 (the usual rule: 2A ⇒ subtract 1 000 000, 2B ⇒ 2 000 000).
 */
export function isNir(compact: string): boolean {
	const nir = compact.toUpperCase();
	if (!/^[1-478]\d{4}(?:\d{2}|2A|2B)\d{6}\d{2}$/.test(nir)) return false;
	const month = Number(nir.slice(3, 5));
	// 01–12; 20–42 and 50–99 are given when the month of birth is unknown.
	if (!((month >= 1 && month <= 12) || (month >= 20 && month <= 42) || month >= 50)) return false;
	const digits = nir.slice(0, 13).replace('2A', '19').replace('2B', '18');
	// 13 digits exceed 2^53: the remainder is computed digit by digit.
	let rest = 0;
	for (const digit of digits) rest = (rest * 10 + Number(digit)) % 97;
	return 97 - rest === Number(nir.slice(13));
}

/* ----------------------------------- Postal address ----------------------------------- */

// Street types that say « address » on their own after a number (« 12 rue », « 3 bd »).
const STREET_TYPES = [
	'rue',
	'ruelle',
	'avenue',
	'av',
	'ave',
	'boulevard',
	'bd',
	'bld',
	'blvd',
	'bvd',
	'chemin',
	'chem',
	'allée',
	'allee',
	'impasse',
	'imp',
	'quai',
	'traverse',
	'trav',
	'montée',
	'montee',
	'faubourg',
	'fbg',
	'chaussée',
	'chaussee',
	'rte',
	'esplanade',
	'rond-point',
	'sentier',
	'lieu-dit',
	'hameau',
	'venelle',
	'lotissement'
];
// Words that are also common nouns (« 2 cours de dessin », « 1 place libre », « 1 route à
// traverser »): an address only when a capitalised name follows (« 3 place de la Joliette »,
// « 12 cours Julien »).
const AMBIGUOUS_STREET_TYPES = [
	'place',
	'pl',
	'cours',
	'crs',
	'route',
	'square',
	'sq',
	'passage',
	'voie',
	'mail',
	'cité',
	'cite',
	'résidence',
	'residence',
	'promenade',
	'parvis',
	'clos',
	'villa',
	'domaine'
];

const AMBIGUOUS_ABBREVIATIONS = ['pl', 'crs', 'sq'];

const alternatives = (words: readonly string[]) =>
	[...words].sort((a, b) => b.length - a.length).join('|');

// A street number (1–4 digits, maybe « bis », « ter », « B »), an optional comma, then the type,
// abbreviated with or without a dot.
const NUMBER = String.raw`(?<![\p{L}\p{N}])\d{1,4}(?:[ \u00a0]?(?:bis|ter|quater|[a-dA-D])(?![\p{L}\p{N}]))?,?[ \u00a0]+`;
const ADDRESS = new RegExp(
	`${NUMBER}(?:${alternatives(STREET_TYPES)})\\.?(?![\\p{L}\\p{N}-])`,
	'giu'
);
const ADDRESS_AMBIGUOUS = new RegExp(
	// A dot only after an abbreviation: « 2 cours. Elle… » ends a sentence.
	`${NUMBER}(?:(?:${alternatives(AMBIGUOUS_STREET_TYPES.filter((t) => !AMBIGUOUS_ABBREVIATIONS.includes(t)))})|(?:${alternatives(AMBIGUOUS_ABBREVIATIONS)})\\.?)[ \\u00a0]+`,
	'giu'
);
// What may stand between an ambiguous type and the name (« de la », « du », « d’ », « Les »…),
// the longest first; then the name must start with a capital, checked without the `i` flag.
const ARTICLE =
	/^(?:(?:de la|des|du|de|les|la|le|aux|à la|au)[ \u00a0]+|(?:de l|d|l)['’][ \u00a0]*)?/iu;
const CAPITAL = /^\p{Lu}/u;

/** Whether a capitalised name follows `end` in `text` (after an article, if any). */
function nameFollows(text: string, end: number): boolean {
	const rest = text.slice(end, end + 40);
	const article = ARTICLE.exec(rest)?.[0] ?? '';
	return CAPITAL.test(rest.slice(article.length));
}

/* ---------------------------------------- API ---------------------------------------- */

function matchesOf(text: string, pattern: RegExp, kind: IdentifierKind): IdentifierMatch[] {
	const found: IdentifierMatch[] = [];
	for (const m of text.matchAll(pattern)) {
		found.push({ kind, index: m.index, length: m[0].length });
	}
	return found;
}

/**
 * Every direct identifier found in `text`, in the order they appear. A phone number read inside
 * a NIR is not reported: it is the NIR.
 */
export function findIdentifiers(text: string): IdentifierMatch[] {
	if (text.length === 0) return [];
	const nirs = [...text.matchAll(NIR_CANDIDATE)]
		.filter((m) => isNir(m[0].replace(/[^0-9ABab]/g, '')))
		.map((m) => ({ kind: 'nir' as const, index: m.index, length: m[0].length }));
	const insideNir = (m: IdentifierMatch) =>
		nirs.some((n) => m.index >= n.index && m.index + m.length <= n.index + n.length);
	const phones = [
		...matchesOf(text, PHONE_NATIONAL, 'phone'),
		...matchesOf(text, PHONE_INTERNATIONAL, 'phone')
	].filter((m) => !insideNir(m));
	const addresses = [
		...matchesOf(text, ADDRESS, 'address'),
		...[...text.matchAll(ADDRESS_AMBIGUOUS)]
			.filter((m) => nameFollows(text, m.index + m[0].length))
			.map((m) => ({ kind: 'address' as const, index: m.index, length: m[0].trimEnd().length }))
	];
	return [...matchesOf(text, EMAIL, 'email'), ...phones, ...nirs, ...addresses].sort(
		(a, b) => a.index - b.index || a.kind.localeCompare(b.kind)
	);
}

/** The kinds of identifiers found in `text`, each once, in the order messages name them. */
export function identifierKinds(text: string): IdentifierKind[] {
	const kinds = new Set(findIdentifiers(text).map((m) => m.kind));
	return KIND_ORDER.filter((k) => kinds.has(k));
}

/** « un numéro de téléphone et une adresse e-mail ». */
function listOf(kinds: readonly IdentifierKind[]): string {
	const nouns = kinds.map((k) => WORDS[k].noun);
	if (nouns.length <= 1) return nouns.join('');
	return `${nouns.slice(0, -1).join(', ')} et ${nouns.at(-1)}`;
}

export interface IdentifierMessageOptions {
	/**
	 * What to do instead, after « retirez-le, » (default: « la structure le demandera à la
	 * personne »). `{it}` stands for the pronoun (le, la, les).
	 */
	advice?: string;
}

const DEFAULT_ADVICE = 'la structure {it} demandera à la personne';

/**
 * The message refusing a field (« la note ») for what was found in it, never the value itself:
 * « la note contient un numéro de téléphone : retirez-le, la structure le demandera à la
 * personne ».
 */
export function identifierMessage(
	field: string,
	kinds: readonly IdentifierKind[],
	options: IdentifierMessageOptions = {}
): string {
	const ordered = KIND_ORDER.filter((k) => kinds.includes(k));
	const pronoun = ordered.length > 1 ? 'les' : WORDS[ordered[0] ?? 'phone'].pronoun;
	const advice = (options.advice ?? DEFAULT_ADVICE).replaceAll('{it}', pronoun);
	return `${field} contient ${listOf(ordered)} : retirez-${pronoun}, ${advice}`;
}

/** The message for `text` in `field`, or null when it holds no direct identifier. */
export function checkFreeText(
	field: string,
	text: string,
	options: IdentifierMessageOptions = {}
): string | null {
	const kinds = identifierKinds(text);
	return kinds.length === 0 ? null : identifierMessage(field, kinds, options);
}

/* ------------------------------------- FINESS ------------------------------------- */

/**
 * The shape of a FINESS number: 9 characters, the first two the département (`13`, `97`…, or
 * `2A` / `2B` for Corsica), the last one a check digit.
 */
export const FINESS_SHAPE = /^(?:\d{2}|2[AB])\d{7}$/;

/**
 * Whether a FINESS number's key (its 9th character) is the Luhn check digit of the first eight.
 *
 * Corsica's numbers start with `2A` or `2B`, which Luhn cannot read: the letter counts as its rank
 * in the alphabet (`2A` as 21, `2B` as 22). The rule was read off the data, not from a text: it
 * makes every number of the national register pass — the 66 946 distinct establishment and
 * legal-entity numbers of the extract of 8 January 2021
 * (`shared/data/finess/finess-france-20210108.csv.gz`), 289 of them Corsican. Reading `2A` as 20,
 * or as 19 like the NIR above, fails on every one of those.
 */
export function isFinessKeyValid(finess: string): boolean {
	const value = finess.toUpperCase();
	if (!FINESS_SHAPE.test(value)) return false;
	const digits = value.replace(/^2A/, '21').replace(/^2B/, '22');
	let sum = 0;
	// Luhn: from the rightmost digit (the key), every second digit is doubled, 10–18 → 1–9.
	for (let i = 0; i < digits.length; i++) {
		let digit = Number(digits[digits.length - 1 - i]);
		if (i % 2 === 1) {
			digit *= 2;
			if (digit > 9) digit -= 9;
		}
		sum += digit;
	}
	return sum % 10 === 0;
}
