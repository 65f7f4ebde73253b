import type { HandicapRule, KindCode, LevelCode, ProblemCode } from './taxonomy';

/**
 * A structure's remit: which problems it takes, at which levels of complexity, for whom
 * (contract §2). The one shape the engine, the coverage grid, the chart, the map and the
 * structure card derive theirs from, so a field added here (say, `handicap`) reaches them all.
 */
export type Apa = 'any' | 'required' | 'excluded';
export type Handicap = HandicapRule;
export type Mode = 'masse' | 'sur_mesure';

export interface Remit {
	id: string;
	name: string;
	kind: KindCode;
	problems: readonly ProblemCode[];
	levelMin: LevelCode;
	levelMax: LevelCode;
	/** Coordination is its primary mission (default from its kind). */
	coordination: boolean;
	mode: Mode | null;
	/** Age limits of its public, inclusive. */
	ageMin: number | null;
	ageMax: number | null;
	apa: Apa;
	/** Whether a recognised disability (an MDPH notification) is required, excluded or either. */
	handicap: Handicap;
	/**
	 * The remit was proposed by a bootstrap (FINESS) and no person has confirmed it yet: every view
	 * says so, and the engine warns (contract §8).
	 */
	toConfirm?: boolean;
}

/** What decides whether a structure takes a situation: its remit less its name and mode. */
export type RemitCore = Omit<Remit, 'name' | 'mode'>;
