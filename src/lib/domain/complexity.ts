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
 *   - an information request with no criterion ⇒ `information`;
 *   - otherwise 0 point ⇒ `simple`, 1–2 ⇒ `coordonnee`, 3 or more ⇒ `complexe`;
 *   - the MAIA rule — problems in all three fields, help in place insufficient and nobody to
 *     coordinate — ⇒ `complexe` whatever the points.
 * Every weight is positive and the thresholds increase, so adding a criterion or a problem never
 * lowers the level (property-tested).
 */

export type RequestType = 'information' | 'accompagnement';

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

export interface ComplexityInput {
	problems: readonly ProblemCode[];
	criteria: readonly CriterionCode[];
	requestType: RequestType;
}

export interface ComplexityAssessment {
	computed: LevelCode;
	points: number;
	fields: FieldCode[];
	maiaRule: boolean;
	/** Why, in French, one line per criterion and rule that counted. */
	reasons: string[];
}

const criterionLabel = new Map(CRITERIA.map((c) => [c.code, c.label]));

export function fieldsOf(problems: readonly ProblemCode[]): FieldCode[] {
	const present = new Set(problems.map(problemField));
	return FIELDS.map((f) => f.code).filter((f) => present.has(f));
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

	const maiaRule =
		fields.length === FIELDS.length &&
		criteria.includes('aides_insuffisantes') &&
		criteria.includes('sans_coordinateur');

	let computed: LevelCode;
	if (maiaRule) {
		computed = 'complexe';
		reasons.push(
			'Règle MAIA : problèmes dans les trois champs, aides en place insuffisantes et personne pour coordonner ⇒ situation complexe'
		);
	} else if (input.requestType === 'information' && criteria.length === 0) {
		computed = 'information';
		reasons.push('Demande d’information sans critère de complexité ⇒ demande d’information');
	} else if (points >= LEVEL_THRESHOLDS.complexe) {
		computed = 'complexe';
		reasons.push(
			`${points} points (${LEVEL_THRESHOLDS.complexe} ou plus) ⇒ ${levelLabel(computed).toLowerCase()}`
		);
	} else if (points >= LEVEL_THRESHOLDS.coordonnee) {
		computed = 'coordonnee';
		reasons.push(`${points} point${points > 1 ? 's' : ''} ⇒ ${levelLabel(computed).toLowerCase()}`);
	} else {
		computed = 'simple';
		reasons.push('Aucun critère de complexité ⇒ situation simple');
	}
	return { computed, points, fields, maiaRule, reasons };
}
