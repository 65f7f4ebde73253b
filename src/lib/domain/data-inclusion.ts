import { ageSummary, apaSummary, handicapSummary } from './public';
import {
	kindLabel,
	levelLabel,
	problemLabel,
	type ApaRule,
	type HandicapRule,
	type KindCode,
	type LevelCode,
	type ModeCode,
	type ProblemCode
} from './taxonomy';

/**
 * data·inclusion (schema 1.x, contract §8): the mapping between Bon Tiers' codes and the schema's,
 * both directions, and the two conversions built on it — a Bon Tiers structure to one
 * data·inclusion structure and one service (export), and data·inclusion structures and services
 * back to records of the import format (import). Pure: the server reads and writes the files,
 * the import service validates and writes what this module produces.
 *
 * The schema speaks of social inclusion (employment, housing, money, family…); Bon Tiers of the
 * orientation of older and disabled people by problem and level of complexity. Where one side
 * has no counterpart the tables say so with an empty list (a gap), so the export leaves it out
 * and the import warns. What the schema cannot express at all (complexity levels, the
 * coordination mission, the caseload, a polygon coverage, the exact public) travels in a
 * `bon_tiers` object on each service: the schema allows fields of its own to a producer (its
 * JSON Schema has no `additionalProperties: false`), data·inclusion ignores it, and Bon Tiers
 * reads its own exports back exactly through it.
 */

/** The `thematiques` of the schema v1.0.8 (`$defs.Thematique`), in its order. */
export const THEMATIQUES = [
	'choisir-un-metier--confirmer-son-choix-de-metier',
	'choisir-un-metier--connaitre-les-opportunites-demploi',
	'choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite',
	'choisir-un-metier--identifier-ses-points-forts-et-ses-competences',
	'creer-une-entreprise--definir-son-projet-de-creation-dentreprise',
	'creer-une-entreprise--developper-son-entreprise',
	'creer-une-entreprise--structurer-son-projet-de-creation-dentreprise',
	'difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives',
	'difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-a-la-citoyennete',
	'difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits',
	'difficultes-administratives-ou-juridiques--beneficier-dune-mesure-daccompagnement-adapte',
	'difficultes-administratives-ou-juridiques--connaitre-ses-droits-face-a-une-discrimination',
	'difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire',
	'difficultes-financieres--acquerir-une-autonomie-budgetaire',
	'difficultes-financieres--ameliorer-sa-gestion-budgetaire',
	'difficultes-financieres--mettre-en-place-une-mesure-de-protection-financiere',
	'difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere',
	'difficultes-financieres--situation-dendettement-surendettement',
	'equipement-et-alimentation--aide-menagere',
	'equipement-et-alimentation--alimentation',
	'equipement-et-alimentation--electromenager',
	'equipement-et-alimentation--habillement',
	'famille--garde-denfants',
	'famille--prise-en-charge-personne-dependante',
	'famille--soutien-a-la-parentalite-et-a-leducation',
	'famille--soutien-aidants',
	'famille--surmonter-conflits-separation-violence',
	'lecture-ecriture-calcul--maitriser-le-calcul',
	'lecture-ecriture-calcul--maitriser-le-francais',
	'logement-hebergement--acheter-un-logement',
	'logement-hebergement--changer-de-logement',
	'logement-hebergement--louer-un-logement',
	'logement-hebergement--rechercher-une-solution-dhebergement-temporaire',
	'logement-hebergement--reduire-les-impayes-de-loyer',
	'logement-hebergement--se-maintenir-dans-le-logement',
	'logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement',
	'mobilite--acceder-a-un-vehicule',
	'mobilite--entretenir-reparer-son-vehicule',
	'mobilite--etre-accompagne-dans-son-parcours-mobilite',
	'mobilite--financer-ma-mobilite',
	'mobilite--preparer-un-permis',
	'mobilite--mobilite-douce-partagee-collective',
	'numerique--acceder-a-des-services-en-ligne',
	'numerique--acceder-a-une-connexion-internet',
	'numerique--acquerir-un-equipement',
	'numerique--maitriser-les-fondamentaux-du-numerique',
	'preparer-sa-candidature--developper-son-reseau',
	'preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi',
	'preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation',
	'preparer-sa-candidature--valoriser-ses-competences',
	'remobilisation--activites-sportives-et-culturelles',
	'remobilisation--benevolat-action-citoyenne',
	'remobilisation--bien-etre-confiance-en-soi',
	'remobilisation--lien-social',
	'sante--acces-aux-soins',
	'sante--addictions',
	'sante--constituer-un-dossier-mdph-invalidite',
	'sante--sante-mentale',
	'sante--sante-sexuelle',
	'se-former--monter-son-dossier-de-formation',
	'se-former--trouver-sa-formation',
	'souvrir-a-linternational--connaitre-les-opportunites-demploi-a-letranger',
	'souvrir-a-linternational--sinformer-sur-les-aides-pour-travailler-a-letranger',
	'souvrir-a-linternational--sorganiser-suite-a-son-retour-en-france',
	'trouver-un-emploi--convaincre-un-recruteur-en-entretien',
	'trouver-un-emploi--faire-des-candidatures-spontanees',
	'trouver-un-emploi--maintien-dans-lemploi',
	'trouver-un-emploi--repondre-a-des-offres-demploi',
	'trouver-un-emploi--suivre-ses-candidatures-et-relancer-les-employeurs'
] as const;
export type Thematique = (typeof THEMATIQUES)[number];

/** The `publics` of the schema v1.0.8 (`$defs.Public`). */
export const PUBLICS = [
	'tous-publics',
	'actifs',
	'beneficiaires-des-minimas-sociaux',
	'demandeurs-emploi',
	'etudiants',
	'familles',
	'femmes',
	'jeunes',
	'personnes-en-situation-de-handicap',
	'personnes-en-situation-durgence',
	'personnes-en-situation-juridique-specifique',
	'personnes-exilees',
	'residents-qpv-frr',
	'seniors'
] as const;
export type Public = (typeof PUBLICS)[number];

/** The service `type`s of the schema v1.0.8 (`$defs.TypeService`). */
export const SERVICE_TYPES = [
	'accompagnement',
	'aide-financiere',
	'aide-materielle',
	'atelier',
	'formation',
	'information'
] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** The producer name of every record Bon Tiers writes (contract §8). */
export const SOURCE = 'bon-tiers';

const T = {
	droits: 'difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits',
	demarches:
		'difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives',
	accompagnementAdapte:
		'difficultes-administratives-ou-juridiques--beneficier-dune-mesure-daccompagnement-adapte',
	autonomieBudgetaire: 'difficultes-financieres--acquerir-une-autonomie-budgetaire',
	gestionBudgetaire: 'difficultes-financieres--ameliorer-sa-gestion-budgetaire',
	protectionFinanciere:
		'difficultes-financieres--mettre-en-place-une-mesure-de-protection-financiere',
	degradation: 'difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere',
	endettement: 'difficultes-financieres--situation-dendettement-surendettement',
	aideMenagere: 'equipement-et-alimentation--aide-menagere',
	dependance: 'famille--prise-en-charge-personne-dependante',
	aidants: 'famille--soutien-aidants',
	violence: 'famille--surmonter-conflits-separation-violence',
	changerLogement: 'logement-hebergement--changer-de-logement',
	impayes: 'logement-hebergement--reduire-les-impayes-de-loyer',
	maintienLogement: 'logement-hebergement--se-maintenir-dans-le-logement',
	accesLogement: 'logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement',
	soins: 'sante--acces-aux-soins',
	mdph: 'sante--constituer-un-dossier-mdph-invalidite',
	santeMentale: 'sante--sante-mentale'
} as const satisfies Record<string, Thematique>;

/**
 * Export: the thématiques a service gets for each problem it takes. Empty = no counterpart (a
 * gap): the problem is still named in the service's description, in French.
 */
export const PROBLEM_THEMATIQUES = {
	droits: [T.droits, T.demarches],
	finances: [T.autonomieBudgetaire, T.gestionBudgetaire, T.degradation, T.endettement],
	gestion_courante: [T.aideMenagere],
	logement: [T.changerLogement, T.impayes, T.maintienLogement, T.accesLogement],
	// Signalement of abuse: the schema's nearest is family violence; elder abuse is one of them.
	maltraitance: [T.violence],
	protection_juridique: [T.protectionFinanciere, T.accompagnementAdapte],
	aidants: [T.aidants],
	aides_domicile: [T.dependance],
	perte_autonomie: [T.dependance],
	// Entering a nursing home is both care of a dependent person and a change of home.
	entree_etablissement: [T.dependance, T.changerLogement],
	soins_domicile: [T.soins],
	troubles_cognitifs: [T.soins],
	psycho_comportemental: [T.santeMentale],
	sante_mentale: [T.santeMentale],
	medical: [T.soins],
	// A geriatric opinion on staying at home: « se maintenir dans le logement » is about keeping
	// one's lease, not one's health, so no counterpart.
	maintien_domicile: []
} as const satisfies Record<ProblemCode, readonly Thematique[]>;

/**
 * Import: the problems a service of each thématique takes. Deliberately narrower than the
 * inverse of the export table: a service « accès aux soins » is read as `medical`, not also as
 * home nursing or memory care, which a directory of inclusion cannot vouch for. Empty = gap:
 * ignored, with a warning (employment, mobility, digital… are outside Bon Tiers' field).
 */
export const THEMATIQUE_PROBLEMS = {
	'choisir-un-metier--confirmer-son-choix-de-metier': [],
	'choisir-un-metier--connaitre-les-opportunites-demploi': [],
	'choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite': [],
	'choisir-un-metier--identifier-ses-points-forts-et-ses-competences': [],
	'creer-une-entreprise--definir-son-projet-de-creation-dentreprise': [],
	'creer-une-entreprise--developper-son-entreprise': [],
	'creer-une-entreprise--structurer-son-projet-de-creation-dentreprise': [],
	'difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives': [
		'droits'
	],
	'difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-a-la-citoyennete': [],
	'difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits': ['droits'],
	'difficultes-administratives-ou-juridiques--beneficier-dune-mesure-daccompagnement-adapte': [
		'protection_juridique'
	],
	'difficultes-administratives-ou-juridiques--connaitre-ses-droits-face-a-une-discrimination': [],
	'difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire': [],
	'difficultes-financieres--acquerir-une-autonomie-budgetaire': ['finances'],
	'difficultes-financieres--ameliorer-sa-gestion-budgetaire': ['finances'],
	'difficultes-financieres--mettre-en-place-une-mesure-de-protection-financiere': [
		'protection_juridique'
	],
	'difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere': ['finances'],
	'difficultes-financieres--situation-dendettement-surendettement': ['finances'],
	'equipement-et-alimentation--aide-menagere': ['gestion_courante'],
	'equipement-et-alimentation--alimentation': [],
	'equipement-et-alimentation--electromenager': [],
	'equipement-et-alimentation--habillement': [],
	'famille--garde-denfants': [],
	'famille--prise-en-charge-personne-dependante': ['perte_autonomie'],
	'famille--soutien-a-la-parentalite-et-a-leducation': [],
	'famille--soutien-aidants': ['aidants'],
	'famille--surmonter-conflits-separation-violence': ['maltraitance'],
	'lecture-ecriture-calcul--maitriser-le-calcul': [],
	'lecture-ecriture-calcul--maitriser-le-francais': [],
	'logement-hebergement--acheter-un-logement': [],
	'logement-hebergement--changer-de-logement': ['logement'],
	'logement-hebergement--louer-un-logement': [],
	// Emergency shelter is the field of the SIAO, not of the structures Bon Tiers orients to.
	'logement-hebergement--rechercher-une-solution-dhebergement-temporaire': [],
	'logement-hebergement--reduire-les-impayes-de-loyer': ['logement'],
	'logement-hebergement--se-maintenir-dans-le-logement': ['logement'],
	'logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement': ['logement'],
	'mobilite--acceder-a-un-vehicule': [],
	'mobilite--entretenir-reparer-son-vehicule': [],
	'mobilite--etre-accompagne-dans-son-parcours-mobilite': [],
	'mobilite--financer-ma-mobilite': [],
	'mobilite--preparer-un-permis': [],
	'mobilite--mobilite-douce-partagee-collective': [],
	'numerique--acceder-a-des-services-en-ligne': [],
	'numerique--acceder-a-une-connexion-internet': [],
	'numerique--acquerir-un-equipement': [],
	'numerique--maitriser-les-fondamentaux-du-numerique': [],
	'preparer-sa-candidature--developper-son-reseau': [],
	'preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi': [],
	'preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation': [],
	'preparer-sa-candidature--valoriser-ses-competences': [],
	'remobilisation--activites-sportives-et-culturelles': [],
	'remobilisation--benevolat-action-citoyenne': [],
	'remobilisation--bien-etre-confiance-en-soi': [],
	'remobilisation--lien-social': [],
	'sante--acces-aux-soins': ['medical'],
	'sante--addictions': [],
	'sante--constituer-un-dossier-mdph-invalidite': ['droits'],
	'sante--sante-mentale': ['sante_mentale'],
	'sante--sante-sexuelle': [],
	'se-former--monter-son-dossier-de-formation': [],
	'se-former--trouver-sa-formation': [],
	'souvrir-a-linternational--connaitre-les-opportunites-demploi-a-letranger': [],
	'souvrir-a-linternational--sinformer-sur-les-aides-pour-travailler-a-letranger': [],
	'souvrir-a-linternational--sorganiser-suite-a-son-retour-en-france': [],
	'trouver-un-emploi--convaincre-un-recruteur-en-entretien': [],
	'trouver-un-emploi--faire-des-candidatures-spontanees': [],
	'trouver-un-emploi--maintien-dans-lemploi': [],
	'trouver-un-emploi--repondre-a-des-offres-demploi': [],
	'trouver-un-emploi--suivre-ses-candidatures-et-relancer-les-employeurs': []
} as const satisfies Record<Thematique, readonly ProblemCode[]>;

/** Thématiques a kind adds whatever its problems: the MDPH is where a disability file is made. */
export const KIND_THEMATIQUES: Partial<Record<KindCode, readonly Thematique[]>> = {
	mdph: [T.mdph]
};

/**
 * Export: the schema's `reseaux_porteurs` (networks that carry a structure) for each kind. Most
 * kinds belong to no network of the schema's list, which is about inclusion: a gap.
 */
export const KIND_RESEAUX = {
	clic: [],
	ccas: ['ccas-cias'],
	reseau_sante: [],
	equipe_apa: ['departements'],
	gestion_cas: [],
	dac: [],
	ssiad: [],
	saad: [],
	ehpad: [],
	accueil_jour: [],
	consultation_memoire: [],
	hopital: [],
	emg: [],
	had: [],
	mjpm: [],
	cmp: ['cmp'],
	pfr: [],
	association: [],
	mdph: ['mdph'],
	communaute_360: [],
	samsah: [],
	savs: [],
	esms_handicap: [],
	medecin: [],
	autre: []
} as const satisfies Record<KindCode, readonly string[]>;

/**
 * Import: the kind of a structure by its network, first match wins. Narrower than the inverse of
 * KIND_RESEAUX: a structure carried by a département is not necessarily its APA team (PMI,
 * social action…), so `departements` gives no kind. Any other network: kind `autre`, warned.
 */
export const RESEAU_KINDS: Readonly<Record<string, KindCode>> = {
	'ccas-cias': 'ccas',
	cmp: 'cmp',
	mdph: 'mdph'
};

/**
 * The publics (contract §2 age limits, `apa`, `handicap`) against the schema's `publics`. The
 * schema's publics are alternatives (a person is eligible when one of them fits) with no age,
 * and Bon Tiers' rules add up: so the export names the public that defines the service and
 * writes the exact rules in French in `publics_precisions`; the import reads the two publics it
 * knows and warns about the others.
 */
export const PUBLIC_RULES = {
	'tous-publics': 'aucune condition de public (ni âge minimal de 60 ans, ni APA, ni handicap)',
	seniors: 'âge minimal de 60 ans ou plus, ou bénéficiaires de l’APA (`apa: required`)',
	'personnes-en-situation-de-handicap': 'handicap reconnu requis (`handicap: required`)',
	actifs: null,
	'beneficiaires-des-minimas-sociaux': null,
	'demandeurs-emploi': null,
	etudiants: null,
	familles: null,
	femmes: null,
	jeunes: null,
	'personnes-en-situation-durgence': null,
	'personnes-en-situation-juridique-specifique': null,
	'personnes-exilees': null,
	'residents-qpv-frr': null
} as const satisfies Record<Public, string | null>;

/** The age from which a public is « seniors » (the age of the APA and of most gerontology). */
export const SENIOR_AGE = 60;

/**
 * Complexity levels have no counterpart; the service type says the least: a structure that only
 * answers requests for information is `information`, any other `accompagnement`. Read back
 * without the `bon_tiers` object, a type proposes the range below (to be confirmed by a pilot).
 */
export const TYPE_LEVELS = {
	information: ['information', 'information'],
	accompagnement: ['information', 'simple'],
	'aide-financiere': ['simple', 'simple'],
	'aide-materielle': ['simple', 'simple'],
	atelier: ['simple', 'simple'],
	formation: ['simple', 'simple']
} as const satisfies Record<ServiceType, readonly [LevelCode, LevelCode]>;

/** Levels proposed for a service of no type. */
export const DEFAULT_LEVELS = ['information', 'simple'] as const satisfies readonly [
	LevelCode,
	LevelCode
];

export function serviceTypeOf(levelMax: LevelCode): ServiceType {
	return levelMax === 'information' ? 'information' : 'accompagnement';
}

/* --------------------------------------- Records --------------------------------------- */

/** A structure in the import format (contract §2), as the export reads it. */
export interface BonTiersRecord {
	id: string;
	name: string;
	kind: KindCode;
	finess?: string;
	address?: string;
	commune?: string;
	lon?: number;
	lat?: number;
	coverage?: string[];
	coverage_geojson?: unknown;
	problems: ProblemCode[];
	level_min: LevelCode;
	level_max: LevelCode;
	mode?: ModeCode;
	coordination?: boolean;
	age_min?: number;
	age_max?: number;
	apa: ApaRule;
	handicap: HandicapRule;
	caseload_max?: number;
	caseload_current?: number;
	phone?: string;
	email?: string;
	website?: string;
	hours?: string;
	referral?: string;
	updated_at?: string;
}

/**
 * The fields of the import format that the schema's own fields cannot give back exactly; the
 * `bon_tiers` object of a service carries them (those the structure has). The others (id,
 * address, commune, position, contact, hours, referral) have a faithful counterpart.
 */
export const EXTENSION_FIELDS = [
	'name',
	'kind',
	'finess',
	'coverage',
	'coverage_geojson',
	'problems',
	'level_min',
	'level_max',
	'mode',
	'coordination',
	'age_min',
	'age_max',
	'apa',
	'handicap',
	'caseload_max',
	'caseload_current',
	'updated_at'
] as const satisfies readonly (keyof BonTiersRecord)[];
export type ExtensionField = (typeof EXTENSION_FIELDS)[number];

/** A data·inclusion structure as Bon Tiers writes it (schema 1.x `Structure`). */
export interface DiStructure {
	source: string;
	id: string;
	nom: string;
	date_maj: string;
	description?: string;
	adresse?: string;
	code_postal?: string;
	commune?: string;
	code_insee?: string;
	longitude?: number;
	latitude?: number;
	telephone?: string;
	courriel?: string;
	site_web?: string;
	horaires_accueil?: string;
	reseaux_porteurs?: string[];
	/** Contract §8: a remit proposed and not yet confirmed by a person. */
	to_confirm?: true;
}

/** A data·inclusion service as Bon Tiers writes it (schema 1.x `Service`). */
export interface DiService {
	source: string;
	id: string;
	structure_id: string;
	nom: string;
	description: string;
	date_maj: string;
	type: ServiceType;
	thematiques?: Thematique[];
	publics: Public[];
	publics_precisions?: string;
	zone_eligibilite?: string[];
	adresse?: string;
	code_postal?: string;
	commune?: string;
	code_insee?: string;
	longitude?: number;
	latitude?: number;
	telephone?: string;
	courriel?: string;
	horaires_accueil?: string;
	mobilisable_par: ['professionnels'];
	mobilisation_precisions?: string;
	bon_tiers: Partial<Pick<BonTiersRecord, ExtensionField>>;
}

/* --------------------------------------- Export --------------------------------------- */

export interface ExportInput {
	record: BonTiersRecord;
	/** The places its coverage expands to (structure_communes): the zone of a polygon coverage. */
	places: readonly string[];
	/** The day it was imported (ISO date): `date_maj` when it has no valid `updated_at`. */
	importedOn: string;
	/** Its remit is proposed, not yet confirmed by a person (contract §8). */
	toConfirm: boolean;
	/** The name of its commune, when known. */
	communeName?: string | null;
}

export interface DataInclusionExport {
	structures: DiStructure[];
	services: DiService[];
}

/** The schema's first valid `date_maj` (the models refuse earlier dates). */
export const DATE_MAJ_MIN = '2000-01-01';

/**
 * A coverage code as the schema's `zone_eligibilite` writes it: an INSEE code of a commune or
 * municipal arrondissement as is, a département by its code, an EPCI by its SIREN.
 */
export function zoneCode(code: string): string {
	if (code.startsWith('dep:')) return code.slice(4);
	if (code.startsWith('epci:')) return code.slice(5);
	return code;
}

/**
 * The schema wants 3 to 150 characters not ending with a full stop; a Bon Tiers name may be
 * longer (300) or shorter. The exact name, if changed, travels in `bon_tiers`.
 */
export function diName(name: string, fallback: string): string {
	let text = name.trim().replace(/\.+$/, '').trim();
	if (text.length < 3) text = `${text} (${fallback})`.trim();
	if (text.length > 150) text = `${text.slice(0, 149).trimEnd()}…`;
	return text;
}

/**
 * « 60 boulevard de la Blancarde, 13004 Marseille » → street, postal code, town. Single spaces
 * only, so that joining the parts back (joinAddress) gives the very same text.
 */
const POSTAL_ADDRESS = /^(.*\S), (\d{5}) (\S.*)$/;

function splitAddress(address: string | undefined) {
	if (!address) return {};
	const match = POSTAL_ADDRESS.exec(address);
	if (!match) return { adresse: address };
	return { adresse: match[1], code_postal: match[2], commune: match[3] };
}

function uniqueInOrder<T extends string>(values: Iterable<T>, order: readonly T[]): T[] {
	const set = new Set(values);
	return order.filter((v) => set.has(v));
}

/** The publics of a structure, and its rules in words (see PUBLIC_RULES). */
export function publicsOf(r: Pick<BonTiersRecord, 'age_min' | 'age_max' | 'apa' | 'handicap'>): {
	publics: Public[];
	precisions: string | null;
} {
	const publics: Public[] = [];
	if (r.handicap === 'required') publics.push('personnes-en-situation-de-handicap');
	// With a disability required, listing seniors too would open the service to every senior
	// (publics are alternatives): the age stays in the precisions.
	else if ((r.age_min !== undefined && r.age_min >= SENIOR_AGE) || r.apa === 'required')
		publics.push('seniors');
	const rules = {
		ageMin: r.age_min ?? null,
		ageMax: r.age_max ?? null
	};
	const parts = [
		rules.ageMin !== null || rules.ageMax !== null ? ageSummary(rules) : null,
		apaSummary(r.apa),
		handicapSummary(r.handicap)
	].filter((p): p is string => p !== null);
	const precisions =
		parts.length > 0 ? `${parts.join(', ').replace(/^./, (c) => c.toUpperCase())}.` : null;
	return { publics: publics.length > 0 ? publics : ['tous-publics'], precisions };
}

export function thematiquesOf(kind: KindCode, problems: readonly ProblemCode[]): Thematique[] {
	return uniqueInOrder<Thematique>(
		[...problems.flatMap((p) => PROBLEM_THEMATIQUES[p]), ...(KIND_THEMATIQUES[kind] ?? [])],
		THEMATIQUES
	);
}

/** What the service does, in French: every problem (those with no thématique included). */
function serviceDescription(r: BonTiersRecord, precisions: string | null): string {
	const levels =
		r.level_min === r.level_max
			? `« ${levelLabel(r.level_min)} »`
			: `de « ${levelLabel(r.level_min)} » à « ${levelLabel(r.level_max)} »`;
	return [
		`${kindLabel(r.kind)}.`,
		`Problèmes pris en charge : ${r.problems.map(problemLabel).join(' ; ')}.`,
		`Niveaux de complexité : ${levels}.`,
		precisions ? `Public : ${precisions}` : null,
		r.coordination ? 'Mission principale : coordination.' : null
	]
		.filter((p): p is string => p !== null)
		.join(' ');
}

const omitEmpty = <T extends object>(o: T): T =>
	Object.fromEntries(
		Object.entries(o).filter(
			([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)
		)
	) as T;

/**
 * One Bon Tiers structure as one data·inclusion structure and one service (contract §8: one
 * service per structure and remit — a structure has one remit). The service's id is the
 * structure's: unique among services, and what the import takes as the Bon Tiers id.
 * `warnings`: what could not be written as it is (a `date_maj` out of the schema's range).
 */
export function toDataInclusion(
	input: ExportInput,
	today: string
): { structure: DiStructure; service: DiService; warnings: string[] } {
	const r = input.record;
	const warnings: string[] = [];
	const importedOn = input.importedOn > today ? today : input.importedOn;
	let dateMaj = importedOn;
	if (r.updated_at) {
		if (r.updated_at >= DATE_MAJ_MIN && r.updated_at <= today) dateMaj = r.updated_at;
		else
			warnings.push(
				`${r.id} : date de mise à jour ${r.updated_at} hors de la plage du schéma (${DATE_MAJ_MIN} – ${today}), date d’import ${importedOn} écrite à la place`
			);
	}
	const kind = kindLabel(r.kind);
	const nom = diName(r.name, kind);
	const place = {
		...splitAddress(r.address),
		code_insee: r.commune,
		longitude: r.lon,
		latitude: r.lat
	};
	// The town of the postal address, else the commune's name.
	place.commune ??= input.communeName ?? undefined;
	const structure: DiStructure = omitEmpty({
		source: SOURCE,
		id: r.id,
		nom,
		date_maj: dateMaj,
		description: kind,
		...place,
		telephone: r.phone,
		courriel: r.email,
		site_web: r.website,
		horaires_accueil: r.hours,
		reseaux_porteurs: [...KIND_RESEAUX[r.kind]],
		// Read from the row by the caller (contract §8); only `true` is written.
		to_confirm: input.toConfirm ? (true as const) : undefined
	});
	const { publics, precisions } = publicsOf(r);
	const zone =
		r.coverage_geojson !== undefined || !r.coverage || r.coverage.length === 0
			? [...input.places]
			: r.coverage.map(zoneCode);
	const extension: Partial<Record<ExtensionField, unknown>> = {};
	for (const field of EXTENSION_FIELDS) {
		if (r[field] !== undefined) extension[field] = r[field];
	}
	const service: DiService = omitEmpty({
		source: SOURCE,
		id: r.id,
		structure_id: r.id,
		nom,
		description: serviceDescription(r, precisions),
		date_maj: dateMaj,
		type: serviceTypeOf(r.level_max),
		thematiques: thematiquesOf(r.kind, r.problems),
		publics,
		publics_precisions: precisions ?? undefined,
		zone_eligibilite: zone,
		...place,
		telephone: r.phone,
		courriel: r.email,
		horaires_accueil: r.hours,
		// Bon Tiers is the tool of professionals orienting a person: they can always mobilise it.
		mobilisable_par: ['professionnels'] as ['professionnels'],
		mobilisation_precisions: r.referral,
		bon_tiers: extension as DiService['bon_tiers']
	});
	return { structure, service, warnings };
}

/* --------------------------------------- Import --------------------------------------- */

/** A data·inclusion structure as read (the fields Bon Tiers uses; others are ignored). */
export interface DiStructureIn {
	id: string;
	nom: string;
	source?: string | null;
	date_maj?: string | null;
	adresse?: string | null;
	complement_adresse?: string | null;
	code_postal?: string | null;
	commune?: string | null;
	code_insee?: string | null;
	longitude?: number | null;
	latitude?: number | null;
	telephone?: string | null;
	courriel?: string | null;
	site_web?: string | null;
	horaires_accueil?: string | null;
	reseaux_porteurs?: string[] | null;
	to_confirm?: boolean | null;
}

/** A data·inclusion service as read (idem). */
export interface DiServiceIn {
	id: string;
	structure_id: string;
	nom: string;
	source?: string | null;
	date_maj?: string | null;
	type?: string | null;
	thematiques?: string[] | null;
	publics?: string[] | null;
	zone_eligibilite?: string[] | null;
	adresse?: string | null;
	complement_adresse?: string | null;
	code_postal?: string | null;
	commune?: string | null;
	code_insee?: string | null;
	longitude?: number | null;
	latitude?: number | null;
	telephone?: string | null;
	courriel?: string | null;
	horaires_accueil?: string | null;
	lien_mobilisation?: string | null;
	mobilisation_precisions?: string | null;
	conditions_acces?: string | null;
	bon_tiers?: Record<string, unknown> | null;
}

export type DiFile = 'structures.json' | 'services.json';

/** Where a value of an import record came from: a file, a record (1-based) and a field. */
export interface DiLocation {
	file: DiFile;
	/** 1-based position in the file's array; 0 = the file as a whole. */
	record: number;
	/** The record's `id`, when it has one. */
	id?: string;
	field: string;
}

export interface DiNote extends DiLocation {
	message: string;
}

/** An import record built from a service, and where each of its fields came from. */
export interface MappedRecord {
	record: Record<string, unknown>;
	/** Bon Tiers field → its source; `id` is always there (the service). */
	origins: Record<string, DiLocation>;
}

const NATIONAL = new Set(['france', '99100']);

/**
 * A `zone_eligibilite` as coverage codes (contract §2). The whole country is every département
 * (`national`); another country has no place in Bon Tiers (a warning); a code of no known form
 * is an error naming it.
 */
export function coverageOfZone(
	zone: readonly string[],
	national: readonly string[]
): { coverage: string[]; warnings: string[]; errors: string[] } {
	const coverage = new Set<string>();
	const warnings: string[] = [];
	const errors: string[] = [];
	for (const raw of zone) {
		const code = raw.trim();
		if (NATIONAL.has(code.toLowerCase())) {
			for (const dep of national) coverage.add(`dep:${dep}`);
			warnings.push(`zone « ${code} » (toute la France) lue comme chacun des départements`);
		} else if (/^99\d{3}$/.test(code)) {
			warnings.push(`zone « ${code} » (un pays étranger) sans équivalent : ignorée`);
		} else if (/^\d{9}$/.test(code)) coverage.add(`epci:${code}`);
		else if (/^(?:\d{5}|2[AB]\d{3})$/.test(code)) coverage.add(code);
		else if (/^(?:\d{2,3}|2[AB])$/.test(code)) coverage.add(`dep:${code}`);
		else
			errors.push(
				`code « ${code} » inconnu : code INSEE de commune, de département, SIREN d’EPCI ou « france » attendu`
			);
	}
	return { coverage: [...coverage], warnings, errors };
}

/** The public rules a list of publics stands for, and what it could not say (see PUBLIC_RULES). */
export function rulesOfPublics(publics: readonly string[] | null | undefined): {
	rules: Partial<Pick<BonTiersRecord, 'age_min' | 'handicap'>>;
	warnings: string[];
} {
	const warnings: string[] = [];
	const known = new Set<string>();
	for (const p of publics ?? []) {
		if (p === 'seniors' || p === 'personnes-en-situation-de-handicap' || p === 'tous-publics')
			known.add(p);
		else
			warnings.push(
				`public « ${p} » sans équivalent dans Bon Tiers : ignoré (le service est importé sans cette condition)`
			);
	}
	const seniors = known.has('seniors');
	const handicap = known.has('personnes-en-situation-de-handicap');
	// Publics are alternatives: seniors or disabled people is a wider public than either rule.
	if (seniors && handicap) {
		warnings.push(
			'publics « seniors » ou « personnes-en-situation-de-handicap » : l’un ou l’autre, sans équivalent ; importé sans condition de public'
		);
		return { rules: {}, warnings };
	}
	if (seniors) return { rules: { age_min: SENIOR_AGE }, warnings };
	if (handicap) return { rules: { handicap: 'required' }, warnings };
	return { rules: {}, warnings };
}

const THEMATIQUE_SET = new Set<string>(THEMATIQUES);

/** A postal address from the schema's parts: « street, complement, 13004 Marseille ». */
function joinAddress(p: {
	adresse?: string | null;
	complement_adresse?: string | null;
	code_postal?: string | null;
	commune?: string | null;
}): string | undefined {
	// The town only with its postal code: without one, `commune` may be the name of the commune
	// the export added (« Marseille 4e Arrondissement »), not part of the postal address.
	const town =
		p.adresse && p.code_postal ? [p.code_postal, p.commune].filter(Boolean).join(' ') : null;
	const parts = [p.adresse, p.complement_adresse, town].filter(
		(v): v is string => typeof v === 'string' && v.trim() !== ''
	);
	return parts.length > 0 ? parts.join(', ') : undefined;
}

/**
 * data·inclusion structures and services as records of the import format, for the one import.
 *
 * **One Bon Tiers structure per service**, its id the service's. A Bon Tiers structure has one
 * remit — problems, levels, public and coverage that hold together — and the engine recommends a
 * structure for all of it. Merging the services of a structure would make it take every problem
 * of any of them, for the widest public, everywhere any of them goes: a service for young
 * people in one commune would make the whole structure recommended for everyone everywhere.
 * Per service, each keeps its own remit; its name says both (« structure — service »), its
 * contact falls back on the structure's. The id is the service's so that it stays the same when
 * the producer adds a service, and Bon Tiers' own exports (service id = structure id) come back
 * under their ids.
 *
 * A service with a valid-looking `bon_tiers` object (Bon Tiers' own export) takes its remit
 * from it as is; any other is mapped through the tables above, each gap a warning, its levels
 * proposed from its type. Errors (a service whose structure is missing, a zone code of no
 * known form…) name the file, the record and the field; the import validates the rest.
 */
export function fromDataInclusion(
	structures: readonly DiStructureIn[],
	services: readonly DiServiceIn[],
	options: { national: readonly string[] }
): { records: MappedRecord[]; warnings: DiNote[]; errors: DiNote[] } {
	const warnings: DiNote[] = [];
	const errors: DiNote[] = [];
	const structureAt = new Map<string, { s: DiStructureIn; record: number }>();
	structures.forEach((s, i) => {
		const at = { file: 'structures.json' as const, record: i + 1, id: s.id };
		const first = structureAt.get(s.id);
		if (first)
			errors.push({
				...at,
				field: 'id',
				message: `identifiant ${s.id} déjà utilisé par l’enregistrement ${first.record}`
			});
		else structureAt.set(s.id, { s, record: i + 1 });
	});
	const withServices = new Set<string>();
	const records: MappedRecord[] = [];

	services.forEach((service, i) => {
		const at = (field: string): DiLocation => ({
			file: 'services.json',
			record: i + 1,
			id: service.id,
			field
		});
		const warn = (field: string, message: string) => warnings.push({ ...at(field), message });
		const parent = structureAt.get(service.structure_id);
		if (!parent) {
			errors.push({
				...at('structure_id'),
				message: `structure ${service.structure_id} absente de structures.json`
			});
			return;
		}
		withServices.add(service.structure_id);
		const s = parent.s;
		const fromStructure = (field: string): DiLocation => ({
			file: 'structures.json',
			record: parent.record,
			id: s.id,
			field
		});
		const record: Record<string, unknown> = { id: service.id };
		const origins: Record<string, DiLocation> = { id: at('id') };
		const set = (field: string, value: unknown, origin: DiLocation) => {
			if (value === undefined || value === null || value === '') return;
			record[field] = value;
			origins[field] = origin;
		};
		/** The service's value of a field, else its structure's. */
		const either = (
			field: string,
			serviceValue: unknown,
			structureValue: unknown,
			diField: string
		) => {
			if (serviceValue !== undefined && serviceValue !== null && serviceValue !== '')
				set(field, serviceValue, at(diField));
			else set(field, structureValue, fromStructure(diField));
		};

		const extension = service.bon_tiers ?? null;
		const ext = (field: ExtensionField) => extension?.[field];
		if (extension) {
			for (const key of Object.keys(extension)) {
				if (!(EXTENSION_FIELDS as readonly string[]).includes(key)) {
					errors.push({
						...at(`bon_tiers.${key}`),
						message: 'champ inconnu de l’objet bon_tiers'
					});
				}
			}
		}

		// Identity.
		const name =
			ext('name') ??
			(service.nom.trim() === s.nom.trim() ? s.nom : `${s.nom.trim()} — ${service.nom.trim()}`);
		set('name', name, extension?.name !== undefined ? at('bon_tiers.name') : at('nom'));
		if (extension && ext('kind') !== undefined) set('kind', ext('kind'), at('bon_tiers.kind'));
		else {
			const kind = (s.reseaux_porteurs ?? []).map((r) => RESEAU_KINDS[r]).find(Boolean);
			if (!kind)
				warnings.push({
					...fromStructure('reseaux_porteurs'),
					message: `aucun réseau porteur qui dise le type de la structure : type « ${kindLabel('autre')} » proposé`
				});
			set('kind', kind ?? 'autre', fromStructure('reseaux_porteurs'));
		}

		// Where it is and how to reach it: the service's, else its structure's.
		const ownAddress = joinAddress(service);
		if (ownAddress) set('address', ownAddress, at('adresse'));
		else set('address', joinAddress(s), fromStructure('adresse'));
		either('commune', service.code_insee, s.code_insee, 'code_insee');
		if (typeof service.longitude === 'number' && typeof service.latitude === 'number') {
			set('lon', service.longitude, at('longitude'));
			set('lat', service.latitude, at('latitude'));
		} else if (typeof s.longitude === 'number' && typeof s.latitude === 'number') {
			set('lon', s.longitude, fromStructure('longitude'));
			set('lat', s.latitude, fromStructure('latitude'));
		}
		either('phone', service.telephone, s.telephone, 'telephone');
		either('email', service.courriel, s.courriel, 'courriel');
		set('website', s.site_web, fromStructure('site_web'));
		either('hours', service.horaires_accueil, s.horaires_accueil, 'horaires_accueil');
		const referral = [
			service.mobilisation_precisions,
			service.conditions_acces ? `Conditions d’accès : ${service.conditions_acces}` : null,
			service.lien_mobilisation
		]
			.filter((v): v is string => typeof v === 'string' && v.trim() !== '')
			.join('\n');
		set('referral', referral, at('mobilisation_precisions'));

		if (extension) {
			// Bon Tiers' own export: the remit as it was, fields absent there absent here.
			for (const field of EXTENSION_FIELDS) {
				if (field === 'name' || field === 'kind') continue;
				set(field, ext(field), at(`bon_tiers.${field}`));
			}
			if (ext('coverage') === undefined && ext('coverage_geojson') === undefined) {
				errors.push({
					...at('bon_tiers.coverage'),
					message: 'ni coverage ni coverage_geojson : la couverture manque'
				});
			}
		} else {
			const problems = new Set<ProblemCode>();
			for (const t of service.thematiques ?? []) {
				const mapped = THEMATIQUE_SET.has(t) ? THEMATIQUE_PROBLEMS[t as Thematique] : null;
				if (mapped === null)
					warn('thematiques', `thématique « ${t} » inconnue du schéma 1.0.8 : ignorée`);
				else if (mapped.length === 0)
					warn('thematiques', `thématique « ${t} » sans équivalent dans Bon Tiers : ignorée`);
				for (const p of mapped ?? []) problems.add(p);
			}
			if (problems.size === 0) {
				warn(
					'thematiques',
					'aucune thématique du champ de Bon Tiers (autonomie, handicap, social, santé) : service non importé'
				);
				return;
			}
			set(
				'problems',
				uniqueInOrder(problems, Object.keys(PROBLEM_THEMATIQUES) as ProblemCode[]),
				at('thematiques')
			);
			const type = service.type ?? null;
			const levels =
				type !== null && type in TYPE_LEVELS ? TYPE_LEVELS[type as ServiceType] : DEFAULT_LEVELS;
			set('level_min', levels[0], at('type'));
			set('level_max', levels[1], at('type'));
			warn(
				'type',
				`niveaux de complexité sans équivalent data·inclusion : ${levels[0] === levels[1] ? `« ${levelLabel(levels[0])} »` : `de « ${levelLabel(levels[0])} » à « ${levelLabel(levels[1])} »`} proposé${type ? ` d’après le type « ${type} »` : ''}, à confirmer`
			);
			const { rules, warnings: publicWarnings } = rulesOfPublics(service.publics);
			for (const message of publicWarnings) warn('publics', message);
			set('age_min', rules.age_min, at('publics'));
			set('handicap', rules.handicap, at('publics'));
			if (rules.age_min !== undefined)
				warn('publics', `public « seniors » lu comme ${SENIOR_AGE} ans et plus`);

			const zone = service.zone_eligibilite ?? [];
			if (zone.length > 0) {
				const read = coverageOfZone(zone, options.national);
				for (const message of read.warnings) warn('zone_eligibilite', message);
				for (const message of read.errors) errors.push({ ...at('zone_eligibilite'), message });
				set('coverage', read.coverage, at('zone_eligibilite'));
				if (read.coverage.length === 0 && read.errors.length === 0)
					errors.push({
						...at('zone_eligibilite'),
						message: 'aucun lieu de France : la couverture manque'
					});
			} else {
				const commune = (record.commune as string | undefined) ?? null;
				if (commune) {
					warn(
						'zone_eligibilite',
						`pas de zone d’éligibilité : la commune de la structure (${commune}) est prise pour couverture`
					);
					set('coverage', [commune], origins.commune as DiLocation);
				} else
					errors.push({
						...at('zone_eligibilite'),
						message: 'ni zone d’éligibilité ni commune : la couverture manque'
					});
			}
			// A service on file since then: its date_maj is the date of its last check.
			either('updated_at', service.date_maj, s.date_maj, 'date_maj');
		}
		// The flag travels (contract §8); a remit read without `bon_tiers` — another producer's,
		// mapped from thématiques and publics — is a proposal until a person confirms it.
		set(
			'to_confirm',
			!extension || s.to_confirm === true || undefined,
			fromStructure('to_confirm')
		);
		records.push({ record, origins });
	});

	structures.forEach((s, i) => {
		if (!withServices.has(s.id) && structureAt.get(s.id)?.record === i + 1)
			warnings.push({
				file: 'structures.json',
				record: i + 1,
				id: s.id,
				field: 'id',
				message: 'aucun service dans services.json : structure non importée'
			});
	});
	return { records, warnings, errors };
}
