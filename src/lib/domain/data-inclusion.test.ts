import fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dataInclusionProblems, schemaFile } from '../../../tests/helpers/data-inclusion-schema';
import {
	KIND_RESEAUX,
	KIND_THEMATIQUES,
	PROBLEM_THEMATIQUES,
	PUBLIC_RULES,
	PUBLICS,
	RESEAU_KINDS,
	SERVICE_TYPES,
	THEMATIQUE_PROBLEMS,
	THEMATIQUES,
	TYPE_LEVELS,
	coverageOfZone,
	diName,
	fromDataInclusion,
	publicsOf,
	rulesOfPublics,
	toDataInclusion,
	type BonTiersRecord,
	type DiServiceIn,
	type DiStructureIn,
	type Thematique
} from './data-inclusion';
import {
	APA_CODES,
	HANDICAP_CODES,
	KIND_CODES,
	LEVEL_CODES,
	MODE_CODES,
	PROBLEM_CODES
} from './taxonomy';

const TODAY = '2026-12-02';
const service = schemaFile('service');
const structure = schemaFile('structure');

describe('the mapping tables', () => {
	it('list the enums of the schema v1.0.8 as the fixture has them', () => {
		expect([...THEMATIQUES]).toEqual(service.$defs.Thematique?.enum);
		expect([...PUBLICS]).toEqual(service.$defs.Public?.enum);
		expect([...SERVICE_TYPES]).toEqual(service.$defs.TypeService?.enum);
		const reseaux = new Set(structure.$defs.ReseauPorteur?.enum);
		const used = [...Object.values(KIND_RESEAUX).flat(), ...Object.keys(RESEAU_KINDS)];
		expect(used.filter((r) => !reseaux.has(r))).toEqual([]);
	});

	it('say something of every value of both sides: a counterpart, or a gap', () => {
		expect(Object.keys(PROBLEM_THEMATIQUES).sort()).toEqual([...PROBLEM_CODES].sort());
		expect(Object.keys(THEMATIQUE_PROBLEMS).sort()).toEqual([...THEMATIQUES].sort());
		expect(Object.keys(KIND_RESEAUX).sort()).toEqual([...KIND_CODES].sort());
		expect(Object.keys(PUBLIC_RULES).sort()).toEqual([...PUBLICS].sort());
		expect(Object.keys(TYPE_LEVELS).sort()).toEqual([...SERVICE_TYPES].sort());
		// The gaps are real: some problems and most thématiques have no counterpart.
		expect(Object.values(PROBLEM_THEMATIQUES).some((t) => t.length === 0)).toBe(true);
		expect(Object.values(THEMATIQUE_PROBLEMS).filter((p) => p.length === 0).length).toBeGreaterThan(
			40
		);
	});

	it('never import a problem the export would not have written for it', () => {
		// An import reads a thématique as a problem only when exporting that problem (or a kind)
		// writes that thématique: an export read back without `bon_tiers` never gains a problem.
		const kindThematiques = new Set(Object.values(KIND_THEMATIQUES).flat());
		for (const [t, problems] of Object.entries(THEMATIQUE_PROBLEMS)) {
			for (const p of problems) {
				const written =
					(PROBLEM_THEMATIQUES[p] as readonly string[]).includes(t) ||
					kindThematiques.has(t as Thematique);
				expect(written, `${t} → ${p}`).toBe(true);
			}
		}
		for (const [reseau, kind] of Object.entries(RESEAU_KINDS)) {
			expect(KIND_RESEAUX[kind] as readonly string[], reseau).toContain(reseau);
		}
	});
});

describe('the public', () => {
	it('names the public that defines the service, never tous-publics with another', () => {
		expect(publicsOf({ apa: 'any', handicap: 'any' }).publics).toEqual(['tous-publics']);
		expect(publicsOf({ age_min: 60, apa: 'any', handicap: 'any' })).toEqual({
			publics: ['seniors'],
			precisions: '60 ans et plus.'
		});
		expect(publicsOf({ age_min: 18, apa: 'required', handicap: 'any' }).publics).toEqual([
			'seniors'
		]);
		// Publics are alternatives: disabled people aged 20 to 59 are not « seniors or disabled ».
		expect(publicsOf({ age_min: 20, age_max: 59, apa: 'any', handicap: 'required' })).toEqual({
			publics: ['personnes-en-situation-de-handicap'],
			precisions: 'De 20 à 59 ans, handicap reconnu (notification MDPH) uniquement.'
		});
	});

	it('reads back the publics it knows, and warns about the others', () => {
		expect(rulesOfPublics(['seniors'])).toEqual({ rules: { age_min: 60 }, warnings: [] });
		expect(rulesOfPublics(['personnes-en-situation-de-handicap']).rules).toEqual({
			handicap: 'required'
		});
		expect(rulesOfPublics(['tous-publics'])).toEqual({ rules: {}, warnings: [] });
		const either = rulesOfPublics(['seniors', 'personnes-en-situation-de-handicap', 'femmes']);
		expect(either.rules).toEqual({});
		expect(either.warnings).toHaveLength(2);
		expect(either.warnings[0]).toMatch(/femmes.*sans équivalent/);
	});
});

describe('zones and names', () => {
	it('turns coverage codes into the schema’s codes and back', () => {
		const national = ['13', '2A', '974'];
		expect(coverageOfZone(['13204', '13', '200054807', '2A004', '974'], national)).toEqual({
			coverage: ['13204', 'dep:13', 'epci:200054807', '2A004', 'dep:974'],
			warnings: [],
			errors: []
		});
		const france = coverageOfZone(['france', '99134'], national);
		expect(france.coverage).toEqual(['dep:13', 'dep:2A', 'dep:974']);
		expect(france.warnings).toHaveLength(2);
		expect(coverageOfZone(['Marseille'], national).errors[0]).toMatch(/« Marseille » inconnu/);
	});

	it('writes a name the schema accepts: 3 to 150 characters, no final full stop', () => {
		expect(diName('CCAS.', 'Autre')).toBe('CCAS');
		expect(diName('A', 'Autre')).toBe('A (Autre)');
		const long = diName('x'.repeat(300), 'Autre');
		expect(long).toHaveLength(150);
		expect(long.endsWith('…')).toBe(true);
	});
});

/* A record of the import format as the import writes it back (its output: defaults filled). */
const recordArb: fc.Arbitrary<BonTiersRecord> = fc
	.record(
		{
			id: fc.stringMatching(/^[a-z][a-z0-9:._-]{0,30}$/),
			name: fc.string({ minLength: 1, maxLength: 300 }).filter((s) => s.trim() === s && s !== ''),
			kind: fc.constantFrom(...KIND_CODES),
			finess: fc.stringMatching(/^13[0-9]{7}$/),
			address: fc.constantFrom(
				'60 boulevard de la Blancarde, 13004 Marseille',
				'Hôpital, bâtiment B, 13005 Marseille',
				'Lieu-dit sans code postal'
			),
			place: fc.constantFrom(
				{ commune: '13204', lon: 5.4, lat: 43.3 },
				{ commune: '13212', lon: 5.46, lat: 43.31 }
			),
			coverage: fc.subarray(['13204', '13212', '13055', 'dep:13', 'epci:200054807'], {
				minLength: 1
			}),
			polygon: fc.boolean(),
			problems: fc.shuffledSubarray([...PROBLEM_CODES], { minLength: 1 }),
			levels: fc
				.tuple(fc.constantFrom(...LEVEL_CODES), fc.constantFrom(...LEVEL_CODES))
				.map(([a, b]) =>
					LEVEL_CODES.indexOf(a) <= LEVEL_CODES.indexOf(b) ? ([a, b] as const) : ([b, a] as const)
				),
			mode: fc.constantFrom(...MODE_CODES),
			coordination: fc.boolean(),
			age_min: fc.integer({ min: 0, max: 90 }),
			age_max: fc.integer({ min: 91, max: 130 }),
			apa: fc.constantFrom(...APA_CODES),
			handicap: fc.constantFrom(...HANDICAP_CODES),
			caseload_max: fc.integer({ min: 0, max: 1000 }),
			caseload_current: fc.integer({ min: 0, max: 1000 }),
			phone: fc.constantFrom('04 91 00 00 00', '+33491000000'),
			email: fc.constantFrom('accueil@example.org', 'a.b@c.fr'),
			website: fc.constantFrom('https://example.org/s', 'http://example.fr'),
			hours: fc.constantFrom('Mo-Fr 09:00-17:00', '24/7'),
			referral: fc
				.string({ minLength: 1, maxLength: 80 })
				.filter((s) => s.trim() === s && s !== ''),
			updated_at: fc.constantFrom('2019-01-22', '2026-12-02', '1999-12-31', '2027-01-01')
		},
		{
			requiredKeys: [
				'id',
				'name',
				'kind',
				'coverage',
				'polygon',
				'problems',
				'levels',
				'apa',
				'handicap'
			]
		}
	)
	.map(({ place, polygon, levels, coverage, ...r }) => {
		const record: BonTiersRecord = {
			...r,
			...(place ?? {}),
			level_min: levels[0],
			level_max: levels[1],
			...(polygon
				? {
						coverage_geojson: {
							type: 'Polygon',
							coordinates: [
								[
									[5.4, 43.3],
									[5.41, 43.3],
									[5.41, 43.31],
									[5.4, 43.3]
								]
							]
						}
					}
				: { coverage })
		};
		return record;
	});

function exportOf(record: BonTiersRecord) {
	return toDataInclusion(
		{
			record,
			places: ['13204', '13212'],
			importedOn: '2025-06-30',
			toConfirm: false,
			communeName: 'Marseille 4e Arrondissement'
		},
		TODAY
	);
}

describe('export', () => {
	it('writes records valid against the schema files and its two other rules', () => {
		fc.assert(
			fc.property(recordArb, (record) => {
				const { structure, service } = exportOf(record);
				expect(dataInclusionProblems('structure', [structure], TODAY)).toEqual([]);
				expect(dataInclusionProblems('service', [service], TODAY)).toEqual([]);
				expect(structure.source).toBe('bon-tiers');
				expect(structure.id).toBe(record.id);
				expect(service.structure_id).toBe(record.id);
			}),
			{ numRuns: 300 }
		);
	});

	it('dates a record by its verification, else by its import when that is out of range', () => {
		const base: BonTiersRecord = {
			id: 'x',
			name: 'Structure',
			kind: 'ccas',
			coverage: ['13204'],
			problems: ['droits'],
			level_min: 'information',
			level_max: 'simple',
			apa: 'any',
			handicap: 'any'
		};
		expect(exportOf({ ...base, updated_at: '2024-03-01' }).service.date_maj).toBe('2024-03-01');
		expect(exportOf(base).structure.date_maj).toBe('2025-06-30');
		const future = exportOf({ ...base, updated_at: '2030-01-01' });
		expect(future.service.date_maj).toBe('2025-06-30');
		expect(future.warnings[0]).toMatch(/2030-01-01 hors de la plage/);
		// The bon_tiers object keeps the verification date as it was.
		expect(future.service.bon_tiers.updated_at).toBe('2030-01-01');
	});

	it('maps problems, kinds and coverage through the tables, gaps left out', () => {
		const { structure, service } = exportOf({
			id: 'demo:ccas',
			name: 'CCAS de Marseille.',
			kind: 'ccas',
			address: '8 place des Chartreux, 13004 Marseille',
			commune: '13204',
			coverage: ['13204', 'dep:13', 'epci:200054807'],
			problems: ['droits', 'maintien_domicile'],
			level_min: 'information',
			level_max: 'information',
			age_min: 60,
			apa: 'any',
			handicap: 'any'
		});
		expect(structure).toMatchObject({
			nom: 'CCAS de Marseille',
			adresse: '8 place des Chartreux',
			code_postal: '13004',
			commune: 'Marseille',
			code_insee: '13204',
			reseaux_porteurs: ['ccas-cias']
		});
		expect(structure.to_confirm).toBeUndefined();
		expect(service).toMatchObject({
			type: 'information',
			thematiques: [
				'difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives',
				'difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits'
			],
			publics: ['seniors'],
			zone_eligibilite: ['13204', '13', '200054807']
		});
		// The gap (maintien_domicile) is still said, in words.
		expect(service.description).toMatch(/Avis sur le maintien à domicile/);
		const flagged = toDataInclusion(
			{
				record: { ...service.bon_tiers, id: 'y' } as BonTiersRecord,
				places: ['13204'],
				importedOn: '2025-01-01',
				toConfirm: true
			},
			TODAY
		);
		expect(flagged.structure.to_confirm).toBe(true);
	});
});

describe('import', () => {
	it('reads Bon Tiers’ own export back exactly', () => {
		fc.assert(
			fc.property(fc.uniqueArray(recordArb, { selector: (r) => r.id, maxLength: 5 }), (records) => {
				const exported = records.map(exportOf);
				const { records: back, errors } = fromDataInclusion(
					exported.map((e) => e.structure),
					exported.map((e) => e.service),
					{ national: ['13'] }
				);
				expect(errors).toEqual([]);
				expect(back.map((b) => b.record)).toEqual(records);
			}),
			{ numRuns: 300 }
		);
	});

	const structureIn = (over: Partial<DiStructureIn> = {}): DiStructureIn => ({
		id: 'dora--s1',
		nom: 'Centre social des Chartreux',
		adresse: '3 rue X',
		code_postal: '13004',
		commune: 'Marseille',
		code_insee: '13204',
		...over
	});
	const serviceIn = (over: Partial<DiServiceIn> = {}): DiServiceIn => ({
		id: 'dora--v1',
		structure_id: 'dora--s1',
		nom: 'Accès aux droits',
		type: 'accompagnement',
		thematiques: [
			'difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits'
		],
		publics: ['seniors'],
		zone_eligibilite: ['13204'],
		date_maj: '2025-02-14',
		...over
	});

	it('maps another producer’s services through the tables, one structure per service, gaps warned', () => {
		const { records, warnings, errors } = fromDataInclusion(
			[structureIn({ reseaux_porteurs: ['ccas-cias'] })],
			[
				serviceIn(),
				serviceIn({
					id: 'dora--v2',
					nom: 'Numérique et aidants',
					thematiques: ['numerique--acquerir-un-equipement', 'famille--soutien-aidants'],
					publics: ['femmes'],
					zone_eligibilite: ['13']
				})
			],
			{ national: ['13'] }
		);
		expect(errors).toEqual([]);
		expect(records.map((r) => r.record)).toEqual([
			{
				id: 'dora--v1',
				name: 'Centre social des Chartreux — Accès aux droits',
				kind: 'ccas',
				address: '3 rue X, 13004 Marseille',
				commune: '13204',
				coverage: ['13204'],
				problems: ['droits'],
				level_min: 'information',
				level_max: 'simple',
				age_min: 60,
				updated_at: '2025-02-14',
				// Mapped from thématiques and publics, not from a person: to confirm.
				to_confirm: true
			},
			{
				id: 'dora--v2',
				name: 'Centre social des Chartreux — Numérique et aidants',
				kind: 'ccas',
				address: '3 rue X, 13004 Marseille',
				commune: '13204',
				coverage: ['dep:13'],
				problems: ['aidants'],
				level_min: 'information',
				level_max: 'simple',
				updated_at: '2025-02-14',
				to_confirm: true
			}
		]);
		const said = warnings.map((w) => `${w.file} ${w.record} ${w.id} ${w.field} : ${w.message}`);
		expect(said).toEqual(
			expect.arrayContaining([
				expect.stringMatching(
					/^services\.json 2 dora--v2 thematiques : .*numerique--acquerir-un-equipement.*sans équivalent/
				),
				expect.stringMatching(/^services\.json 2 dora--v2 publics : .*femmes/),
				expect.stringMatching(/^services\.json 1 dora--v1 type : niveaux de complexité/),
				expect.stringMatching(/^services\.json 1 dora--v1 publics : .*seniors.*60 ans/)
			])
		);
		expect(records[0]?.origins.coverage).toEqual({
			file: 'services.json',
			record: 1,
			id: 'dora--v1',
			field: 'zone_eligibilite'
		});
	});

	it('leaves out, with a warning, a service outside the field and a structure without service', () => {
		const { records, warnings } = fromDataInclusion(
			[structureIn(), structureIn({ id: 'dora--s2' })],
			[serviceIn({ thematiques: ['trouver-un-emploi--maintien-dans-lemploi'] })],
			{ national: [] }
		);
		expect(records).toEqual([]);
		expect(warnings.map((w) => w.message)).toEqual(
			expect.arrayContaining([
				expect.stringMatching(/service non importé/),
				expect.stringMatching(/aucun service.*structure non importée/)
			])
		);
	});

	it('refuses, naming file, record and field: a missing structure, a duplicate, a bad zone, an unknown bon_tiers field', () => {
		const { errors } = fromDataInclusion(
			[structureIn(), structureIn()],
			[
				serviceIn({ structure_id: 'dora--absente' }),
				serviceIn({ id: 'dora--v3', zone_eligibilite: ['Marseille'] }),
				serviceIn({ id: 'dora--v4', bon_tiers: { problems: ['droits'], niveau: 'x' } })
			],
			{ national: [] }
		);
		expect(errors.map((e) => `${e.file} ${e.record} ${e.field}`)).toEqual([
			'structures.json 2 id',
			'services.json 1 structure_id',
			'services.json 2 zone_eligibilite',
			'services.json 3 bon_tiers.niveau',
			'services.json 3 bon_tiers.coverage'
		]);
	});
});

/** The cells of the README's tables in its « data·inclusion » section, by their first header. */
function readmeTables(): Map<string, string[][]> {
	const readme = fs.readFileSync('README.md', 'utf8');
	const start = readme.indexOf('\n## data·inclusion');
	expect(start, 'README : section « data·inclusion »').toBeGreaterThan(0);
	const end = readme.indexOf('\n## ', start + 1);
	const lines = readme.slice(start, end < 0 ? undefined : end).split('\n');
	const tables = new Map<string, string[][]>();
	let current: string[][] | null = null;
	for (const line of lines) {
		if (!line.startsWith('|')) {
			current = null;
			continue;
		}
		const cells = line
			.slice(1, -1)
			.split('|')
			.map((c) => c.trim());
		if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
		if (!current) {
			current = [];
			tables.set(cells[0] as string, current);
			continue;
		}
		current.push(cells);
	}
	return tables;
}

const codes = (list: readonly string[]) =>
	list.length === 0 ? '—' : list.map((c) => `\`${c}\``).join(', ');

describe('the README', () => {
	it('shows the module’s tables, as they are', () => {
		const tables = readmeTables();
		expect(tables.get('problem')).toEqual(
			PROBLEM_CODES.map((p) => [`\`${p}\``, codes(PROBLEM_THEMATIQUES[p])])
		);
		expect(tables.get('thématique')).toEqual(
			Object.entries(THEMATIQUE_PROBLEMS)
				.filter(([, problems]) => problems.length > 0)
				.map(([t, problems]) => [`\`${t}\``, codes(problems)])
		);
		expect(tables.get('kind')).toEqual(
			KIND_CODES.filter(
				(k) => KIND_RESEAUX[k].length > 0 || (KIND_THEMATIQUES[k]?.length ?? 0) > 0
			).map((k) => [`\`${k}\``, codes(KIND_RESEAUX[k]), codes(KIND_THEMATIQUES[k] ?? [])])
		);
		expect(tables.get('réseau porteur')).toEqual(
			Object.entries(RESEAU_KINDS).map(([r, k]) => [`\`${r}\``, `\`${k}\``])
		);
		expect(tables.get('public')).toEqual(
			Object.entries(PUBLIC_RULES).map(([p, rule]) => [`\`${p}\``, rule ?? '—'])
		);
		expect(tables.get('type')).toEqual(
			Object.entries(TYPE_LEVELS).map(([t, [min, max]]) => [
				`\`${t}\``,
				min === max ? `\`${min}\`` : `\`${min}\` – \`${max}\``
			])
		);
	});
});
