import type { Remit } from './remit';
import { isStale } from './freshness';
import {
	kindLabel,
	levelInRange,
	levelLabel,
	levelRank,
	levelsBetween,
	problemLabel,
	type KindCode,
	type LevelCode,
	type ProblemCode
} from './taxonomy';

/**
 * The recommendation engine: which structures are "le bon tiers" for a request, best first,
 * with their reasons; which structures taking the dominant problem are ruled out, and why; and
 * whether the situation is orphan. Pure: every answer follows from the structures given (those
 * of the territory and those covering the place) and the request — no name, id or territory is
 * special-cased.
 *
 * A structure is **recommended** when it covers the place, accepts the person (age, APA) and
 * takes at least one of the request's problems at the request's level (contract §3). Its score,
 * between 0 and 1, adds:
 *   - problem fit (0.50 for the dominant problem, up to 0.15 for the others, pro rata);
 *   - specialisation (up to 0.15): fewer problems taken, and a narrower level range, rank a
 *     specialist above a generalist;
 *   - role fit (0.15): a coordination structure for a need of coordination (level `coordonnee`
 *     or `complexe`) and for an information request (the information and coordination desks —
 *     CLIC, CCAS… — answer those in one contact), a prestation for a simple request (one service
 *     answers);
 *   - treatment fit (0.05): mass treatment for information/simple, tailor-made above;
 *   - minus capacity (−0.05 near the maximum caseload, −0.20 at or over it: a full service is
 *     still shown, with a warning, so the agent can decide).
 * Everything but the dominant problem adds up to 0.50 at most, and taking the dominant problem
 * brings 0.50 plus at least 0.02 of specialisation: a structure with room that takes the dominant
 * problem always ranks above one that does not.
 * Ties break on the name, so the order is stable.
 *
 * On top of the declared remits, a territory may agree rules in concertation: a `prefer` rule
 * adds RULE_BONUS to a structure that can take the request (and says so among its reasons); a
 * `never` rule moves it to the excluded list with the rule's reason. A rule may be limited to a
 * dominant problem, a level and a place.
 */

export interface CandidateStructure extends Remit {
	caseloadMax: number | null;
	caseloadCurrent: number | null;
	/** ISO date of the last verification of its data. */
	updatedAt: string | null;
	/** Whether its coverage contains the request's place. */
	coversPlace: boolean;
}

export interface RecommendationRequest {
	/** The place's INSEE code (rules may be limited to a place). */
	place?: string;
	age: number | null;
	apa: boolean | null;
	/** The first is the dominant problem. */
	problems: readonly ProblemCode[];
	level: LevelCode;
	placeLabel: string;
}

export interface StructureRef {
	id: string;
	name: string;
	kind: KindCode;
}

export interface Recommendation {
	structure: StructureRef;
	score: number;
	reasons: string[];
	warnings: string[];
}

export type ExclusionReason = 'area' | 'age' | 'apa' | 'level' | 'problem' | 'rule';

/** An orientation rule agreed in concertation (see the pilot's desk). */
export interface TerritoryRule {
	id: string;
	effect: 'prefer' | 'never';
	structureId: string;
	problem: ProblemCode | null;
	level: LevelCode | null;
	commune: string | null;
	reason: string;
}

export const RULE_BONUS = 0.5;

/** Whether a rule concerns this request: its problem (dominant), level and place, when set. */
export function ruleApplies(rule: TerritoryRule, request: RecommendationRequest): boolean {
	return (
		(rule.problem === null || rule.problem === request.problems[0]) &&
		(rule.level === null || rule.level === request.level) &&
		(rule.commune === null || rule.commune === request.place)
	);
}

export interface Exclusion {
	structure: StructureRef;
	codes: ExclusionReason[];
	reasons: string[];
}

export interface RecommendationResult {
	recommendations: Recommendation[];
	excluded: Exclusion[];
	orphan: boolean;
}

export const SCORE_WEIGHTS = {
	dominant: 0.5,
	secondary: 0.15,
	specialisation: 0.15,
	role: 0.15,
	treatment: 0.05,
	nearFull: 0.05,
	full: 0.2
} as const;

/** Share of the maximum caseload from which a service counts as nearly full. */
export const NEAR_FULL = 0.9;

const ref = (s: CandidateStructure): StructureRef => ({ id: s.id, name: s.name, kind: s.kind });

function ageProblem(s: CandidateStructure, age: number | null): string | null {
	if (age === null) return null;
	if (s.ageMin !== null && age < s.ageMin)
		return `réservé aux personnes de ${s.ageMin} ans et plus (${age} ans)`;
	if (s.ageMax !== null && age > s.ageMax)
		return `réservé aux personnes de ${s.ageMax} ans au plus (${age} ans)`;
	return null;
}

function apaProblem(s: CandidateStructure, apa: boolean | null): string | null {
	if (apa === null) return null;
	if (s.apa === 'required' && !apa) return 'réservé aux bénéficiaires de l’APA';
	if (s.apa === 'excluded' && apa) return 'hors bénéficiaires de l’APA';
	return null;
}

function levelRange(s: CandidateStructure): string {
	return s.levelMin === s.levelMax
		? levelLabel(s.levelMin).toLowerCase()
		: `${levelLabel(s.levelMin).toLowerCase()} → ${levelLabel(s.levelMax).toLowerCase()}`;
}

function caseload(s: CandidateStructure): { share: number; text: string } | null {
	if (s.caseloadMax === null || s.caseloadMax <= 0 || s.caseloadCurrent === null) return null;
	return {
		share: s.caseloadCurrent / s.caseloadMax,
		text: `${s.caseloadCurrent} situations suivies pour ${s.caseloadMax} places`
	};
}

export function scoreStructure(
	s: CandidateStructure,
	request: RecommendationRequest,
	today: Date
): Recommendation {
	const [dominant, ...others] = request.problems;
	const reasons: string[] = [];
	const warnings: string[] = [];
	let score = 0;

	if (dominant && s.problems.includes(dominant)) {
		score += SCORE_WEIGHTS.dominant;
		reasons.push(`Prend le problème dominant : ${problemLabel(dominant).toLowerCase()}`);
	}
	const othersTaken = others.filter((p) => s.problems.includes(p));
	if (others.length > 0 && othersTaken.length > 0) {
		score += (SCORE_WEIGHTS.secondary * othersTaken.length) / others.length;
		reasons.push(
			`Prend aussi : ${othersTaken.map((p) => problemLabel(p).toLowerCase()).join(', ')}`
		);
	}

	const span = levelsBetween(s.levelMin, s.levelMax).length;
	const specialisation = 0.6 / s.problems.length + 0.4 / span;
	score += SCORE_WEIGHTS.specialisation * specialisation;
	reasons.push(
		`Niveau ${levelLabel(request.level).toLowerCase()} dans son champ d’intervention (${levelRange(s)})`
	);
	if (s.problems.length <= 3)
		reasons.push(
			`Spécialisé : ${s.problems.length} problème${s.problems.length > 1 ? 's' : ''} pris en charge`
		);

	const needsCoordination = levelRank(request.level) >= levelRank('coordonnee');
	// Information requests go to the coordination and information desks, simple ones to a service.
	const coordinationFits = needsCoordination || request.level === 'information';
	if (coordinationFits === s.coordination) {
		score += SCORE_WEIGHTS.role;
		reasons.push(
			!s.coordination
				? `Prestation (${kindLabel(s.kind).toLowerCase()}), pour une situation simple qu’un service peut prendre en charge`
				: needsCoordination
					? 'Structure de coordination, pour une situation à coordonner'
					: 'Structure d’information et de coordination, pour une demande d’information'
		);
	}
	if (s.mode !== null && (s.mode === 'sur_mesure') === needsCoordination) {
		score += SCORE_WEIGHTS.treatment;
		reasons.push(
			s.mode === 'sur_mesure' ? 'Traitement sur mesure' : 'Traitement de masse, réponse rapide'
		);
	}
	reasons.push(`Couvre ${request.placeLabel}`);
	if (s.ageMin !== null || s.ageMax !== null || s.apa !== 'any')
		reasons.push('Public accueilli : la personne en fait partie');

	const load = caseload(s);
	if (load && load.share >= 1) {
		score -= SCORE_WEIGHTS.full;
		warnings.push(`File active complète (${load.text}) : prendre contact avant d’orienter`);
	} else if (load && load.share >= NEAR_FULL) {
		score -= SCORE_WEIGHTS.nearFull;
		warnings.push(`File active presque complète (${load.text})`);
	}
	if (isStale(s.updatedAt, today)) {
		warnings.push(
			s.updatedAt
				? 'Données non vérifiées depuis plus d’un an'
				: 'Date de vérification des données inconnue'
		);
	}
	return {
		structure: ref(s),
		score: Math.round(Math.max(0, Math.min(1, score)) * 1000) / 1000,
		reasons,
		warnings
	};
}

/** Why a structure taking the dominant problem cannot take this request; empty when it can. */
export function exclusionReasons(
	s: CandidateStructure,
	request: RecommendationRequest
): { codes: ExclusionReason[]; reasons: string[] } {
	const codes: ExclusionReason[] = [];
	const reasons: string[] = [];
	if (!s.coversPlace) {
		codes.push('area');
		reasons.push(`Hors de sa zone : ne couvre pas ${request.placeLabel}`);
	}
	const age = ageProblem(s, request.age);
	if (age) {
		codes.push('age');
		reasons.push(`Âge : ${age}`);
	}
	const apa = apaProblem(s, request.apa);
	if (apa) {
		codes.push('apa');
		reasons.push(`APA : ${apa}`);
	}
	if (!levelInRange(request.level, s.levelMin, s.levelMax)) {
		codes.push('level');
		reasons.push(
			`Niveau : intervient en ${levelRange(s)}, pas en ${levelLabel(request.level).toLowerCase()}`
		);
	}
	if (!request.problems.some((p) => s.problems.includes(p))) {
		codes.push('problem');
		reasons.push('Ne prend aucun des problèmes de la demande');
	}
	return { codes, reasons };
}

export function recommend(
	request: RecommendationRequest,
	candidates: readonly CandidateStructure[],
	today: Date = new Date(),
	rules: readonly TerritoryRule[] = []
): RecommendationResult {
	const dominant = request.problems[0];
	const applicable = rules.filter((r) => ruleApplies(r, request));
	const recommendations: Recommendation[] = [];
	const excluded: Exclusion[] = [];
	const preferred = new Set<string>();
	for (const s of candidates) {
		const { codes, reasons } = exclusionReasons(s, request);
		const never = applicable.find((r) => r.effect === 'never' && r.structureId === s.id);
		if (never && codes.length === 0) {
			codes.push('rule');
			reasons.push(`Règle du territoire : ne pas orienter ici — ${never.reason}`);
		}
		if (codes.length === 0) {
			const recommendation = scoreStructure(s, request, today);
			const prefer = applicable.find((r) => r.effect === 'prefer' && r.structureId === s.id);
			if (prefer) {
				preferred.add(s.id);
				recommendation.score = Math.min(
					1,
					Math.round((recommendation.score + RULE_BONUS) * 1000) / 1000
				);
				recommendation.reasons.unshift(`Règle du territoire : à privilégier — ${prefer.reason}`);
			}
			recommendations.push(recommendation);
		} else if (dominant && s.problems.includes(dominant))
			excluded.push({ structure: ref(s), codes, reasons });
	}
	// A structure the territory prefers comes first even when scores are capped at 1.
	const rank = (r: Recommendation) => (preferred.has(r.structure.id) ? 1 : 0);
	recommendations.sort(
		(a, b) =>
			rank(b) - rank(a) ||
			b.score - a.score ||
			a.structure.name.localeCompare(b.structure.name, 'fr')
	);
	excluded.sort((a, b) => a.structure.name.localeCompare(b.structure.name, 'fr'));
	const orphan = !recommendations.some((r) => {
		const s = candidates.find((c) => c.id === r.structure.id);
		return !!dominant && !!s?.problems.includes(dominant);
	});
	return { recommendations, excluded, orphan };
}
