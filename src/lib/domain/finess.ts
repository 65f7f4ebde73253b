import type { ApaRule, HandicapRule, KindCode, LevelCode, ModeCode, ProblemCode } from './taxonomy';

/**
 * Bootstrapping a territory from FINESS, the national register of health and social
 * establishments (contract §8). The register says what an establishment is (its category),
 * where it stands and how to call it — never whom it takes, for which problems, nor which places
 * it serves. So each category gets a contract `kind` and a *proposed* remit, which the import
 * flags `to_confirm` until a person confirms it. Pure: the service reads the file and the places.
 */

/** A remit proposed for a category: what such establishments usually take. */
export interface ProposedRemit {
	kind: KindCode;
	problems: ProblemCode[];
	levelMin: LevelCode;
	levelMax: LevelCode;
	ageMin?: number;
	ageMax?: number;
	apa?: ApaRule;
	handicap?: HandicapRule;
	mode?: ModeCode;
	/**
	 * The places proposed as its coverage: `perimeter`, the whole perimeter imported (people come
	 * from all of it to an EHPAD or a hospital); `epci`, its commune's intercommunality (a service
	 * that goes to people's homes works around where it stands; in Paris, Lyon or Marseille, the
	 * city); `commune`, where it stands (a health centre); `department`, all of it (a mandataire).
	 */
	reach?: Reach;
}

export type Reach = 'perimeter' | 'epci' | 'commune' | 'department';

export interface FinessCategory {
	code: string;
	/** Short French label, shown in the import's counts. */
	label: string;
	/** Family the page groups categories by. */
	group: 'personnes_agees' | 'handicap_adultes' | 'handicap_enfants' | 'sante' | 'social';
	remit: ProposedRemit;
}

const PA = { ageMin: 60 } as const;
const ADULTS_PH = { ageMin: 20, ageMax: 59, handicap: 'required' } as const;
const CHILDREN_PH = { ageMax: 20, handicap: 'required' } as const;

const hospital = (label: string, code: string): FinessCategory => ({
	code,
	label,
	group: 'sante',
	remit: { kind: 'hopital', problems: ['medical'], levelMin: 'simple', levelMax: 'complexe' }
});
const psychiatry = (label: string, code: string, kind: KindCode = 'cmp'): FinessCategory => ({
	code,
	label,
	group: 'sante',
	remit: {
		kind,
		problems: ['sante_mentale', 'psycho_comportemental'],
		levelMin: 'simple',
		levelMax: 'complexe',
		ageMin: 18
	}
});
const adultHousing = (label: string, code: string): FinessCategory => ({
	code,
	label,
	group: 'handicap_adultes',
	remit: {
		kind: 'esms_handicap',
		problems: ['entree_etablissement'],
		levelMin: 'simple',
		levelMax: 'coordonnee',
		ageMin: 20,
		handicap: 'required'
	}
});
const childService = (
	label: string,
	code: string,
	problems: ProblemCode[] = ['perte_autonomie']
): FinessCategory => ({
	code,
	label,
	group: 'handicap_enfants',
	remit: {
		kind: 'autre',
		problems,
		levelMin: 'simple',
		levelMax: 'coordonnee',
		...CHILDREN_PH,
		mode: 'sur_mesure'
	}
});
const work = (label: string, code: string): FinessCategory => ({
	code,
	label,
	group: 'handicap_adultes',
	remit: {
		kind: 'autre',
		problems: ['gestion_courante'],
		levelMin: 'simple',
		levelMax: 'simple',
		...ADULTS_PH
	}
});

/**
 * The categories a territory's coordination deals with (the 72 of the shipped
 * `finess-categories.csv`: older people, adults and children with disabilities, health, social
 * protection), each with its kind and proposed remit. Any other category of the register
 * (pharmacies, crèches, schools…) is not brought in. Kinds follow the file's `product_role`;
 * where it says « autre » for a disability service, the remit says whom it takes.
 */
export const FINESS_CATEGORIES: readonly FinessCategory[] = [
	// Older people.
	{
		code: '500',
		label: 'EHPAD',
		group: 'personnes_agees',
		remit: {
			kind: 'ehpad',
			problems: ['entree_etablissement'],
			levelMin: 'simple',
			levelMax: 'coordonnee',
			...PA
		}
	},
	...['501', '502'].map((code): FinessCategory => ({
		code,
		label: 'EHPA (hébergement pour personnes âgées)',
		group: 'personnes_agees',
		remit: {
			kind: 'ehpad',
			problems: ['entree_etablissement'],
			levelMin: 'simple',
			levelMax: 'simple',
			...PA
		}
	})),
	{
		code: '202',
		label: 'Résidence autonomie',
		group: 'personnes_agees',
		remit: {
			kind: 'ehpad',
			problems: ['entree_etablissement', 'logement'],
			levelMin: 'simple',
			levelMax: 'simple',
			...PA
		}
	},
	{
		code: '381',
		label: 'Établissement expérimental pour personnes âgées',
		group: 'personnes_agees',
		remit: {
			kind: 'autre',
			problems: ['perte_autonomie'],
			levelMin: 'simple',
			levelMax: 'coordonnee',
			...PA
		}
	},
	{
		code: '207',
		label: 'Accueil de jour pour personnes âgées',
		group: 'personnes_agees',
		remit: {
			kind: 'accueil_jour',
			problems: ['troubles_cognitifs', 'aidants'],
			levelMin: 'simple',
			levelMax: 'coordonnee',
			...PA
		}
	},
	{
		code: '354',
		label: 'SSIAD',
		group: 'personnes_agees',
		remit: {
			kind: 'ssiad',
			problems: ['soins_domicile', 'perte_autonomie'],
			levelMin: 'simple',
			levelMax: 'coordonnee',
			...PA
		}
	},
	{
		code: '460',
		label: 'SAAD / service autonomie aide',
		group: 'personnes_agees',
		remit: {
			kind: 'saad',
			problems: ['aides_domicile', 'perte_autonomie', 'gestion_courante'],
			levelMin: 'simple',
			levelMax: 'coordonnee',
			...PA
		}
	},
	{
		code: '209',
		label: 'SPASAD / service autonomie aide et soins',
		group: 'personnes_agees',
		remit: {
			kind: 'saad',
			problems: ['aides_domicile', 'soins_domicile', 'perte_autonomie'],
			levelMin: 'simple',
			levelMax: 'coordonnee',
			...PA
		}
	},
	{
		code: '463',
		label: 'CLIC',
		group: 'personnes_agees',
		remit: {
			kind: 'clic',
			problems: ['droits', 'aides_domicile', 'perte_autonomie', 'aidants', 'entree_etablissement'],
			levelMin: 'information',
			levelMax: 'coordonnee',
			...PA
		}
	},
	{
		code: '362',
		label: 'USLD (soins de longue durée)',
		group: 'personnes_agees',
		remit: {
			kind: 'hopital',
			problems: ['entree_etablissement', 'medical'],
			levelMin: 'coordonnee',
			levelMax: 'complexe',
			...PA
		}
	},
	// Health.
	hospital('Centre hospitalier régional', '101'),
	hospital('Centre hospitalier (ex-hôpital local)', '106'),
	hospital('Centre hospitalier', '355'),
	hospital('Établissement de soins pluridisciplinaire', '365'),
	hospital('Hôpital des armées', '114'),
	hospital('Soins de suite et de réadaptation', '109'),
	hospital('Établissement de soins chirurgicaux', '128'),
	hospital('Établissement de soins médicaux', '129'),
	hospital('Centre de lutte contre le cancer', '131'),
	hospital('Établissement de soins obstétriques', '122'),
	{
		code: '127',
		label: 'Hospitalisation à domicile',
		group: 'sante',
		remit: {
			kind: 'had',
			problems: ['soins_domicile', 'medical'],
			levelMin: 'coordonnee',
			levelMax: 'complexe'
		}
	},
	...['124', '603'].map((code): FinessCategory => ({
		code,
		label: code === '124' ? 'Centre de santé' : 'Maison de santé',
		group: 'sante',
		remit: { kind: 'medecin', problems: ['medical'], levelMin: 'simple', levelMax: 'coordonnee' }
	})),
	{
		code: '604',
		label: 'CPTS',
		group: 'sante',
		remit: { kind: 'autre', problems: ['medical'], levelMin: 'information', levelMax: 'simple' }
	},
	{
		code: '606',
		label: 'DAC (dispositif d’appui à la coordination)',
		group: 'sante',
		remit: {
			kind: 'dac',
			problems: ['perte_autonomie', 'maintien_domicile', 'medical'],
			levelMin: 'information',
			levelMax: 'coordonnee'
		}
	},
	psychiatry('Centre médico-psychologique (CMP)', '156'),
	psychiatry('CATTP', '425'),
	psychiatry('Centre hospitalier spécialisé (psychiatrie)', '292', 'hopital'),
	psychiatry('Maison de santé pour maladies mentales', '161', 'hopital'),
	psychiatry('Atelier thérapeutique', '366'),
	psychiatry('Appartement thérapeutique', '412'),
	psychiatry('Centre de postcure (santé mentale)', '430'),
	psychiatry('Centre de crise', '444'),
	// Social protection.
	{
		code: '340',
		label: 'Mandataire judiciaire (MJPM)',
		group: 'social',
		remit: {
			kind: 'mjpm',
			problems: ['protection_juridique'],
			levelMin: 'simple',
			levelMax: 'complexe',
			reach: 'department'
		}
	},
	{
		code: '341',
		label: 'Accompagnement social personnalisé (MASP)',
		group: 'social',
		remit: {
			kind: 'autre',
			problems: ['finances', 'gestion_courante'],
			levelMin: 'simple',
			levelMax: 'coordonnee',
			reach: 'department'
		}
	},
	{
		code: '342',
		label: 'Soutien aux tuteurs familiaux',
		group: 'social',
		remit: {
			kind: 'autre',
			problems: ['protection_juridique', 'aidants'],
			levelMin: 'information',
			levelMax: 'simple',
			reach: 'department'
		}
	},
	{
		code: '640',
		label: 'Aide à domicile aux familles (SAADF)',
		group: 'social',
		remit: {
			kind: 'saad',
			problems: ['aides_domicile', 'aidants'],
			levelMin: 'simple',
			levelMax: 'simple'
		}
	},
	{
		code: '705',
		label: 'Groupe d’entraide mutuelle (GEM)',
		group: 'social',
		remit: {
			kind: 'association',
			problems: ['sante_mentale'],
			levelMin: 'information',
			levelMax: 'simple',
			ageMin: 18
		}
	},
	{
		code: '609',
		label: 'MDPH',
		group: 'handicap_adultes',
		remit: {
			kind: 'mdph',
			problems: ['droits'],
			levelMin: 'information',
			levelMax: 'coordonnee',
			reach: 'department'
		}
	},
	// Adults with disabilities.
	adultHousing('Maison d’accueil spécialisée (MAS)', '255'),
	adultHousing('Foyer d’accueil médicalisé (FAM)', '437'),
	adultHousing('Établissement d’accueil médicalisé (EAM)', '448'),
	adultHousing('Établissement d’accueil non médicalisé (EANM)', '449'),
	adultHousing('Foyer de vie', '382'),
	adultHousing('Foyer d’hébergement', '252'),
	adultHousing('Foyer d’accueil polyvalent', '253'),
	adultHousing('Accueil temporaire pour adultes handicapés', '395'),
	adultHousing('Établissement expérimental pour adultes handicapés', '379'),
	adultHousing('Établissement expérimental pour personnes handicapées', '370'),
	{
		code: '445',
		label: 'SAMSAH',
		group: 'handicap_adultes',
		remit: {
			kind: 'samsah',
			problems: ['gestion_courante', 'perte_autonomie', 'soins_domicile'],
			levelMin: 'simple',
			levelMax: 'coordonnee',
			...ADULTS_PH,
			mode: 'sur_mesure'
		}
	},
	{
		code: '446',
		label: 'SAVS',
		group: 'handicap_adultes',
		remit: {
			kind: 'savs',
			problems: ['droits', 'gestion_courante', 'logement'],
			levelMin: 'simple',
			levelMax: 'coordonnee',
			...ADULTS_PH,
			mode: 'sur_mesure'
		}
	},
	work('ESAT', '246'),
	work('Préorientation professionnelle', '198'),
	work('Réadaptation professionnelle', '249'),
	work('UEROS', '464'),
	{
		code: '461',
		label: 'Centre de ressources (autisme, handicaps rares…)',
		group: 'handicap_adultes',
		remit: {
			kind: 'autre',
			problems: ['psycho_comportemental', 'aidants'],
			levelMin: 'information',
			levelMax: 'complexe',
			handicap: 'required',
			reach: 'department'
		}
	},
	// Children with disabilities.
	childService('SESSAD', '182', ['perte_autonomie', 'aidants']),
	childService('Institut médico-éducatif (IME)', '183', ['entree_etablissement']),
	childService('ITEP', '186', ['psycho_comportemental']),
	childService('Établissement pour enfants polyhandicapés', '188', ['entree_etablissement']),
	childService('CMPP', '189', ['psycho_comportemental', 'sante_mentale']),
	childService('CAMSP', '190', ['perte_autonomie', 'aidants']),
	childService('Institut d’éducation motrice', '192', ['entree_etablissement']),
	childService('Institut pour déficients visuels', '194', ['entree_etablissement']),
	childService('Institut pour déficients auditifs', '195', ['entree_etablissement']),
	childService('Institut d’éducation sensorielle sourd-aveugle', '196', ['entree_etablissement']),
	childService('Accueil familial spécialisé', '238', ['entree_etablissement']),
	childService('Accueil temporaire d’enfants handicapés', '390', ['aidants']),
	childService('Foyer d’hébergement pour enfants handicapés', '396', ['entree_etablissement']),
	childService('Jardin d’enfants spécialisé', '402', ['perte_autonomie']),
	childService('Établissement expérimental pour enfants handicapés', '377')
];

const BY_CODE = new Map(FINESS_CATEGORIES.map((c) => [c.code, c]));

export function finessCategory(code: string): FinessCategory | undefined {
	return BY_CODE.get(code.trim());
}

// Services that go to people's homes (SSIAD, SAAD, SPASAD, HAD, SAMSAH, SAVS, SESSAD, SAADF)
// and the CLIC and DAC, which work a sector; and the local health services.
const EPCI_REACH = new Set(['354', '460', '209', '127', '445', '446', '182', '640', '463', '606']);
const COMMUNE_REACH = new Set(['124', '603', '604', '705']);

/** The coverage a category's establishments are proposed (see ProposedRemit.reach). */
export function reachOf(category: FinessCategory): Reach {
	if (category.remit.reach) return category.remit.reach;
	if (EPCI_REACH.has(category.code)) return 'epci';
	if (COMMUNE_REACH.has(category.code)) return 'commune';
	return 'perimeter';
}

/**
 * The coverage codes proposed for an establishment standing in `place` (a commune or an
 * arrondissement): its reach, expressed as the import format's codes.
 */
export function proposedCoverage(
	category: FinessCategory,
	place: { code: string; parentCode: string | null; epci: string | null; department: string },
	perimeter: readonly string[]
): string[] {
	const local = place.parentCode ?? place.code;
	switch (reachOf(category)) {
		case 'department':
			return [`dep:${place.department}`];
		case 'commune':
			return [local];
		case 'epci':
			// Inside Paris, Lyon and Marseille the city, not its (metropolitan) intercommunality.
			return place.parentCode || !place.epci ? [local] : [`epci:${place.epci}`];
		case 'perimeter':
			return [...perimeter];
	}
}

export const FINESS_GROUPS: Record<FinessCategory['group'], string> = {
	personnes_agees: 'Personnes âgées',
	handicap_adultes: 'Adultes handicapés',
	handicap_enfants: 'Enfants handicapés',
	sante: 'Santé',
	social: 'Protection et accompagnement social'
};

/* ------------------------------------ Names ------------------------------------ */

// Acronyms the register writes in capitals and people read as such.
const ACRONYMS = new Set(
	(
		'EHPAD EHPA USLD SSIAD SAAD SPASAD SAAS SAA SAMSAH SAVS SESSAD CAMSP CMPP CMP CATTP ITEP IME ' +
		'IEM MAS FAM EAM EANM ESAT UEROS CRA CH CHU CHR CHS CHI CHRU AP HP APHM AP-HM HAD SSR SMR ' +
		'MJPM MASP CLIC CCAS CIAS CPTS MSP DAC MAIA PTA GEM MDPH UDAF ATMP ADMR UNA APF APAJH ADAPEI ' +
		'AFPEI UNAPEI ARI ADPEP PEP AMSP ASSAD SSAD SAD PA PH PAPH ALZ UHR PASA PFR CRP CRF UGA EMG ' +
		'IDE II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI SA SAS SARL SCM GIE GCS GCSMS'
	).split(' ')
);
// Small words written in lower case inside a name (not at its start). Articles keep their
// capital: they usually open a proper name (« EHPAD Le Petit Bosquet »).
const SMALL = new Set('de du des d l et à au aux en sur sous pour par chez dans'.split(' '));

/**
 * A register name as people write it: « EHPAD "" BON REPOS"" BELLEY » → « EHPAD « Bon Repos »
 * Belley ». The extract keeps doubled and stray quotes, double spaces and capitals; acronyms stay
 * in capitals, small words go lower case, the rest gets an initial capital (the register's
 * capitals carry no accents, which cannot be restored honestly, so none are added).
 */
export function cleanFinessName(raw: string): string {
	let text = raw.replace(/\s+/g, ' ').trim();
	// The extract wraps some values in quotes of their own and doubles the quotes inside them:
	// « "SERV D'AIDE DOM ""LE TEMPS DE VIVRE""" ». Unwrap, undouble, then any pair left becomes
	// French quotes and an unmatched one goes.
	if (text.startsWith('"')) text = text.slice(1, text.endsWith('"') ? -1 : undefined);
	text = text.replace(/"{2,}/g, '"');
	const quotes = (text.match(/"/g) ?? []).length;
	if (quotes >= 2 && quotes % 2 === 0) {
		let open = true;
		text = text.replace(/"/g, () => {
			const mark = open ? ' « ' : ' » ';
			open = !open;
			return mark;
		});
		text = text.replace(/«\s+/g, '« ').replace(/\s+»/g, ' »');
	} else text = text.replace(/"/g, ' ');
	text = text.replace(/\s+/g, ' ').trim();
	const isUpper = text === text.toUpperCase() && /\p{Lu}/u.test(text);
	if (!isUpper) return text;
	let first = true;
	return text
		.split(' ')
		.map((word) => {
			const out = casedWord(word, first);
			// A quoted name starts again with a capital: « Le Temps de Vivre ».
			first = word === '«' ? true : /[\p{L}\p{N}]/u.test(word) ? false : first;
			return out;
		})
		.join(' ');
}

function casedWord(word: string, first: boolean): string {
	// Split on hyphens and apostrophes, keeping them: « SAINT-JEAN », « L'ESTAQUE ».
	return word
		.split(/([-'’])/)
		.map((part, i, parts) => {
			if (part === '-' || part === "'" || part === '’') return part;
			const bare = part.replace(/[^\p{L}\p{N}]/gu, '');
			if (bare === '') return part;
			// Known acronyms, dotted initials (« A.R.F ») and vowel-less abbreviations stay capitals.
			if (
				ACRONYMS.has(bare.toUpperCase()) ||
				/^(\p{L}\.)+\p{L}?\.?$/u.test(part) ||
				(bare.length >= 2 && !/[AEIOUYÀÂÉÈÊËÎÏÔÛÙÜ0-9]/i.test(bare))
			) {
				return part.toUpperCase();
			}
			// Capitals carry no accent; a lone « A » inside a name is the preposition « à ».
			if (bare === 'A' && !(first && i === 0)) return 'à';
			// A single letter before an apostrophe (« L'ESTAQUE », « D'AZUR »): lower case inside.
			const beforeApostrophe = bare.length === 1 && (parts[i + 1] === "'" || parts[i + 1] === '’');
			const lower = part.toLowerCase();
			if (!(first && i === 0) && (SMALL.has(bare.toLowerCase()) || beforeApostrophe)) {
				return lower;
			}
			// Numbers with letters (« 2EME ») read « 2e ».
			if (/^\d+(EME|ER|E)$/i.test(bare)) return lower.replace(/eme$/, 'e');
			return lower.replace(/\p{L}/u, (c) => c.toUpperCase());
		})
		.join('');
}

/* ---------------------------------- Communes ---------------------------------- */

/**
 * The arrondissement a postal code of Paris, Lyon or Marseille stands for (75004 → 75104,
 * 69003 → 69383, 13004 → 13204), null for any other code — CEDEX codes (13326) included: those
 * name a sorting office, not where the establishment is.
 */
export function arrondissementOfPostalCode(postalCode: string): string | null {
	const code = postalCode.trim();
	let m = /^130(\d{2})$/.exec(code);
	if (m && Number(m[1]) >= 1 && Number(m[1]) <= 16) return `132${m[1]}`;
	m = /^6900(\d)$/.exec(code);
	if (m && Number(m[1]) >= 1 && Number(m[1]) <= 9) return `6938${m[1]}`;
	m = /^750(\d{2})$/.exec(code);
	if (m && Number(m[1]) >= 1 && Number(m[1]) <= 20) return `751${m[1]}`;
	if (code === '75116') return '75116';
	return null;
}

export interface CommuneLookup {
	/** The place (commune or arrondissement) a point falls in, null when no boundary holds it. */
	placeAt(lon: number, lat: number): string | null;
	/** The current communes (and arrondissements) a postal code serves. */
	communesOfPostalCode(postalCode: string): readonly { code: string; name: string }[];
}

export type CommuneMethod = 'code_postal_arrondissement' | 'position' | 'code_postal' | 'nom';

const normalName = (s: string) =>
	s
		.normalize('NFD')
		.replace(/\p{M}/gu, '')
		.toUpperCase()
		.replace(/\bCEDEX\b.*$/, '')
		.replace(/\bST\b/g, 'SAINT')
		.replace(/\bSTE\b/g, 'SAINTE')
		.replace(/[^A-Z0-9]+/g, ' ')
		.trim();

/**
 * Where an establishment stands, from what the register gives. Inside Paris, Lyon and Marseille
 * the postal code names the arrondissement and is trusted over the position (the converter's
 * points disagree with it for 4 % of Marseille's rows, near the boundaries); elsewhere the
 * position, read against the boundaries, then a postal code that serves one commune only, then
 * the name on the « ligne d'acheminement » among the communes of that postal code.
 */
export function resolveFinessCommune(
	row: { postalCode: string; town: string; lon: number | null; lat: number | null },
	lookup: CommuneLookup
): { code: string; method: CommuneMethod } | null {
	const arrondissement = arrondissementOfPostalCode(row.postalCode);
	if (arrondissement) return { code: arrondissement, method: 'code_postal_arrondissement' };
	if (row.lon !== null && row.lat !== null) {
		const at = lookup.placeAt(row.lon, row.lat);
		if (at) return { code: at, method: 'position' };
	}
	const served = lookup.communesOfPostalCode(row.postalCode);
	if (served.length === 1 && served[0]) return { code: served[0].code, method: 'code_postal' };
	const town = normalName(row.town);
	const named = served.filter((c) => normalName(c.name) === town);
	if (named.length === 1 && named[0]) return { code: named[0].code, method: 'nom' };
	return null;
}

/* ------------------------------------ Rows ------------------------------------ */

/** One establishment of a FINESS extract (the columns of the shipped CSV). */
export interface FinessRow {
	finess: string;
	name: string;
	category: string;
	categoryLabel: string;
	address: string;
	postalCode: string;
	town: string;
	phone: string;
	lon: number | null;
	lat: number | null;
	/** The record's last change in the register (not a verification). */
	updated: string | null;
}

export const FINESS_COLUMNS = [
	'finess_et',
	'raison_sociale',
	'categetab',
	'code_postal',
	'latitude',
	'longitude'
] as const;

/** A record of the CSV (header names as keys) as a FinessRow; null coordinates when blank. */
export function finessRowOf(record: Record<string, string | undefined>): FinessRow {
	const num = (v: string | undefined) => {
		const n = Number((v ?? '').trim());
		return (v ?? '').trim() === '' || !Number.isFinite(n) ? null : n;
	};
	const lat = num(record.latitude);
	const lon = num(record.longitude);
	return {
		finess: (record.finess_et ?? '').trim(),
		name: record.raison_sociale ?? '',
		category: (record.categetab ?? '').trim(),
		categoryLabel: (record.libcategetab ?? '').trim(),
		// The extract joins the address lines with « | ».
		address: (record.adresse ?? '')
			.split('|')
			.map((l) => l.replace(/\s+/g, ' ').trim())
			.filter(Boolean)
			.join(', '),
		postalCode: (record.code_postal ?? '').trim(),
		town: (record.ligne_acheminement_commune ?? '').trim(),
		phone: (record.telephone ?? '').trim(),
		lon: lat === null || lon === null ? null : lon,
		lat: lat === null || lon === null ? null : lat,
		updated: /^\d{4}-\d{2}-\d{2}$/.test((record.date_maj ?? '').trim())
			? (record.date_maj ?? '').trim()
			: null
	};
}
