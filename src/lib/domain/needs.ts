/**
 * Needs in the words people type: a directory search for « logement », « tutelle », « aide à
 * domicile » or « Alzheimer » must find the structures that take that need, even when their name
 * does not say it. The words are read against the French labels of the problems and kinds
 * (contract §1) and a small table of synonyms field staff use, without minding accents, capitals
 * or a typo. Pure: the directory service turns the result into its query.
 */
import { KINDS, PROBLEMS, type KindCode, type ProblemCode } from './taxonomy';

/** The kinds of the disability field (contract §1), all named by « handicap ». */
export const DISABILITY_KINDS = [
	'mdph',
	'communaute_360',
	'samsah',
	'savs',
	'esms_handicap'
] as const satisfies readonly KindCode[];

/** Synonyms of the field: a word or phrase ⇒ the problems and kinds it names. */
export const NEED_SYNONYMS: readonly {
	words: string;
	problems: readonly ProblemCode[];
	kinds: readonly KindCode[];
}[] = [
	{ words: 'tutelle', problems: ['protection_juridique'], kinds: ['mjpm'] },
	{ words: 'curatelle', problems: ['protection_juridique'], kinds: ['mjpm'] },
	{ words: 'sauvegarde de justice', problems: ['protection_juridique'], kinds: ['mjpm'] },
	{ words: 'aide à domicile', problems: ['aides_domicile'], kinds: ['saad'] },
	{ words: 'aide ménagère', problems: ['aides_domicile'], kinds: ['saad'] },
	{ words: 'auxiliaire de vie', problems: ['aides_domicile'], kinds: ['saad'] },
	{ words: 'portage de repas', problems: ['aides_domicile'], kinds: ['saad'] },
	{ words: 'Alzheimer', problems: ['troubles_cognitifs'], kinds: ['consultation_memoire'] },
	{ words: 'démence', problems: ['troubles_cognitifs'], kinds: ['consultation_memoire'] },
	{ words: 'APA', problems: ['perte_autonomie'], kinds: ['equipe_apa'] },
	{
		words: 'allocation personnalisée d’autonomie',
		problems: ['perte_autonomie'],
		kinds: ['equipe_apa']
	},
	{ words: 'dépendance', problems: ['perte_autonomie'], kinds: [] },
	{ words: 'maison de retraite', problems: ['entree_etablissement'], kinds: ['ehpad'] },
	{ words: 'infirmière', problems: ['soins_domicile'], kinds: ['ssiad'] },
	{ words: 'répit', problems: ['aidants'], kinds: ['pfr', 'accueil_jour'] },
	{ words: 'psychiatrie', problems: ['sante_mentale'], kinds: ['cmp'] },
	{ words: 'dépression', problems: ['sante_mentale'], kinds: ['cmp'] },
	{ words: 'gériatrie', problems: ['medical'], kinds: ['emg', 'hopital'] },
	{ words: 'maltraitance', problems: ['maltraitance'], kinds: [] },
	{ words: 'violence', problems: ['maltraitance'], kinds: [] },
	{ words: 'hébergement', problems: ['logement', 'entree_etablissement'], kinds: [] },
	{ words: 'surendettement', problems: ['finances'], kinds: [] },
	{ words: 'dettes', problems: ['finances'], kinds: [] },
	{ words: 'budget', problems: ['finances', 'gestion_courante'], kinds: [] },
	// The disability field: its rights (MDPH), its services and establishments, the « sans
	// solution » the communautés 360 look for.
	{ words: 'handicap', problems: [], kinds: [...DISABILITY_KINDS] },
	{ words: 'situation de handicap', problems: [], kinds: [...DISABILITY_KINDS] },
	{ words: 'MDPH', problems: ['droits'], kinds: ['mdph'] },
	{ words: 'CDAPH', problems: ['droits'], kinds: ['mdph'] },
	{ words: 'notification', problems: ['droits'], kinds: ['mdph'] },
	{ words: 'PCH', problems: ['aides_domicile'], kinds: ['mdph'] },
	{ words: 'prestation de compensation', problems: ['aides_domicile'], kinds: ['mdph'] },
	{ words: 'AAH', problems: ['droits', 'finances'], kinds: ['mdph'] },
	{ words: 'allocation adulte handicapé', problems: ['droits', 'finances'], kinds: ['mdph'] },
	{ words: 'RQTH', problems: ['droits'], kinds: ['mdph'] },
	{ words: 'travailleur handicapé', problems: ['droits'], kinds: ['mdph'] },
	{ words: 'SAMSAH', problems: [], kinds: ['samsah'] },
	{ words: 'SAVS', problems: [], kinds: ['savs'] },
	{ words: 'foyer', problems: ['entree_etablissement'], kinds: ['esms_handicap'] },
	{ words: 'foyer de vie', problems: ['entree_etablissement'], kinds: ['esms_handicap'] },
	{ words: 'foyer d’hébergement', problems: ['entree_etablissement'], kinds: ['esms_handicap'] },
	{ words: 'MAS', problems: ['entree_etablissement'], kinds: ['esms_handicap'] },
	{
		words: 'maison d’accueil spécialisée',
		problems: ['entree_etablissement'],
		kinds: ['esms_handicap']
	},
	{ words: 'FAM', problems: ['entree_etablissement'], kinds: ['esms_handicap'] },
	{
		words: 'foyer d’accueil médicalisé',
		problems: ['entree_etablissement'],
		kinds: ['esms_handicap']
	},
	{ words: 'polyhandicap', problems: [], kinds: ['esms_handicap'] },
	{ words: 'sans solution', problems: [], kinds: ['communaute_360'] },
	{ words: 'rupture de parcours', problems: [], kinds: ['communaute_360', 'dac'] }
];

/** Words too common to say anything alone; a query of only these keeps them. */
const STOPWORDS = new Set([
	'a',
	'au',
	'aux',
	'd',
	'de',
	'des',
	'du',
	'en',
	'et',
	'l',
	'la',
	'le',
	'les',
	'pour',
	'sur',
	'un',
	'une'
]);

/** Lower case, no accents; words split on anything that is not a letter or a digit. */
export function searchWords(text: string): string[] {
	return text
		.normalize('NFD')
		.replace(/\p{Diacritic}/gu, '')
		.toLowerCase()
		.replace(/œ/g, 'oe')
		.split(/[^a-z0-9]+/)
		.filter((w) => w.length > 0);
}

/**
 * The words of a directory query that must each be found: at least two characters, small linking
 * words left out (« aide à domicile » ⇒ aide, domicile), at most eight.
 */
export function queryWords(q: string | undefined): string[] {
	const words = searchWords(q ?? '').filter((w) => w.length >= 2);
	const meaningful = words.filter((w) => !STOPWORDS.has(w));
	return (meaningful.length > 0 ? meaningful : words).slice(0, 8);
}

/**
 * Whether a typed word names a keyword: the same word, its start (four letters or more: « loge »),
 * a plural or inflection (« logements »), or one typo (two from eight letters: « logemnt »).
 * Words under five letters (APA, CCAS) must be exact or a start.
 */
export function wordMatches(typed: string, keyword: string): boolean {
	if (typed === keyword) return true;
	if (typed.length >= 4 && keyword.startsWith(typed)) return true;
	if (keyword.length >= 4 && typed.startsWith(keyword) && typed.length - keyword.length <= 2)
		return true;
	if (typed.length < 5 || keyword.length < 4) return false;
	return editDistance(typed, keyword, 2) <= (typed.length >= 8 ? 2 : 1);
}

/** Optimal string alignment distance (a swap of two letters is one typo), stopping past `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
	if (Math.abs(a.length - b.length) > max) return max + 1;
	let before: number[] = [];
	let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		const current = [i];
		let best = i;
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			let d = Math.min(
				(previous[j] as number) + 1,
				(current[j - 1] as number) + 1,
				(previous[j - 1] as number) + cost
			);
			if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
				d = Math.min(d, (before[j - 2] as number) + 1);
			}
			current.push(d);
			best = Math.min(best, d);
		}
		if (best > max) return max + 1;
		before = previous;
		previous = current;
	}
	// Every row's best can stay within the bound while the last cell passes it (" r" against
	// "r! ": 3): past the bound is max + 1 however it is found.
	return Math.min(previous[b.length] as number, max + 1);
}

interface Keyword {
	word: string;
	problems: ProblemCode[];
	kinds: KindCode[];
}

function labelWords(label: string): string[] {
	return searchWords(label).filter((w) => w.length >= 3 && !STOPWORDS.has(w));
}

/** Every word of the labels, and the kinds' codes that are words (ssiad, mjpm, ehpad…). */
const KEYWORDS: Keyword[] = (() => {
	const byWord = new Map<string, Keyword>();
	const add = (word: string, problem?: ProblemCode, kind?: KindCode) => {
		let entry = byWord.get(word);
		if (!entry) byWord.set(word, (entry = { word, problems: [], kinds: [] }));
		if (problem && !entry.problems.includes(problem)) entry.problems.push(problem);
		if (kind && !entry.kinds.includes(kind)) entry.kinds.push(kind);
	};
	for (const problem of PROBLEMS) {
		for (const word of labelWords(problem.label)) add(word, problem.code);
	}
	for (const kind of KINDS) {
		for (const word of labelWords(kind.label)) add(word, undefined, kind.code);
		if (/^[a-z]+$/.test(kind.code)) add(kind.code, undefined, kind.code);
	}
	return [...byWord.values()];
})();

const SYNONYMS = NEED_SYNONYMS.map((s) => ({
	words: queryWords(s.words),
	problems: [...s.problems],
	kinds: [...s.kinds]
}));

/**
 * A part of a query and what it names: one word, or the words of a synonym phrase. A structure
 * matches the part when its own text has the words, or it takes one of `problems`, or it is of one
 * of `kinds` (both empty: the words alone).
 */
export interface NeedGroup {
	words: string[];
	problems: ProblemCode[];
	kinds: KindCode[];
}

/** The query's words grouped and read as needs (see {@link NeedGroup}). */
export function needGroups(q: string | undefined): NeedGroup[] {
	const words = queryWords(q);
	const groups: NeedGroup[] = [];
	let i = 0;
	while (i < words.length) {
		// The longest synonym phrase that starts here, then the word alone.
		const phrase = SYNONYMS.filter(
			(s) =>
				s.words.length > 0 &&
				s.words.every((w, k) => {
					const typed = words[i + k];
					return typed !== undefined && wordMatches(typed, w);
				})
		).sort((a, b) => b.words.length - a.words.length)[0];
		if (phrase && phrase.words.length > 1) {
			groups.push({
				words: words.slice(i, i + phrase.words.length),
				problems: phrase.problems,
				kinds: phrase.kinds
			});
			i += phrase.words.length;
			continue;
		}
		const word = words[i] as string;
		const problems = new Set<ProblemCode>();
		const kinds = new Set<KindCode>();
		for (const match of [
			...KEYWORDS.filter((k) => wordMatches(word, k.word)),
			...SYNONYMS.filter((s) => s.words.length === 1 && wordMatches(word, s.words[0] as string))
		]) {
			for (const p of match.problems) problems.add(p);
			for (const k of match.kinds) kinds.add(k);
		}
		groups.push({ words: [word], problems: [...problems], kinds: [...kinds] });
		i += 1;
	}
	return groups;
}

/**
 * The problems and kinds a query names as a whole, for « try this filter » suggestions: those of
 * every part that names some, in the taxonomy's order.
 */
export function needsOf(q: string | undefined): { problems: ProblemCode[]; kinds: KindCode[] } {
	const groups = needGroups(q);
	const problems = new Set(groups.flatMap((g) => g.problems));
	const kinds = new Set(groups.flatMap((g) => g.kinds));
	return {
		problems: PROBLEMS.map((p) => p.code).filter((c) => problems.has(c)),
		kinds: KINDS.map((k) => k.code).filter((c) => kinds.has(c))
	};
}
