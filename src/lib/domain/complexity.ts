import {
	CRITERIA,
	FIELDS,
	levelLabel,
	problemField,
	type CriterionCode,
	type FieldCode,
	type LevelCode,
	type ProblemCode
} from './taxonomy';

/**
 * Complexity assessment of a request (contract §1), explained criterion by criterion.
 *
 * The scoring: each complexity criterion adds its weight (the ones the documents single out as
 * breaking a care path weigh 2); problems spread over several fields (social, autonomy, medical)
 * add one point per field beyond the first. Then:
 *   - the MAIA rule — problems in all three fields, help in place insufficient and nobody to
 *     coordinate — ⇒ `complexe` whatever the points;
 *   - an information request with no criterion ⇒ `information`;
 *   - otherwise 0 point ⇒ `simple`, 1–2 ⇒ `coordonnee`, 3 or more ⇒ `complexe` **if the problems
 *     span at least two fields**: a complex situation is multidimensional (« une pluralité de
 *     facteurs multidimensionnels (p.ex., médicaux, psychosociaux, économiques) », CPSI fascicle,
 *     seeds/000 l. 421); with all its problems in one field it stays `coordonnee`, however many
 *     criteria — the housing problem of an isolated person who refuses help is the municipal
 *     service's to follow, not case management's.
 * Every weight is positive, the thresholds increase and the field gate only opens as problems
 * are added, so adding a criterion or a problem never lowers the level (property-tested).
 *
 * Besides the level, the assessment says which of the three MAIA conditions of entry to case
 * management hold (`gate`): the engine sends a complex situation to case management only when
 * all three do, or when the agent overrides the gate with a reason.
 */

export type RequestType = 'information' | 'accompagnement' | 'prestation';

export const CRITERION_WEIGHTS: Record<CriterionCode, number> = {
	isolement: 1,
	conflit_familial: 1,
	evolution_brutale: 1,
	multi_intervenants: 1,
	refus_aide: 1,
	cumul_pathologies: 2,
	aides_insuffisantes: 1,
	sans_coordinateur: 1,
	services_depasses: 2
};

export const LEVEL_THRESHOLDS = { coordonnee: 1, complexe: 3 } as const;

/** A complex situation is multidimensional: its problems span at least this many fields. */
export const COMPLEX_MIN_FIELDS = 2;

export interface ComplexityInput {
	problems: readonly ProblemCode[];
	criteria: readonly CriterionCode[];
	requestType: RequestType;
}

/** The three MAIA conditions of entry to case management, which must all hold. */
export type GateCondition = 'trois_champs' | 'aides_insuffisantes' | 'sans_coordinateur';

export const GATE_CONDITIONS: readonly { code: GateCondition; label: string }[] = [
	{
		code: 'trois_champs',
		label: 'des problèmes dans les trois champs (social, autonomie, médical)'
	},
	{
		code: 'aides_insuffisantes',
		label: 'des aides et soins en place insuffisants ou inadaptés (ou des services dépassés)'
	},
	{
		code: 'sans_coordinateur',
		label: 'personne dans l’entourage pour mettre en place et coordonner les réponses'
	}
];

export interface CaseManagementGate {
	conditions: { code: GateCondition; label: string; met: boolean }[];
	/** All three hold. */
	met: boolean;
}

export interface ComplexityAssessment {
	computed: LevelCode;
	points: number;
	fields: FieldCode[];
	maiaRule: boolean;
	gate: CaseManagementGate;
	/** Why, in French, one line per criterion and rule that counted. */
	reasons: string[];
}

const criterionLabel = new Map(CRITERIA.map((c) => [c.code, c.label]));

export function fieldsOf(problems: readonly ProblemCode[]): FieldCode[] {
	const present = new Set(problems.map(problemField));
	return FIELDS.map((f) => f.code).filter((f) => present.has(f));
}

/** Which of the three MAIA conditions hold for these problems and criteria. */
export function caseManagementGate(
	problems: readonly ProblemCode[],
	criteria: readonly CriterionCode[]
): CaseManagementGate {
	const held: Record<GateCondition, boolean> = {
		trois_champs: fieldsOf(problems).length === FIELDS.length,
		// Services that can no longer cope are help in place that has become insufficient: « ce
		// sont les situations que les autres services ne sont pas ou plus en mesure de gérer »
		// (core study, seeds/002 l. 95).
		aides_insuffisantes:
			criteria.includes('aides_insuffisantes') || criteria.includes('services_depasses'),
		sans_coordinateur: criteria.includes('sans_coordinateur')
	};
	const conditions = GATE_CONDITIONS.map((c) => ({ ...c, met: held[c.code] }));
	return { conditions, met: conditions.every((c) => c.met) };
}

/** « aides en place insuffisantes ; personne pour coordonner »: the conditions still missing. */
export function missingConditions(gate: CaseManagementGate): string[] {
	return gate.conditions.filter((c) => !c.met).map((c) => c.label);
}

export function assessComplexity(input: ComplexityInput): ComplexityAssessment {
	const criteria = [...new Set(input.criteria)];
	const fields = fieldsOf(input.problems);
	const reasons: string[] = [];

	let points = 0;
	for (const criterion of criteria) {
		const weight = CRITERION_WEIGHTS[criterion];
		points += weight;
		reasons.push(`${criterionLabel.get(criterion)} : +${weight}`);
	}
	if (fields.length > 1) {
		points += fields.length - 1;
		const names = FIELDS.filter((f) => fields.includes(f.code)).map((f) => f.label.toLowerCase());
		reasons.push(
			`Problèmes dans ${fields.length} champs (${names.join(', ')}) : +${fields.length - 1}`
		);
	}

	const gate = caseManagementGate(input.problems, criteria);
	const maiaRule = gate.met;

	let computed: LevelCode;
	if (maiaRule) {
		computed = 'complexe';
		reasons.push(
			'Règle MAIA : problèmes dans les trois champs, aides en place insuffisantes et personne pour coordonner ⇒ situation complexe'
		);
	} else if (input.requestType === 'information' && criteria.length === 0) {
		computed = 'information';
		reasons.push('Demande d’information sans critère de complexité ⇒ demande d’information');
	} else if (points >= LEVEL_THRESHOLDS.complexe && fields.length >= COMPLEX_MIN_FIELDS) {
		computed = 'complexe';
		reasons.push(
			`${points} points (${LEVEL_THRESHOLDS.complexe} ou plus) et des problèmes dans ${fields.length} champs ⇒ ${levelLabel(computed).toLowerCase()}`
		);
	} else if (points >= LEVEL_THRESHOLDS.coordonnee) {
		computed = 'coordonnee';
		reasons.push(
			points >= LEVEL_THRESHOLDS.complexe
				? `${points} points, mais tous les problèmes dans un seul champ : une situation complexe est multidimensionnelle ⇒ ${levelLabel(computed).toLowerCase()}`
				: `${points} point${points > 1 ? 's' : ''} ⇒ ${levelLabel(computed).toLowerCase()}`
		);
	} else {
		computed = 'simple';
		reasons.push('Aucun critère de complexité ⇒ situation simple');
	}
	return { computed, points, fields, maiaRule, gate, reasons };
}
