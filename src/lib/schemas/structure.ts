import {
	APA_CODES,
	HANDICAP_CODES,
	KIND_CODES,
	LEVEL_CODES,
	MODE_CODES,
	PROBLEM_CODES
} from '$lib/domain/taxonomy';
import { FINESS_SHAPE, isFinessKeyValid } from '$lib/domain/identifiers';
import { normaliseOpeningHours } from '$lib/domain/opening-hours';
import { parseFrenchPhone } from '$lib/domain/phone-parse';
import { COVERAGE_CODE, INSEE_CODE } from '$lib/geo/places';
import { firstSelfCrossing } from '$lib/geo/validity';
import { z } from './zod';

/** WGS84 position: [lon, lat]. */
const Position = z
	.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)])
	.rest(z.number());

const LinearRing = z
	.array(Position)
	.min(4, 'un anneau de polygone a au moins 4 positions')
	.refine((ring) => {
		const first = ring[0];
		const last = ring.at(-1);
		return !!first && !!last && first[0] === last[0] && first[1] === last[1];
	}, 'un anneau de polygone doit être fermé (dernière position = première)');

export const PolygonSchema = z.object({
	type: z.literal('Polygon'),
	coordinates: z.array(LinearRing).min(1)
});

export const MultiPolygonSchema = z.object({
	type: z.literal('MultiPolygon'),
	coordinates: z.array(z.array(LinearRing).min(1)).min(1)
});

export const AreaSchema = z.discriminatedUnion('type', [PolygonSchema, MultiPolygonSchema], {
	error: 'un objet GeoJSON de type Polygon ou MultiPolygon est attendu'
});

/** A GIS tool exports a drawn zone as a Feature: its geometry is the area. */
const AreaFeatureSchema = z.object({
	type: z.literal('Feature'),
	geometry: AreaSchema,
	properties: z.unknown().optional()
});

/**
 * A structure's coverage polygon (contract §2): a Polygon or MultiPolygon, or a Feature holding
 * one (kept as its geometry); refused when it crosses itself, since its inside — hence the
 * communes it covers — would then depend on who reads it.
 */
export const CoverageAreaSchema = z
	.discriminatedUnion('type', [PolygonSchema, MultiPolygonSchema, AreaFeatureSchema], {
		error: 'un objet GeoJSON de type Polygon, MultiPolygon ou Feature (polygone) est attendu'
	})
	.transform((value) => (value.type === 'Feature' ? value.geometry : value))
	.superRefine((area, ctx) => {
		const at = firstSelfCrossing(area);
		if (at) {
			ctx.addIssue({
				code: 'custom',
				message: `le polygone se recoupe lui-même (vers ${at[1].toFixed(4)} N, ${at[0].toFixed(4)} E) : redessinez-le sans croisement`
			});
		}
	});

/** A code of the contract; the error names the value received and the accepted ones. */
function code<const T extends readonly [string, ...string[]]>(codes: T, what: string) {
	return z.enum(codes, {
		error: (issue) =>
			issue.input === undefined
				? `${what} requis`
				: `${what} inconnu « ${String(issue.input)} » (codes admis : ${codes.join(', ')})`
	});
}

const optionalText = (max: number) => z.string().trim().min(1).max(max).optional();

/** A FINESS number whose key checks (contract §8); Corsica's `2a…` written as the register does. */
const Finess = z
	.string()
	.trim()
	.toUpperCase()
	.regex(FINESS_SHAPE, 'un numéro FINESS a 9 caractères (ex. 130784234)')
	.refine(
		(value) => !FINESS_SHAPE.test(value) || isFinessKeyValid(value),
		'finess : clé de contrôle incorrecte, le 9e chiffre ne correspond pas aux 8 premiers (vérifiez le numéro dans le répertoire FINESS)'
	);

// Checked, then rewritten in place (`overwrite`, not `transform`): the type stays a string, so
// the OpenAPI description generated from these schemas still says what the field holds.

/** A French phone number, stored in E.164 (`+33491234567`) whatever way it was written. */
export const PhoneSchema = z
	.string()
	.trim()
	.min(1)
	.max(50)
	.superRefine((value, ctx) => {
		// An empty value is min(1)'s to report, once.
		if (value === '') return;
		const read = parseFrenchPhone(value);
		if (read.ok) return;
		ctx.addIssue({
			code: 'custom',
			message:
				read.reason === 'foreign'
					? 'téléphone : numéro français attendu (métropole ou outre-mer), pas un numéro étranger'
					: 'téléphone : numéro français attendu (ex. 04 91 23 45 67 ou +33 4 91 23 45 67)'
		});
	})
	.overwrite((value) => {
		const read = parseFrenchPhone(value);
		return read.ok ? read.e164 : value;
	});

/** OpenStreetMap `opening_hours`, stored in the syntax's canonical form (`Mo-Fr 09:00-17:00`). */
export const OpeningHoursSchema = z
	.string()
	.trim()
	.min(1)
	.max(500)
	.refine(
		(value) => value === '' || normaliseOpeningHours(value) !== null,
		'horaires : format OpenStreetMap opening_hours attendu (ex. Mo-Fr 09:00-12:30,13:30-17:00)'
	)
	.overwrite((value) => normaliseOpeningHours(value) ?? value);

/**
 * One structure of the import format (contract §2). Strict: an unknown field is an error, so a
 * misspelt column never silently drops data.
 */
export const StructureImportSchema = z
	.strictObject({
		id: z
			.string()
			.trim()
			.min(1)
			.max(100)
			.regex(
				/^[A-Za-z0-9][A-Za-z0-9:._-]*$/,
				'lettres, chiffres et « : . _ - » seulement (l’identifiant sert dans les adresses)'
			),
		name: z.string().trim().min(1).max(300),
		kind: code(KIND_CODES, 'type'),
		finess: Finess.optional(),
		address: optionalText(500),
		commune: z.string().trim().regex(INSEE_CODE, 'code INSEE de 5 caractères attendu').optional(),
		lon: z.number().min(-180).max(180).optional(),
		lat: z.number().min(-90).max(90).optional(),
		coverage: z
			.array(
				z.string().trim().regex(COVERAGE_CODE, 'code INSEE, « dep:XX » ou « epci:SIREN » attendu')
			)
			.optional(),
		coverage_geojson: CoverageAreaSchema.optional(),
		problems: z.array(code(PROBLEM_CODES, 'problème')).min(1, 'au moins un problème est requis'),
		level_min: code(LEVEL_CODES, 'niveau'),
		level_max: code(LEVEL_CODES, 'niveau'),
		mode: code(MODE_CODES, 'mode').optional(),
		coordination: z.boolean().optional(),
		age_min: z.int().min(0).max(130).optional(),
		age_max: z.int().min(0).max(130).optional(),
		apa: code(APA_CODES, 'valeur apa').default('any'),
		handicap: code(HANDICAP_CODES, 'valeur handicap').default('any'),
		// Bounded well below PostgreSQL's `integer` (2 147 483 647): past it, a database error.
		caseload_max: z.int().min(0).max(1_000_000).optional(),
		caseload_current: z.int().min(0).max(1_000_000).optional(),
		phone: PhoneSchema.optional(),
		email: z.email().optional(),
		website: z.url({ protocol: /^https?$/ }).optional(),
		hours: OpeningHoursSchema.optional(),
		referral: optionalText(2000),
		updated_at: z.iso.date().optional(),
		// The remit was proposed (a FINESS bootstrap) and not confirmed by a person: an export
		// says so, and imports back as it was; a file that omits it confirms the remit.
		to_confirm: z.boolean().optional()
	})
	.superRefine(
		(s, ctx) => {
			// Runs even when a field failed (see `when`), so one pass lists every problem of a row:
			// each check looks only at fields that are themselves valid.
			const coverageGiven = Array.isArray(s.coverage) && s.coverage.length > 0;
			if (!coverageGiven && s.coverage_geojson === undefined) {
				ctx.addIssue({
					code: 'custom',
					path: ['coverage'],
					message: 'indiquez coverage (codes des lieux couverts) ou coverage_geojson (polygone)'
				});
			}
			const min = LEVEL_CODES.indexOf(s.level_min);
			const max = LEVEL_CODES.indexOf(s.level_max);
			if (min >= 0 && max >= 0 && min > max) {
				ctx.addIssue({
					code: 'custom',
					path: ['level_max'],
					message: `le niveau maximal (${s.level_max}) est inférieur au niveau minimal (${s.level_min})`
				});
			}
			if (typeof s.age_min === 'number' && typeof s.age_max === 'number' && s.age_min > s.age_max) {
				ctx.addIssue({
					code: 'custom',
					path: ['age_max'],
					message: `l’âge maximal (${s.age_max}) est inférieur à l’âge minimal (${s.age_min})`
				});
			}
			if ((s.lon === undefined) !== (s.lat === undefined)) {
				ctx.addIssue({
					code: 'custom',
					path: [s.lon === undefined ? 'lon' : 'lat'],
					message: 'lon et lat vont ensemble'
				});
			}
			if (Array.isArray(s.problems) && new Set(s.problems).size !== s.problems.length) {
				ctx.addIssue({ code: 'custom', path: ['problems'], message: 'problème en double' });
			}
		},
		// A row with no object at all has nothing more to check.
		{ when: (payload) => typeof payload.value === 'object' && payload.value !== null }
	);

export type StructureInput = z.input<typeof StructureImportSchema>;
export type StructureImport = z.output<typeof StructureImportSchema>;

/** The columns of the import format, in the contract's order (CSV header, exports). */
export const STRUCTURE_FIELDS = [
	'id',
	'name',
	'kind',
	'finess',
	'address',
	'commune',
	'lon',
	'lat',
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
	'phone',
	'email',
	'website',
	'hours',
	'referral',
	'updated_at',
	'to_confirm'
] as const satisfies readonly (keyof StructureImport)[];

const LIST_FIELDS = new Set(['coverage', 'problems']);
const NUMBER_FIELDS = new Set([
	'lon',
	'lat',
	'age_min',
	'age_max',
	'caseload_max',
	'caseload_current'
]);

/**
 * Turns one CSV record (all strings) into the shape of a JSON import row: empty cells are
 * absent, lists split on `|`, numbers and booleans parsed. A value that does not parse is left as
 * the string it was, so the schema reports it against its column.
 */
export function csvRecordToInput(record: Record<string, string>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [key, raw] of Object.entries(record)) {
		const value = raw.trim();
		if (value === '') continue;
		if (LIST_FIELDS.has(key)) {
			out[key] = value
				.split('|')
				.map((v) => v.trim())
				.filter((v) => v !== '');
		} else if (NUMBER_FIELDS.has(key)) {
			const n = Number(value.replace(',', '.'));
			out[key] = Number.isFinite(n) ? n : value;
		} else if (key === 'coordination' || key === 'to_confirm') {
			const v = value.toLowerCase();
			out[key] = ['true', 'oui', '1'].includes(v)
				? true
				: ['false', 'non', '0'].includes(v)
					? false
					: value;
		} else if (key === 'coverage_geojson') {
			try {
				out[key] = JSON.parse(value);
			} catch {
				out[key] = value;
			}
		} else {
			out[key] = value;
		}
	}
	return out;
}
