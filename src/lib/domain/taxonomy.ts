/**
 * The codes of the contract (§1): structure kinds, dominant problems (the horizontal axis, in the
 * contract's order social → autonomy → medical), complexity levels (the vertical axis, ordered) and
 * complexity criteria. Codes never change; labels are the French UI's.
 */

export const KINDS = [
	{
		code: 'clic',
		label: 'CLIC — centre local d’information et de coordination',
		coordination: true
	},
	{ code: 'ccas', label: 'Service social municipal / CCAS', coordination: true },
	{ code: 'reseau_sante', label: 'Réseau de santé (gérontologique)', coordination: true },
	{ code: 'equipe_apa', label: 'Équipe APA du Conseil départemental', coordination: true },
	{ code: 'gestion_cas', label: 'Gestion de cas (MAIA / DAC)', coordination: true },
	{
		code: 'dac',
		label: 'Dispositif d’appui à la coordination (accueil, appui)',
		coordination: true
	},
	{ code: 'ssiad', label: 'Service de soins infirmiers à domicile', coordination: false },
	{ code: 'saad', label: 'Service d’aide et d’accompagnement à domicile', coordination: false },
	{ code: 'ehpad', label: 'EHPAD', coordination: false },
	{ code: 'accueil_jour', label: 'Accueil de jour', coordination: false },
	{ code: 'consultation_memoire', label: 'Consultation mémoire', coordination: false },
	{ code: 'hopital', label: 'Hôpital / service hospitalier', coordination: false },
	{ code: 'emg', label: 'Équipe mobile gériatrique', coordination: false },
	{ code: 'had', label: 'Hospitalisation à domicile', coordination: false },
	{
		code: 'mjpm',
		label: 'Mandataire judiciaire à la protection des majeurs',
		coordination: false
	},
	{ code: 'cmp', label: 'Centre médico-psychologique', coordination: false },
	{ code: 'pfr', label: 'Plateforme d’accompagnement et de répit', coordination: false },
	{ code: 'association', label: 'Association (usagers, bénévoles)', coordination: false },
	{
		code: 'mdph',
		label: 'MDPH — maison départementale des personnes handicapées (droits, orientations, PCH)',
		coordination: true
	},
	{
		code: 'communaute_360',
		label: 'Communauté 360 (personnes handicapées sans solution, tous âges)',
		coordination: true
	},
	{
		code: 'samsah',
		label: 'SAMSAH — service d’accompagnement médico-social pour adultes handicapés',
		coordination: false
	},
	{ code: 'savs', label: 'SAVS — service d’accompagnement à la vie sociale', coordination: false },
	{
		code: 'esms_handicap',
		label: 'Établissement pour adultes handicapés (MAS, FAM, foyer de vie, foyer d’hébergement)',
		coordination: false
	},
	{ code: 'medecin', label: 'Médecin (généraliste, spécialiste)', coordination: false },
	{ code: 'autre', label: 'Autre', coordination: false }
] as const;

export type KindCode = (typeof KINDS)[number]['code'];

export const FIELDS = [
	{ code: 'social', label: 'Social' },
	{ code: 'autonomy', label: 'Autonomie' },
	{ code: 'medical', label: 'Médical' }
] as const;

export type FieldCode = (typeof FIELDS)[number]['code'];

export const PROBLEMS = [
	{ code: 'droits', label: 'Accès aux droits, démarches administratives', field: 'social' },
	{ code: 'finances', label: 'Difficultés financières', field: 'social' },
	{ code: 'gestion_courante', label: 'Gestion de la vie courante', field: 'social' },
	{ code: 'logement', label: 'Logement, habitat', field: 'social' },
	{ code: 'maltraitance', label: 'Maltraitance (signalement)', field: 'social' },
	{ code: 'protection_juridique', label: 'Protection juridique', field: 'social' },
	{ code: 'aidants', label: 'Soutien aux aidants, à la famille', field: 'autonomy' },
	{
		code: 'aides_domicile',
		label: 'Information sur les aides humaines et techniques',
		field: 'autonomy'
	},
	{ code: 'perte_autonomie', label: 'Perte d’autonomie', field: 'autonomy' },
	{ code: 'entree_etablissement', label: 'Projet d’entrée en établissement', field: 'autonomy' },
	{ code: 'soins_domicile', label: 'Soins infirmiers à domicile', field: 'medical' },
	{ code: 'troubles_cognitifs', label: 'Troubles cognitifs, mémoire', field: 'medical' },
	{ code: 'psycho_comportemental', label: 'Troubles psycho-comportementaux', field: 'medical' },
	{ code: 'sante_mentale', label: 'Santé mentale', field: 'medical' },
	{ code: 'medical', label: 'Problème médical à évaluer', field: 'medical' },
	{ code: 'maintien_domicile', label: 'Avis sur le maintien à domicile', field: 'medical' }
] as const satisfies readonly { code: string; label: string; field: FieldCode }[];

export type ProblemCode = (typeof PROBLEMS)[number]['code'];

export const LEVELS = [
	{
		code: 'information',
		label: 'Demande d’information',
		treatment: 'réponse en un contact (masse)'
	},
	{ code: 'simple', label: 'Situation simple', treatment: 'un service répond' },
	{
		code: 'coordonnee',
		label: 'Situation à coordonner',
		treatment: 'suivi par un travailleur social ou un réseau, plusieurs professionnels'
	},
	{
		code: 'complexe',
		label: 'Situation complexe',
		treatment: 'gestion de cas intensive, sur mesure'
	}
] as const;

export type LevelCode = (typeof LEVELS)[number]['code'];

export const CRITERIA = [
	{ code: 'isolement', label: 'Isolement (aucun proche impliqué)' },
	{ code: 'conflit_familial', label: 'Situation familiale conflictuelle' },
	{
		code: 'evolution_brutale',
		label:
			'Évolution brutale des besoins (chute, hospitalisation, décès ou épuisement de l’aidant, déménagement)'
	},
	{ code: 'multi_intervenants', label: 'Nombreux intervenants à mobiliser' },
	{ code: 'refus_aide', label: 'Refus d’aide de la personne ou de l’entourage' },
	{
		code: 'cumul_pathologies',
		label:
			'Cumul maladie chronique + troubles cognitifs + difficultés dans les actes de la vie quotidienne'
	},
	{ code: 'aides_insuffisantes', label: 'Aides et soins en place insuffisants ou inadaptés' },
	{
		code: 'sans_coordinateur',
		label: 'Personne dans l’entourage pour mettre en place et coordonner les réponses'
	},
	{ code: 'services_depasses', label: 'Les services déjà impliqués ne peuvent plus faire face' }
] as const;

export type CriterionCode = (typeof CRITERIA)[number]['code'];

export const MODES = [
	{ code: 'masse', label: 'Traitement de masse' },
	{ code: 'sur_mesure', label: 'Traitement sur mesure' }
] as const;

export type ModeCode = (typeof MODES)[number]['code'];

export const APA_RULES = [
	{ code: 'any', label: 'Bénéficiaires de l’APA ou non' },
	{ code: 'required', label: 'Uniquement les bénéficiaires de l’APA' },
	{ code: 'excluded', label: 'Hors bénéficiaires de l’APA' }
] as const;

export type ApaRule = (typeof APA_RULES)[number]['code'];

/** The disability counterpart of the APA rule (contract §2 `handicap`): an MDPH notification. */
export const HANDICAP_RULES = [
	{ code: 'any', label: 'Personnes handicapées ou non' },
	{
		code: 'required',
		label: 'Uniquement les personnes au handicap reconnu (notification MDPH)'
	},
	{ code: 'excluded', label: 'Hors personnes au handicap reconnu' }
] as const;

export type HandicapRule = (typeof HANDICAP_RULES)[number]['code'];

export const KIND_CODES = KINDS.map((k) => k.code) as [KindCode, ...KindCode[]];
export const PROBLEM_CODES = PROBLEMS.map((p) => p.code) as [ProblemCode, ...ProblemCode[]];
export const LEVEL_CODES = LEVELS.map((l) => l.code) as [LevelCode, ...LevelCode[]];
export const CRITERION_CODES = CRITERIA.map((c) => c.code) as [CriterionCode, ...CriterionCode[]];
export const MODE_CODES = MODES.map((m) => m.code) as [ModeCode, ...ModeCode[]];
export const APA_CODES = APA_RULES.map((a) => a.code) as [ApaRule, ...ApaRule[]];
export const HANDICAP_CODES = HANDICAP_RULES.map((a) => a.code) as [
	HandicapRule,
	...HandicapRule[]
];

function byCode<T extends { code: string }>(items: readonly T[]): Map<string, T> {
	return new Map(items.map((item) => [item.code, item]));
}

const kindsByCode = byCode(KINDS);
const problemsByCode = byCode(PROBLEMS);
const levelsByCode = byCode(LEVELS);

export function kindLabel(code: string): string {
	return kindsByCode.get(code)?.label ?? code;
}

export function problemLabel(code: string): string {
	return problemsByCode.get(code)?.label ?? code;
}

export function levelLabel(code: string): string {
	return levelsByCode.get(code)?.label ?? code;
}

export function problemField(code: ProblemCode): FieldCode {
	// Every problem code has a field: the lookup cannot miss for a typed code.
	return (problemsByCode.get(code) as (typeof PROBLEMS)[number]).field;
}

/** Whether coordination is the kind's primary mission when the import does not say. */
export function defaultCoordination(kind: KindCode): boolean {
	return kindsByCode.get(kind)?.coordination ?? false;
}

/** Position of a level on the vertical axis, 0 = information … 3 = complexe. */
// Looked up for every structure of every answer: a table, not a search of the list.
const LEVEL_RANKS = new Map<string, number>(LEVEL_CODES.map((code, rank) => [code, rank]));

export function levelRank(level: LevelCode): number {
	return LEVEL_RANKS.get(level) ?? -1;
}

/** Whether `level` lies in the inclusive range [min, max]. */
export function levelInRange(level: LevelCode, min: LevelCode, max: LevelCode): boolean {
	const rank = levelRank(level);
	return levelRank(min) <= rank && rank <= levelRank(max);
}

/** The levels of an inclusive range, bottom to top. */
export function levelsBetween(min: LevelCode, max: LevelCode): LevelCode[] {
	return LEVEL_CODES.slice(levelRank(min), levelRank(max) + 1);
}
