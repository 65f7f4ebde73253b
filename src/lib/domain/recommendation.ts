import type { Remit } from './remit';
import { staleOn } from './freshness';
import { compareNames } from './names';
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
	/**
	 * The rank of its name among all the structures the caller knows, by compareNames (equal
	 * names, equal ranks), when it has them (the remit index): an answer then orders names by
	 * these numbers. Absent, the names are compared.
	 */
	nameOrder?: number;
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

/** A level range as a small number (ranks from 0), to index the texts of ranges. */
const rangeKey = (min: number, max: number) => (min + 1) * 8 + max + 1;
const rangeTexts: (string | undefined)[] = [];

function levelRange(s: CandidateStructure): string {
	const key = rangeKey(levelRank(s.levelMin), levelRank(s.levelMax));
	let text = rangeTexts[key];
	if (text === undefined) {
		text =
			s.levelMin === s.levelMax
				? levelLabel(s.levelMin).toLowerCase()
				: `${levelLabel(s.levelMin).toLowerCase()} → ${levelLabel(s.levelMax).toLowerCase()}`;
		rangeTexts[key] = text;
	}
	return text;
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

/**
 * What an answer computes once for all its structures: the request's own facts and the texts
 * that name its place. An answer weighs up to a thousand structures (the establishments of a
 * whole département cover each of its communes): per structure, only what depends on it.
 */
interface Context {
	request: RecommendationRequest;
	gate: ReturnType<typeof gateOf>;
	dominant: ProblemCode | undefined;
	others: readonly ProblemCode[];
	service: boolean;
	level: number;
	needsCoordination: boolean;
	covers: string;
	outside: string;
	partly: string;
	stale: (isoDate: string | null) => boolean;
	/** « Prend aussi : … » by the set of other problems taken (a bit per problem). */
	othersTexts: Map<number, string>;
	/** « Niveau : intervient en … » by range. */
	outOfRange: Map<number, string>;
}

function contextOf(request: RecommendationRequest, today: Date): Context {
	const [dominant, ...others] = request.problems;
	const level = levelRank(request.level);
	return {
		request,
		gate: gateOf(request),
		dominant,
		others,
		service: isServiceRequest(request),
		level,
		needsCoordination: level >= levelRank('coordonnee'),
		covers: `Couvre ${request.placeLabel}`,
		outside: `Hors de sa zone : ne couvre pas ${request.placeLabel}`,
		partly: `Ne couvre qu’une partie de ${request.placeLabel} : vérifier que l’adresse est dans sa zone`,
		stale: staleOn(today),
		othersTexts: new Map(),
		outOfRange: new Map()
	};
}

/** Which of the request's problems the structure takes: bit i for the request's i-th problem. */
function takenMask(s: CandidateStructure, problems: readonly ProblemCode[]): number {
	let mask = 0;
	for (let i = 0; i < problems.length; i++) {
		if (s.problems.includes(problems[i] as ProblemCode)) mask |= 1 << i;
	}
	return mask;
}

interface Eligibility {
	/** Null when it can take the request (so is `reasons`). */
	codes: ExclusionReason[] | null;
	reasons: string[] | null;
	/** What could not be checked (« à vérifier »): the structure is kept, ranked after. */
	toCheck: string[] | null;
	/** Taken as coordination support of a complex situation below the MAIA gate. */
	support: boolean;
}

/**
 * Why a structure cannot take this request (no codes when it can), and what to check: written
 * into `out`, the lists created only when there is something to say (most structures of an
 * answer have nothing).
 */
function eligibility(
	s: CandidateStructure,
	ctx: Context,
	mask: number,
	out: Eligibility
): Eligibility {
	const { request, gate } = ctx;
	let codes: ExclusionReason[] | null = null;
	let reasons: string[] | null = null;
	let toCheck: string[] | null = null;
	let support = false;
	if (!s.coversPlace) {
		codes = ['area'];
		reasons = [ctx.outside];
	}
	if (s.ageMin !== null || s.ageMax !== null) {
		const age = ageCheck(s, request.age);
		if (typeof age === 'string') {
			(codes ??= []).push('age');
			(reasons ??= []).push(`Âge : ${age}`);
		} else if (age === null) {
			(toCheck ??= []).push(`Âge à vérifier : ${ageSummary(s)}, âge de la personne non renseigné`);
		}
	}
	if (s.apa !== 'any' || s.handicap !== 'any') {
		for (const { code, label, rule, status, text } of STATUS_RULES) {
			const limit = rule(s);
			if (limit === 'any') continue;
			const accepted = ruleAccepts(limit, status(request));
			if (accepted === true) continue;
			if (accepted === false) {
				(codes ??= []).push(code);
				(reasons ??= []).push(`${label} : ${text[limit]}`);
			} else {
				(toCheck ??= []).push(
					`${label} à vérifier : ${text[limit]}, statut de la personne inconnu`
				);
			}
		}
	}
	const min = levelRank(s.levelMin);
	const max = levelRank(s.levelMax);
	const inRange = min <= ctx.level && ctx.level <= max;
	const complexBelowGate = request.level === 'complexe' && !gate.open;
	if (complexBelowGate && s.kind === 'gestion_cas' && inRange) {
		(codes ??= []).push('gate');
		(reasons ??= []).push(
			remembered(
				`gate|${gate.conditions.map((c) => c.met).join('|')}`,
				() => `Gestion de cas : à proposer si ${missingConditions(gate).join(' ; ')}`
			)
		);
	} else if (
		!inRange &&
		complexBelowGate &&
		s.coordination &&
		// Case management is intensive follow-up, never a fallback: a gestion_cas service declared
		// below « complexe » stays out of the way of a situation it cannot admit.
		s.kind !== 'gestion_cas' &&
		levelInRange('coordonnee', s.levelMin, s.levelMax)
	) {
		support = true;
	} else if (!inRange) {
		const key = rangeKey(min, max);
		let text = ctx.outOfRange.get(key);
		if (text === undefined) {
			text = `Niveau : intervient en ${levelRange(s)}, pas en ${levelLabel(request.level).toLowerCase()}`;
			ctx.outOfRange.set(key, text);
		}
		(codes ??= []).push('level');
		(reasons ??= []).push(text);
	}
	if (mask === 0) {
		(codes ??= []).push('problem');
		(reasons ??= []).push('Ne prend aucun des problèmes de la demande');
	}
	out.codes = codes;
	out.reasons = reasons;
	out.toCheck = toCheck;
	out.support = support;
	return out;
}

/** Why a structure taking the dominant problem cannot take this request; empty when it can. */
export function exclusionReasons(
	s: CandidateStructure,
	request: RecommendationRequest
): { codes: ExclusionReason[]; reasons: string[] } {
	const { codes, reasons } = eligibility(
		s,
		contextOf(request, new Date()),
		takenMask(s, request.problems),
		{ codes: null, reasons: null, toCheck: null, support: false }
	);
	return { codes: codes ?? [], reasons: reasons ?? [] };
}

/** How many of the structure's public rules (age, APA, disability) the person surely meets. */
function publicRulesMet(s: CandidateStructure, request: RecommendationRequest): number {
	let met = 0;
	if ((s.ageMin !== null || s.ageMax !== null) && ageCheck(s, request.age) === true) met++;
	if (s.apa !== 'any' || s.handicap !== 'any') {
		for (const { rule, status } of STATUS_RULES) {
			if (rule(s) !== 'any' && ruleAccepts(rule(s), status(request)) === true) met++;
		}
	}
	return met;
}

const SPECIALISED = [1, 2, 3].map(
	(n) => `Spécialisé : ${n} problème${n > 1 ? 's' : ''} pris en charge`
);
const COORDINATION =
	'Structure de coordination : première porte pour l’information, l’évaluation et le suivi';
const supportTexts: (string | undefined)[] = [];
const levelTexts: (string | undefined)[] = [];

function bitCount(mask: number): number {
	let n = 0;
	for (let m = mask; m !== 0; m &= m - 1) n++;
	return n;
}

export function scoreStructure(
	s: CandidateStructure,
	request: RecommendationRequest,
	today: Date,
	support = false
): Recommendation {
	return scoreWith(s, contextOf(request, today), takenMask(s, request.problems), support);
}

function scoreWith(
	s: CandidateStructure,
	ctx: Context,
	mask: number,
	support: boolean
): Recommendation {
	const { request, dominant, others } = ctx;
	const reasons: string[] = [];
	const warnings: string[] = [];
	let score = 0;

	if (dominant !== undefined && (mask & 1) !== 0) {
		score += SCORE_WEIGHTS.dominant;
		reasons.push(
			remembered(
				`dominant|${dominant}`,
				() => `Prend le problème dominant : ${problemLabel(dominant).toLowerCase()}`
			)
		);
	}
	const othersMask = mask >> 1;
	if (others.length > 0 && othersMask !== 0) {
		score += (SCORE_WEIGHTS.secondary * bitCount(othersMask)) / others.length;
		let text = ctx.othersTexts.get(othersMask);
		if (text === undefined) {
			const taken = others.filter((_, i) => (othersMask & (1 << i)) !== 0);
			text = `Prend aussi : ${taken.map((p) => problemLabel(p).toLowerCase()).join(', ')}`;
			ctx.othersTexts.set(othersMask, text);
		}
		reasons.push(text);
	}

	if (ctx.service !== s.coordination) {
		score += SCORE_WEIGHTS.mission;
		reasons.push(
			ctx.service
				? remembered(
						`service|${s.kind}`,
						() =>
							`Prestation (${kindLabel(s.kind).toLowerCase()}) : la demande porte sur le service lui-même`
					)
				: COORDINATION
		);
	}

	// The number of levels of its range (levelsBetween's length), without building the list.
	const min = levelRank(s.levelMin);
	const max = levelRank(s.levelMax);
	const span = Math.max(0, max - min + 1);
	score += SCORE_WEIGHTS.problems / s.problems.length + SCORE_WEIGHTS.levels / span;
	const range = rangeKey(min, max);
	if (support) {
		let text = supportTexts[range];
		if (text === undefined) {
			text = `Appui à la coordination : situation complexe hors gestion de cas, suivie jusqu’au niveau ${levelLabel(s.levelMax).toLowerCase()} (${levelRange(s)})`;
			supportTexts[range] = text;
		}
		reasons.push(text);
	} else {
		const key = (ctx.level + 1) * 128 + range;
		let text = levelTexts[key];
		if (text === undefined) {
			text = `Niveau ${levelLabel(request.level).toLowerCase()} dans son champ d’intervention (${levelRange(s)})`;
			levelTexts[key] = text;
		}
		reasons.push(text);
	}
	if (s.problems.length <= 3) {
		reasons.push(
			SPECIALISED[s.problems.length - 1] ??
				`Spécialisé : ${s.problems.length} problème${s.problems.length > 1 ? 's' : ''} pris en charge`
		);
	}

	if (s.mode !== null && (s.mode === 'sur_mesure') === ctx.needsCoordination) {
		score += SCORE_WEIGHTS.treatment;
		reasons.push(
			s.mode === 'sur_mesure' ? 'Traitement sur mesure' : 'Traitement de masse, réponse rapide'
		);
	}
	reasons.push(ctx.covers);
	const rulesMet = publicRulesMet(s, request);
	score += SCORE_WEIGHTS.public * rulesMet;
	const rules =
		(s.ageMin !== null || s.ageMax !== null ? 1 : 0) +
		(s.apa !== 'any' ? 1 : 0) +
		(s.handicap !== 'any' ? 1 : 0);
	if (rules > 0 && rulesMet === rules)
		reasons.push('Public accueilli : la personne en fait partie');

	if (s.coversPartly) warnings.push(ctx.partly);
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
	if (ctx.stale(s.updatedAt)) {
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

interface Ranked {
	r: Recommendation;
	/** Preferred, then surely accepted, then the tier (see below): smaller first. */
	rank: number;
	/** The candidate's nameOrder, or -1: then its name is compared. */
	order: number;
}

/**
 * By name: by the candidates' nameOrder when both have one (equal names have equal numbers, so
 * the order is the names' own), else by comparing the names — hundreds of collator comparisons
 * were most of the time of an answer for a large city.
 */
function byName(aOrder: number, aName: string, bOrder: number, bName: string): number {
	return aOrder >= 0 && bOrder >= 0 ? aOrder - bOrder : compareNames(aName, bName);
}

export function recommend(
	request: RecommendationRequest,
	candidates: readonly CandidateStructure[],
	today: Date = new Date(),
	rules: readonly TerritoryRule[] = []
): RecommendationResult {
	const ctx = contextOf(request, today);
	const { dominant, gate } = ctx;
	// The first applicable rule of each effect for each structure, and the structures left out.
	const never = new Map<string, TerritoryRule>();
	const prefer = new Map<string, TerritoryRule>();
	for (const rule of rules) {
		if (!ruleApplies(rule, request)) continue;
		const byStructure = rule.effect === 'never' ? never : prefer;
		if (!byStructure.has(rule.structureId)) byStructure.set(rule.structureId, rule);
	}
	const leftOut = new Map<string, string>();
	for (const l of request.leftOut ?? []) {
		if (!leftOut.has(l.structureId)) leftOut.set(l.structureId, l.reason);
	}
	const overridden =
		gate.override && request.level === 'complexe'
			? `Gestion de cas proposée par l’agent (dérogation motivée), conditions MAIA manquantes : ${missingConditions(gate).join(' ; ')}`
			: null;
	const ranked: Ranked[] = [];
	const excluded: { e: Exclusion; order: number }[] = [];
	const seen: Eligibility = { codes: null, reasons: null, toCheck: null, support: false };
	let orphan = true;
	for (const s of candidates) {
		const left = leftOut.get(s.id);
		if (left !== undefined) {
			// Whatever it takes: the re-orientation names it among the exclusions, with its answer.
			excluded.push({
				e: { structure: ref(s), codes: ['refused'], reasons: [left] },
				order: s.nameOrder ?? -1
			});
			continue;
		}
		const mask = takenMask(s, request.problems);
		const takesDominant = dominant !== undefined && (mask & 1) !== 0;
		let { codes, reasons } = eligibility(s, ctx, mask, seen);
		const { toCheck, support } = seen;
		const ruledOut = never.get(s.id);
		if (ruledOut && codes === null) {
			codes = ['rule'];
			reasons = [`Règle du territoire : ne pas orienter ici — ${ruledOut.reason}`];
		}
		if (codes === null) {
			const recommendation = scoreWith(s, ctx, mask, support);
			if (toCheck !== null) recommendation.warnings.unshift(...toCheck);
			if (s.kind === 'gestion_cas' && overridden !== null) {
				recommendation.reasons.unshift(overridden);
			}
			const preferred = prefer.get(s.id);
			if (preferred) {
				recommendation.score = Math.min(
					1,
					Math.round((recommendation.score + RULE_BONUS) * 1000) / 1000
				);
				recommendation.reasons.unshift(`Règle du territoire : à privilégier — ${preferred.reason}`);
			}
			// A structure the territory prefers comes first even when scores are capped at 1; one
			// whose public rule cannot be checked comes after all that surely accept the person.
			// Then those taking the dominant problem at the level, then the coordination supports
			// that take it below their range, then those taking another problem.
			const tier = !takesDominant ? 2 : support ? 1 : 0;
			ranked.push({
				r: recommendation,
				rank: (preferred ? 0 : 6) + (toCheck !== null ? 3 : 0) + tier,
				order: s.nameOrder ?? -1
			});
			if (takesDominant) orphan = false;
		} else if (takesDominant) {
			excluded.push({
				e: { structure: ref(s), codes, reasons: reasons ?? [] },
				order: s.nameOrder ?? -1
			});
		}
	}
	ranked.sort(
		(a, b) =>
			a.rank - b.rank ||
			b.r.score - a.r.score ||
			byName(a.order, a.r.structure.name, b.order, b.r.structure.name)
	);
	const recommendations = ranked.map((k) => k.r);
	excluded.sort((a, b) => byName(a.order, a.e.structure.name, b.order, b.e.structure.name));
	return {
		recommendations,
		excluded: excluded.map((x) => x.e),
		orphan,
		gate: { conditions: gate.conditions, met: gate.met, override: gate.override }
	};
}
