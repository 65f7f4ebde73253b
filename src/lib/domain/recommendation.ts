import type { Remit } from './remit';
import { isStale } from './freshness';
import { ageSummary, ruleAccepts } from './public';
import {
	caseManagementGate,
	missingConditions,
	type CaseManagementGate,
	type RequestType
} from './complexity';
import { NEAR_FULL, SCORE_WEIGHTS, SERVICE_PROBLEMS } from './scoring';
import {
	kindLabel,
	levelInRange,
	levelLabel,
	levelRank,
	problemLabel,
	type CriterionCode,
	type KindCode,
	type LevelCode,
	type ProblemCode
} from './taxonomy';

export { NEAR_FULL, SCORE_WEIGHTS } from './scoring';

/**
 * The recommendation engine: which structures are "le bon tiers" for a request, best first,
 * with their reasons; which structures taking the dominant problem are ruled out, and why; and
 * whether the situation is orphan. Pure: every answer follows from the structures given (those
 * of the territory and those covering the place) and the request — no name, id or territory is
 * special-cased.
 *
 * A structure is **recommended** when it covers the place, accepts the person (age, APA,
 * disability) and takes at least one of the request's problems at the request's level
 * (contract §3). Two rules of the field refine the level:
 *   - **the MAIA gate**: case management (`gestion_cas`) takes a complex situation only when the
 *     three MAIA conditions hold (problems in the three fields, help in place insufficient,
 *     nobody to coordinate), or when the agent overrides the gate with a reason; otherwise it is
 *     listed among the exclusions as « à proposer si … » with the missing conditions — « Dans
 *     les faits, ce sont les situations que les autres services ne sont pas ou plus en mesure de
 *     gérer » (seeds/002 l. 95);
 *   - **coordination support**: such a complex situation goes instead to the coordination
 *     structures that take it — those whose range reaches `complexe` (a DAC, a communauté 360),
 *     then those that follow situations « à coordonner » (the CLIC, the network), ranked after.
 * An unknown status (APA, disability, age) is never taken as eligibility: a structure with such a
 * rule is kept, with « à vérifier », ranked after those that surely accept the person.
 *
 * The score is the table of `scoring.ts` (its rationale is there). The order is: the territory's
 * `prefer` rules, then structures that surely accept the person, then those taking the dominant
 * problem at the level, then the coordination supports taking it below their range, then those
 * taking another problem; within each, the score, then the name (a stable order).
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
	/** Whether its coverage contains the request's place (for a point: the point itself). */
	coversPlace: boolean;
	/**
	 * A polygon coverage that takes only part of the commune asked for (the request gave the
	 * commune, not a point): recommended, with a warning to check the address.
	 */
	coversPartly?: boolean;
}

export interface RecommendationRequest {
	/** The place's INSEE code (rules may be limited to a place). */
	place?: string;
	age: number | null;
	apa: boolean | null;
	/** A recognised disability (an MDPH notification); null or absent when unknown. */
	handicap?: boolean | null;
	/** The first is the dominant problem. */
	problems: readonly ProblemCode[];
	/** The complexity criteria: with the problems, they decide the MAIA gate. */
	criteria?: readonly CriterionCode[];
	requestType?: RequestType;
	level: LevelCode;
	placeLabel: string;
	/** The agent proposes case management although the MAIA conditions do not all hold. */
	caseManagementOverride?: boolean;
	/**
	 * Structures left out of a re-orientation (contract §7): the one that refused the previous
	 * orientation, or let it expire. Named among the exclusions with `reason`.
	 */
	leftOut?: readonly { structureId: string; reason: string }[];
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

export type ExclusionReason =
	'area' | 'age' | 'apa' | 'handicap' | 'level' | 'gate' | 'problem' | 'rule' | 'refused';

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
	/** The MAIA gate as the engine read it, for the answer's checklist. */
	gate: CaseManagementGate & { override: boolean };
}

const ref = (s: CandidateStructure): StructureRef => ({ id: s.id, name: s.name, kind: s.kind });

/** What the age limits say of this person: fits, does not fit (why), or unknown. */
function ageCheck(s: CandidateStructure, age: number | null): true | string | null {
	if (s.ageMin === null && s.ageMax === null) return true;
	if (age === null) return null;
	if (s.ageMin !== null && age < s.ageMin)
		return `réservé aux personnes de ${s.ageMin} ans et plus (${age} ans)`;
	if (s.ageMax !== null && age > s.ageMax)
		return s.ageMin !== null
			? `réservé aux personnes de ${s.ageMin} à ${s.ageMax} ans (${age} ans)`
			: `réservé aux personnes de ${s.ageMax} ans au plus (${age} ans)`;
	return true;
}

/** The yes/no public rules, as the exclusions and the « à vérifier » warnings name them. */
const STATUS_RULES = [
	{
		code: 'apa',
		label: 'APA',
		rule: (s: CandidateStructure) => s.apa,
		status: (r: RecommendationRequest) => r.apa,
		text: {
			required: 'réservé aux bénéficiaires de l’APA',
			excluded: 'hors bénéficiaires de l’APA'
		}
	},
	{
		code: 'handicap',
		label: 'Handicap',
		rule: (s: CandidateStructure) => s.handicap,
		status: (r: RecommendationRequest) => r.handicap,
		text: {
			required: 'réservé aux personnes au handicap reconnu (notification MDPH)',
			excluded: 'hors personnes au handicap reconnu'
		}
	}
] as const;

// The texts an answer repeats for each of its structures (hundreds where a whole département's
// establishments cover the place), written once: the same words, built once per process.
const memo = new Map<string, string>();
function remembered(key: string, text: () => string): string {
	let found = memo.get(key);
	if (found === undefined) {
		found = text();
		memo.set(key, found);
	}
	return found;
}

function levelRange(s: CandidateStructure): string {
	return remembered(`range|${s.levelMin}|${s.levelMax}`, () =>
		s.levelMin === s.levelMax
			? levelLabel(s.levelMin).toLowerCase()
			: `${levelLabel(s.levelMin).toLowerCase()} → ${levelLabel(s.levelMax).toLowerCase()}`
	);
}

function caseload(s: CandidateStructure): { share: number; text: string } | null {
	if (s.caseloadMax === null || s.caseloadMax <= 0 || s.caseloadCurrent === null) return null;
	return {
		share: s.caseloadCurrent / s.caseloadMax,
		text: `${s.caseloadCurrent} situations suivies pour ${s.caseloadMax} places`
	};
}

/** The gate for this request, and whether it is open (all three conditions, or the override). */
function gateOf(request: RecommendationRequest) {
	const gate = caseManagementGate(request.problems, request.criteria ?? []);
	const override = !!request.caseManagementOverride && !gate.met;
	return { ...gate, override, open: gate.met || override };
}

/** Whether the request asks for a service itself rather than information, assessment, follow-up. */
export function isServiceRequest(request: RecommendationRequest): boolean {
	const dominant = request.problems[0];
	return (
		request.requestType === 'prestation' ||
		(dominant !== undefined && SERVICE_PROBLEMS.has(dominant))
	);
}

interface Eligibility {
	codes: ExclusionReason[];
	reasons: string[];
	/** What could not be checked (« à vérifier »): the structure is kept, ranked after. */
	toCheck: string[];
	/** Taken as coordination support of a complex situation below the MAIA gate. */
	support: boolean;
}

/** Why a structure cannot take this request (empty codes when it can), and what to check. */
function eligibility(
	s: CandidateStructure,
	request: RecommendationRequest,
	gate: ReturnType<typeof gateOf>
): Eligibility {
	const codes: ExclusionReason[] = [];
	const reasons: string[] = [];
	const toCheck: string[] = [];
	let support = false;
	if (!s.coversPlace) {
		codes.push('area');
		reasons.push(`Hors de sa zone : ne couvre pas ${request.placeLabel}`);
	}
	const age = ageCheck(s, request.age);
	if (typeof age === 'string') {
		codes.push('age');
		reasons.push(`Âge : ${age}`);
	} else if (age === null) {
		toCheck.push(`Âge à vérifier : ${ageSummary(s)}, âge de la personne non renseigné`);
	}
	for (const { code, label, rule, status, text } of STATUS_RULES) {
		const accepted = ruleAccepts(rule(s), status(request));
		const limit = rule(s);
		if (accepted === true || limit === 'any') continue;
		if (accepted === false) {
			codes.push(code);
			reasons.push(`${label} : ${text[limit]}`);
		} else toCheck.push(`${label} à vérifier : ${text[limit]}, statut de la personne inconnu`);
	}
	const inRange = levelInRange(request.level, s.levelMin, s.levelMax);
	if (request.level === 'complexe' && !gate.open && s.kind === 'gestion_cas' && inRange) {
		codes.push('gate');
		reasons.push(`Gestion de cas : à proposer si ${missingConditions(gate).join(' ; ')}`);
	} else if (
		!inRange &&
		request.level === 'complexe' &&
		!gate.open &&
		s.coordination &&
		// Case management is intensive follow-up, never a fallback: a gestion_cas service declared
		// below « complexe » stays out of the way of a situation it cannot admit.
		s.kind !== 'gestion_cas' &&
		levelInRange('coordonnee', s.levelMin, s.levelMax)
	) {
		support = true;
	} else if (!inRange) {
		codes.push('level');
		reasons.push(
			`Niveau : intervient en ${levelRange(s)}, pas en ${levelLabel(request.level).toLowerCase()}`
		);
	}
	if (!request.problems.some((p) => s.problems.includes(p))) {
		codes.push('problem');
		reasons.push('Ne prend aucun des problèmes de la demande');
	}
	return { codes, reasons, toCheck, support };
}

/** Why a structure taking the dominant problem cannot take this request; empty when it can. */
export function exclusionReasons(
	s: CandidateStructure,
	request: RecommendationRequest
): { codes: ExclusionReason[]; reasons: string[] } {
	const { codes, reasons } = eligibility(s, request, gateOf(request));
	return { codes, reasons };
}

/** How many of the structure's public rules (age, APA, disability) the person surely meets. */
function publicRulesMet(s: CandidateStructure, request: RecommendationRequest): number {
	let met = 0;
	if ((s.ageMin !== null || s.ageMax !== null) && ageCheck(s, request.age) === true) met++;
	for (const { rule, status } of STATUS_RULES) {
		if (rule(s) !== 'any' && ruleAccepts(rule(s), status(request)) === true) met++;
	}
	return met;
}

export function scoreStructure(
	s: CandidateStructure,
	request: RecommendationRequest,
	today: Date,
	support = false
): Recommendation {
	const [dominant, ...others] = request.problems;
	const reasons: string[] = [];
	const warnings: string[] = [];
	let score = 0;

	if (dominant && s.problems.includes(dominant)) {
		score += SCORE_WEIGHTS.dominant;
		reasons.push(
			remembered(
				`dominant|${dominant}`,
				() => `Prend le problème dominant : ${problemLabel(dominant).toLowerCase()}`
			)
		);
	}
	const othersTaken = others.filter((p) => s.problems.includes(p));
	if (others.length > 0 && othersTaken.length > 0) {
		score += (SCORE_WEIGHTS.secondary * othersTaken.length) / others.length;
		reasons.push(
			remembered(
				`others|${othersTaken.join('|')}`,
				() => `Prend aussi : ${othersTaken.map((p) => problemLabel(p).toLowerCase()).join(', ')}`
			)
		);
	}

	const service = isServiceRequest(request);
	if (service !== s.coordination) {
		score += SCORE_WEIGHTS.mission;
		reasons.push(
			service
				? remembered(
						`service|${s.kind}`,
						() =>
							`Prestation (${kindLabel(s.kind).toLowerCase()}) : la demande porte sur le service lui-même`
					)
				: 'Structure de coordination : première porte pour l’information, l’évaluation et le suivi'
		);
	}

	// The number of levels of its range (levelsBetween's length), without building the list.
	const span = Math.max(0, levelRank(s.levelMax) - levelRank(s.levelMin) + 1);
	score += SCORE_WEIGHTS.problems / s.problems.length + SCORE_WEIGHTS.levels / span;
	if (support) {
		reasons.push(
			remembered(
				`support|${s.levelMin}|${s.levelMax}`,
				() =>
					`Appui à la coordination : situation complexe hors gestion de cas, suivie jusqu’au niveau ${levelLabel(s.levelMax).toLowerCase()} (${levelRange(s)})`
			)
		);
	} else {
		reasons.push(
			remembered(
				`level|${request.level}|${s.levelMin}|${s.levelMax}`,
				() =>
					`Niveau ${levelLabel(request.level).toLowerCase()} dans son champ d’intervention (${levelRange(s)})`
			)
		);
	}
	if (s.problems.length <= 3)
		reasons.push(
			`Spécialisé : ${s.problems.length} problème${s.problems.length > 1 ? 's' : ''} pris en charge`
		);

	const needsCoordination = levelRank(request.level) >= levelRank('coordonnee');
	if (s.mode !== null && (s.mode === 'sur_mesure') === needsCoordination) {
		score += SCORE_WEIGHTS.treatment;
		reasons.push(
			s.mode === 'sur_mesure' ? 'Traitement sur mesure' : 'Traitement de masse, réponse rapide'
		);
	}
	reasons.push(`Couvre ${request.placeLabel}`);
	const rulesMet = publicRulesMet(s, request);
	score += SCORE_WEIGHTS.public * rulesMet;
	const rules =
		(s.ageMin !== null || s.ageMax !== null ? 1 : 0) +
		(s.apa !== 'any' ? 1 : 0) +
		(s.handicap !== 'any' ? 1 : 0);
	if (rules > 0 && rulesMet === rules)
		reasons.push('Public accueilli : la personne en fait partie');

	if (s.coversPartly) {
		warnings.push(
			`Ne couvre qu’une partie de ${request.placeLabel} : vérifier que l’adresse est dans sa zone`
		);
	}
	const load = caseload(s);
	if (load && load.share >= 1) {
		score -= SCORE_WEIGHTS.full;
		warnings.push(`File active complète (${load.text}) : prendre contact avant d’orienter`);
	} else if (load && load.share >= NEAR_FULL) {
		score -= SCORE_WEIGHTS.nearFull;
		warnings.push(`File active presque complète (${load.text})`);
	}
	if (s.toConfirm) {
		warnings.push(
			'Mission proposée d’après FINESS, pas encore confirmée par la structure : vérifier avant d’orienter'
		);
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

// One collator for every answer: `localeCompare(…, 'fr')` builds one per call, and sorting the
// hundreds of structures covering a large city made it most of an answer's time.
const byName = new Intl.Collator('fr').compare;

export function recommend(
	request: RecommendationRequest,
	candidates: readonly CandidateStructure[],
	today: Date = new Date(),
	rules: readonly TerritoryRule[] = []
): RecommendationResult {
	const dominant = request.problems[0];
	const gate = gateOf(request);
	const applicable = rules.filter((r) => ruleApplies(r, request));
	const recommendations: Recommendation[] = [];
	const excluded: Exclusion[] = [];
	const preferred = new Set<string>();
	const uncertain = new Set<string>();
	const supporting = new Set<string>();
	for (const s of candidates) {
		const left = request.leftOut?.find((l) => l.structureId === s.id);
		if (left) {
			// Whatever it takes: the re-orientation names it among the exclusions, with its answer.
			excluded.push({ structure: ref(s), codes: ['refused'], reasons: [left.reason] });
			continue;
		}
		const { codes, reasons, toCheck, support } = eligibility(s, request, gate);
		const never = applicable.find((r) => r.effect === 'never' && r.structureId === s.id);
		if (never && codes.length === 0) {
			codes.push('rule');
			reasons.push(`Règle du territoire : ne pas orienter ici — ${never.reason}`);
		}
		if (codes.length === 0) {
			const recommendation = scoreStructure(s, request, today, support);
			if (toCheck.length > 0) {
				uncertain.add(s.id);
				recommendation.warnings.unshift(...toCheck);
			}
			if (support) supporting.add(s.id);
			if (s.kind === 'gestion_cas' && gate.override && request.level === 'complexe') {
				recommendation.reasons.unshift(
					`Gestion de cas proposée par l’agent (dérogation motivée), conditions MAIA manquantes : ${missingConditions(gate).join(' ; ')}`
				);
			}
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
	// A structure the territory prefers comes first even when scores are capped at 1; one whose
	// public rule cannot be checked comes after all that surely accept the person. Then those
	// taking the dominant problem at the level, then the coordination supports that take it below
	// their range, then those taking another problem of the request.
	const flag = (set: Set<string>, r: Recommendation) => (set.has(r.structure.id) ? 1 : 0);
	const takesDominant = new Set(
		candidates.filter((c) => !!dominant && c.problems.includes(dominant)).map((c) => c.id)
	);
	const tier = (r: Recommendation) =>
		!takesDominant.has(r.structure.id) ? 2 : supporting.has(r.structure.id) ? 1 : 0;
	// The keys computed once per structure, not at each of the n log n comparisons.
	const keyed = recommendations.map((r) => ({
		r,
		rank: (1 - flag(preferred, r)) * 6 + flag(uncertain, r) * 3 + tier(r)
	}));
	keyed.sort(
		(a, b) =>
			a.rank - b.rank || b.r.score - a.r.score || byName(a.r.structure.name, b.r.structure.name)
	);
	keyed.forEach((k, i) => (recommendations[i] = k.r));
	excluded.sort((a, b) => byName(a.structure.name, b.structure.name));
	const orphan = !recommendations.some((r) => takesDominant.has(r.structure.id));
	return {
		recommendations,
		excluded,
		orphan,
		gate: { conditions: gate.conditions, met: gate.met, override: gate.override }
	};
}
