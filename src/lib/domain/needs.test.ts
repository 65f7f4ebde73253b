import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KIND_CODES, PROBLEM_CODES } from './taxonomy';
import {
	DISABILITY_KINDS,
	NEED_SYNONYMS,
	editDistance,
	needGroups,
	needsOf,
	queryWords,
	wordMatches
} from './needs';

describe('needs in the words people type', () => {
	it('keeps the meaningful words of a query, without accents', () => {
		expect(queryWords('Aide à domicile')).toEqual(['aide', 'domicile']);
		expect(queryWords('  MÉMOIRE ')).toEqual(['memoire']);
		expect(queryWords('bois-lemaître')).toEqual(['bois', 'lemaitre']);
		// A query of linking words only is kept as typed.
		expect(queryWords('la')).toEqual(['la']);
		expect(queryWords(undefined)).toEqual([]);
		expect(queryWords('a b c d e f g h i j k l m n o p q r s t')).toEqual([]);
		expect(queryWords('un deux trois quatre cinq six sept huit neuf dix')).toHaveLength(8);
	});

	it('reads the labels of problems and kinds', () => {
		expect(needsOf('logement')).toEqual({ problems: ['logement'], kinds: [] });
		expect(needsOf('mémoire')).toEqual({
			problems: ['troubles_cognitifs'],
			kinds: ['consultation_memoire']
		});
		expect(needsOf('mandataire').kinds).toEqual(['mjpm']);
		expect(needsOf('SSIAD').kinds).toEqual(['ssiad']);
	});

	it('reads the synonyms of the field', () => {
		expect(needsOf('tutelle')).toEqual({ problems: ['protection_juridique'], kinds: ['mjpm'] });
		expect(needsOf('curatelle')).toEqual(needsOf('tutelle'));
		expect(needsOf('Alzheimer')).toEqual({
			problems: ['troubles_cognitifs'],
			kinds: ['consultation_memoire']
		});
		expect(needsOf('APA').kinds).toContain('equipe_apa');
		expect(needsOf('maison de retraite').kinds).toEqual(['ehpad']);
	});

	it('reads the words of the disability field', () => {
		// « handicap » names every kind of the field, none of the others.
		expect(needsOf('handicap')).toEqual({ problems: [], kinds: [...DISABILITY_KINDS] });
		expect(needsOf('personne en situation de handicap').kinds).toEqual([...DISABILITY_KINDS]);
		expect(needsOf('handicapé').kinds).toEqual(expect.arrayContaining([...DISABILITY_KINDS]));
		expect(needsOf('MDPH')).toEqual({ problems: ['droits'], kinds: ['mdph'] });
		expect(needsOf('PCH')).toEqual({ problems: ['aides_domicile'], kinds: ['mdph'] });
		expect(needsOf('AAH')).toEqual({ problems: ['droits', 'finances'], kinds: ['mdph'] });
		expect(needsOf('allocation aux adultes handicapés')).toEqual(needsOf('AAH'));
		expect(needsOf('RQTH')).toEqual({ problems: ['droits'], kinds: ['mdph'] });
		expect(needsOf('SAMSAH').kinds).toEqual(['samsah']);
		expect(needsOf('savs').kinds).toEqual(['savs']);
		for (const q of ['foyer', 'foyer de vie', 'foyer d’hébergement', 'MAS', 'FAM']) {
			expect(needsOf(q), q).toEqual({
				problems: ['entree_etablissement'],
				kinds: ['esms_handicap']
			});
		}
		expect(needsOf('maison d’accueil spécialisée')).toEqual(needsOf('MAS'));
		expect(needsOf('foyer d’accueil médicalisé')).toEqual(needsOf('FAM'));
		expect(needsOf('sans solution').kinds).toEqual(['communaute_360']);
	});

	it('keeps the acronyms of the disability field apart from their neighbours', () => {
		// « FAM » is not « famille », « MAS » not « maison », « SAVS » not « SAAD ».
		expect(needsOf('famille').kinds).not.toContain('esms_handicap');
		expect(needsOf('SAAD').kinds).toEqual(['saad']);
		expect(needsOf('SAVS').kinds).not.toContain('saad');
		expect(wordMatches('mas', 'maison')).toBe(false);
		expect(needGroups('foyer de vie')).toEqual([
			{ words: ['foyer', 'vie'], problems: ['entree_etablissement'], kinds: ['esms_handicap'] }
		]);
	});

	it('takes a synonym phrase as one part: « aide à domicile » is a SAAD', () => {
		expect(needGroups('aide à domicile')).toEqual([
			{ words: ['aide', 'domicile'], problems: ['aides_domicile'], kinds: ['saad'] }
		]);
		// The words around it stay parts of their own.
		const groups = needGroups('aide a domicile marseille');
		expect(groups.map((g) => g.words)).toEqual([['aide', 'domicile'], ['marseille']]);
		expect(groups[1]).toEqual({ words: ['marseille'], problems: [], kinds: [] });
	});

	it('tolerates a typo, a plural, a word being typed', () => {
		expect(needsOf('logemnt').problems).toEqual(['logement']);
		expect(needsOf('logements').problems).toEqual(['logement']);
		expect(needsOf('loge').problems).toEqual(['logement']);
		expect(needsOf('tutele').kinds).toEqual(['mjpm']);
		expect(needsOf('alzeimer').problems).toEqual(['troubles_cognitifs']);
		expect(needsOf('aide a domicle')).toEqual({ problems: ['aides_domicile'], kinds: ['saad'] });
	});

	it('names nothing for a word no label or synonym says', () => {
		expect(needsOf('xqzwkvj')).toEqual({ problems: [], kinds: [] });
		expect(needsOf('roseraie')).toEqual({ problems: [], kinds: [] });
		expect(needsOf('')).toEqual({ problems: [], kinds: [] });
	});

	it('is strict with short words: an acronym is not a typo of another', () => {
		expect(wordMatches('apa', 'apa')).toBe(true);
		expect(wordMatches('apa', 'cmp')).toBe(false);
		expect(wordMatches('had', 'aide')).toBe(false);
		expect(wordMatches('ccas', 'cas')).toBe(false);
	});

	it('only uses codes of the contract', () => {
		for (const synonym of NEED_SYNONYMS) {
			for (const p of synonym.problems) expect(PROBLEM_CODES).toContain(p);
			for (const k of synonym.kinds) expect(KIND_CODES).toContain(k);
			expect(synonym.problems.length + synonym.kinds.length).toBeGreaterThan(0);
		}
	});
});

describe('editDistance', () => {
	it('counts insertions, deletions, substitutions and swaps', () => {
		expect(editDistance('logement', 'logement')).toBe(0);
		expect(editDistance('logemnt', 'logement')).toBe(1);
		expect(editDistance('lgoement', 'logement')).toBe(1);
		expect(editDistance('kitten', 'sitting')).toBe(3);
		expect(editDistance('', 'abc')).toBe(3);
	});

	it('is symmetric and stops past the bound', () => {
		// Found by the property below: each row within the bound, the last cell past it.
		expect(editDistance(' r', 'r! ', 1)).toBe(2);
		expect(editDistance('r! ', ' r', 1)).toBe(2);
		fc.assert(
			fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
				const d = editDistance(a, b);
				expect(editDistance(b, a)).toBe(d);
				expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
				expect(editDistance(a, b, 1)).toBe(Math.min(d, 2));
			})
		);
	});
});
