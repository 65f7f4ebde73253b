import { z } from 'zod';
import { APA_RULES, CRITERIA, KINDS, LEVELS, MODES, PROBLEMS } from '$lib/domain/taxonomy';

/**
 * Every message zod writes for users (imports, forms, API) is in French, the product's language,
 * and says what is expected in words a person reads: « doit être un nombre entier », not
 * « Entrée invalide : entier attendu, nombre reçu »; a code of the taxonomy is named by its label
 * (« Perte d’autonomie »), never as a list of raw codes (`"droits"|"finances"|…`). The API keeps
 * the codes in each issue's `path`. A schema's own message (`.min(1, '…')`, `{ error }`) still
 * wins over these.
 */

/** A set of codes people know by their labels, e.g. the problems or the orientation statuses. */
export interface Vocabulary {
	/** What a value is, with its article: « le problème », « le statut ». */
	noun: string;
	/** The labels, in the vocabulary's own order (the order people see them in). */
	labels: string[];
}

/** Vocabularies by their set of codes: an enum of exactly those codes is described with them. */
const vocabularies = new Map<string, Vocabulary>();

const keyOf = (codes: readonly unknown[]) => [...codes].map(String).sort().join('\u0000');

/**
 * Makes the messages about an enum of exactly `items`' codes name their labels. The enum is
 * recognised by its set of codes, so that every schema using it — here or in another module —
 * gets the same readable message without repeating it.
 */
export function defineVocabulary(
	items: readonly { code: string; label: string }[],
	noun: string
): void {
	vocabularies.set(keyOf(items.map((i) => i.code)), {
		noun,
		labels: items.map((i) => i.label)
	});
}

defineVocabulary(PROBLEMS, 'le problème');
defineVocabulary(LEVELS, 'le niveau de complexité');
defineVocabulary(CRITERIA, 'le critère de complexité');
defineVocabulary(KINDS, 'le type de structure');
defineVocabulary(MODES, 'le mode d’intervention');
defineVocabulary(APA_RULES, 'la condition d’APA');

/** « A, B ou C ». */
export function frenchList(items: readonly string[], conjunction = 'ou'): string {
	if (items.length <= 1) return items.join('');
	return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

const quoted = (value: unknown) => `« ${String(value)} »`;

/** What a value of a zod type is, in words (« doit être … »). */
const EXPECTED: Record<string, string> = {
	string: 'un texte',
	number: 'un nombre',
	int: 'un nombre entier',
	bigint: 'un nombre entier',
	boolean: 'vrai ou faux (true ou false)',
	array: 'une liste',
	object: 'un objet',
	date: 'une date',
	tuple: 'une liste',
	record: 'un objet',
	null: 'null'
};

const FORMATS: Record<string, string> = {
	email: 'une adresse e-mail',
	url: 'une adresse web (URL)',
	uuid: 'un identifiant UUID',
	datetime: 'une date et heure ISO 8601 (2025-01-31T14:05:00Z)',
	date: 'une date ISO 8601 (2025-01-31)',
	time: 'une heure ISO 8601 (14:05:00)',
	e164: 'un numéro de téléphone international (+33…)'
};

function plural(n: number | bigint, one: string, many: string): string {
	return `${n} ${Number(n) > 1 ? many : one}`;
}

const SIZED: Record<string, [string, string]> = {
	string: ['caractère', 'caractères'],
	array: ['élément', 'éléments'],
	set: ['élément', 'éléments'],
	file: ['octet', 'octets']
};

/** The message of a value outside an enum (or a literal). */
function unexpectedValue(values: readonly unknown[], input: unknown): string {
	const vocabulary = vocabularies.get(keyOf(values));
	if (vocabulary) {
		const labels = frenchList(vocabulary.labels.map(quoted));
		return input === undefined
			? `indiquez ${vocabulary.noun} : ${labels}`
			: `valeur inconnue pour ${vocabulary.noun} : choisissez ${labels}`;
	}
	if (values.length === 1) return `${quoted(values[0])} attendu`;
	const list = frenchList(values.map(quoted));
	return input === undefined ? `valeur requise : ${list}` : `valeur inconnue : ${list} attendu`;
}

/** The French message of an issue, or undefined to leave it to zod's French locale. */
function frenchMessage(issue: z.core.$ZodRawIssue): string | undefined {
	switch (issue.code) {
		case 'invalid_type': {
			if (issue.input === undefined) return 'champ obligatoire';
			const expected = EXPECTED[issue.expected];
			if (!expected) return undefined;
			if (issue.input === null) return `valeur manquante : doit être ${expected}`;
			return `doit être ${expected}`;
		}
		case 'invalid_value':
			return unexpectedValue(issue.values, issue.input);
		case 'too_small': {
			const unit = SIZED[issue.origin];
			if (unit) {
				if (Number(issue.minimum) === 1 && issue.inclusive !== false)
					return issue.origin === 'string' ? 'ne doit pas être vide' : 'au moins un élément';
				return `au moins ${plural(issue.minimum, ...unit)}`;
			}
			return issue.inclusive === false
				? `doit être supérieur à ${issue.minimum}`
				: `doit être au moins ${issue.minimum}`;
		}
		case 'too_big': {
			const unit = SIZED[issue.origin];
			if (unit) return `${plural(issue.maximum, ...unit)} au plus`;
			return issue.inclusive === false
				? `doit être inférieur à ${issue.maximum}`
				: `doit être au plus ${issue.maximum}`;
		}
		case 'invalid_format': {
			const expected = FORMATS[issue.format];
			if (expected) return `${expected} est attendu`;
			return issue.format === 'regex' ? 'format non reconnu' : undefined;
		}
		case 'not_multiple_of':
			return `doit être un multiple de ${issue.divisor}`;
		case 'unrecognized_keys':
			return `champ inconnu : ${frenchList(issue.keys.map(quoted), 'et')}`;
		case 'invalid_union':
			return 'valeur non reconnue';
		default:
			return undefined;
	}
}

// zod's French locale stays underneath, for the rare issues the map above leaves to it.
z.config(z.locales.fr());
z.config({ customError: frenchMessage });

export { z };

/**
 * An optional « oui » / « non » filter of a query string (the chart's and the map's APA and
 * disability filters): an empty value is no filter.
 */
export const ouiNon = () =>
	z.preprocess(
		(v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
		z.enum(['oui', 'non']).optional()
	);

/** The person the filter stands for: with (true), without (false), either (undefined). */
export function ouiNonValue(value: 'oui' | 'non' | undefined): boolean | undefined {
	return value === undefined ? undefined : value === 'oui';
}

/** A validation problem located by a path ("problems.1", "coverage_geojson.coordinates"). */
export interface Issue {
	path: string;
	message: string;
}

/**
 * The issues of a failed validation, each located by its path. zod reports unknown keys as one
 * issue on the enclosing object: here each unknown key gets its own issue at its own path, so
 * the form, the import or the API client can tell which field to remove.
 */
export function issuesOf(error: z.ZodError, unknownKey?: string): Issue[] {
	return error.issues.flatMap((issue) => {
		const path = issue.path.map(String);
		if (issue.code !== 'unrecognized_keys')
			return [{ path: path.join('.'), message: issue.message }];
		return issue.keys.map((key) => ({
			path: [...path, key].join('.'),
			message: unknownKey ?? `champ inconnu : ${key}`
		}));
	});
}
