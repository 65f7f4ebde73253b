import {
	KIND_CODES,
	LEVEL_CODES,
	PROBLEM_CODES,
	type KindCode,
	type LevelCode,
	type ProblemCode
} from '$lib/domain/taxonomy';
import { COVERAGE_CODE } from '$lib/geo/places';
import { issuesOf, z, type Issue } from './zod';

/** At most this many changes of each sort in one scenario (a meeting tries a few, not thousands). */
export const SCENARIO_LIMIT = 500;

const structureId = z.string().trim().min(1, 'identifiant de structure attendu').max(100);

/**
 * A what-if (contract §3, `POST /territories/{id}/simulations`): structures closed, remits
 * changed (the fields given replace the structure's own), structures added in the import format
 * (validated by the import's own schema, by the service).
 */
export const SimulationInputSchema = z.strictObject({
	close: z.array(structureId).max(SCENARIO_LIMIT).default([]),
	remits: z
		.array(
			z.strictObject({
				id: structureId,
				problems: z.array(z.enum(PROBLEM_CODES)).min(1, 'au moins un problème').optional(),
				level_min: z.enum(LEVEL_CODES).optional(),
				level_max: z.enum(LEVEL_CODES).optional(),
				coverage: z
					.array(
						z
							.string()
							.trim()
							.regex(COVERAGE_CODE, 'code INSEE, « dep:XX » ou « epci:SIREN » attendu')
					)
					.min(1, 'au moins une commune')
					.optional()
			})
		)
		.max(SCENARIO_LIMIT)
		.default([]),
	add: z.array(z.unknown()).max(SCENARIO_LIMIT).default([])
});

export type SimulationInput = z.infer<typeof SimulationInputSchema>;

const status = z.enum(['gap', 'single', 'overlap']);

/** The answer of a simulation (contract §3). */
export const SimulationSchema = z.object({
	territory: z.string(),
	cells: z.array(
		z.object({
			problem: z.enum(PROBLEM_CODES),
			level: z.enum(LEVEL_CODES),
			before: status,
			after: status
		})
	),
	communes: z.array(
		z.object({ code: z.string(), gaps_before: z.number().int(), gaps_after: z.number().int() })
	),
	orientations: z.object({
		considered: z.number().int(),
		orphan_before: z.number().int(),
		orphan_after: z.number().int()
	})
});

/** Adopting a scenario: why (the concertation that agreed it) and when. */
export const AdoptionSchema = z.strictObject({
	reason: z.string().trim().min(3, 'dites pourquoi (la concertation qui l’a décidé)').max(500),
	agreed_on: z.preprocess(
		(v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
		z.iso.date().optional()
	)
});

/* ------------------------------ The page's URL (shareable) ------------------------------ */

/**
 * A scenario as the page's URL says it, one change per parameter, so a link shares it and each
 * change can be taken out by a link:
 * `fermer=ID` · `retirer=ID:problème` · `niveaux=ID:min:max` · `etendre=ID:code,code` ·
 * `nouvelle=type:problème,problème:min:max:code,code:nom`.
 */
export type ScenarioChange =
	| { type: 'fermer'; structure: string }
	| { type: 'retirer'; structure: string; problem: ProblemCode }
	| { type: 'niveaux'; structure: string; levelMin: LevelCode; levelMax: LevelCode }
	| { type: 'etendre'; structure: string; coverage: string[] }
	| {
			type: 'nouvelle';
			kind: KindCode;
			problems: ProblemCode[];
			levelMin: LevelCode;
			levelMax: LevelCode;
			coverage: string[];
			name: string;
	  };

export const SCENARIO_PARAMS = ['fermer', 'retirer', 'niveaux', 'etendre', 'nouvelle'] as const;
type ScenarioParam = (typeof SCENARIO_PARAMS)[number];

const codes = (text: string | undefined) =>
	(text ?? '')
		.split(/[\s,;]+/)
		.map((c) => c.trim())
		.filter((c) => c !== '');

/*
 * One reading of a change, for its URL parameter and for the page's form alike; the messages say
 * what to do, as beside a form field.
 */
const chosenStructure = z.string().trim().min(1, 'choisissez la structure').max(100);
const chosenLevel = (which: string) =>
	z.enum(LEVEL_CODES, { error: `choisissez le niveau ${which}` });
const chosenCoverage = z
	.array(z.string().regex(COVERAGE_CODE, 'code INSEE, « dep:XX » ou « epci:SIREN » attendu'))
	.min(1, 'choisissez au moins une commune');

const ChangeSchemas = {
	fermer: z.object({ structure: chosenStructure }),
	retirer: z.object({
		structure: chosenStructure,
		problem: z.enum(PROBLEM_CODES, { error: 'choisissez le problème' })
	}),
	niveaux: z.object({
		structure: chosenStructure,
		levelMin: chosenLevel('minimal'),
		levelMax: chosenLevel('maximal')
	}),
	etendre: z.object({ structure: chosenStructure, coverage: chosenCoverage }),
	nouvelle: z.object({
		kind: z.enum(KIND_CODES, { error: 'choisissez le type' }),
		problems: z
			.array(z.enum(PROBLEM_CODES, { error: 'problème inconnu' }))
			.min(1, 'choisissez au moins un problème'),
		levelMin: chosenLevel('minimal'),
		levelMax: chosenLevel('maximal'),
		coverage: chosenCoverage,
		name: z.string().trim().min(1, 'donnez un nom à la structure').max(300)
	})
} as const;

/** The form's names of the fields (the page's inputs are named as the import format names them). */
const FORM_PATHS: Record<string, string> = { levelMin: 'level_min', levelMax: 'level_max' };

/**
 * A change from its fields (a URL parameter's, or the page's form's): the change, or the issues
 * naming each field as the form names it (`level_max`, `problems.1`).
 */
export function parseChange(
	type: string,
	fields: Record<string, unknown>
): { change?: ScenarioChange; issues: Issue[] } {
	if (!(SCENARIO_PARAMS as readonly string[]).includes(type)) {
		return { issues: [{ path: 'type', message: 'choisissez le changement à simuler' }] };
	}
	const parsed = ChangeSchemas[type as ScenarioParam].safeParse(fields);
	if (parsed.success) return { change: { type, ...parsed.data } as ScenarioChange, issues: [] };
	return {
		issues: issuesOf(parsed.error).map((i) => {
			const [head, ...rest] = i.path.split('.');
			return { ...i, path: [FORM_PATHS[head as string] ?? head, ...rest].join('.') };
		})
	};
}

/** One URL parameter's value as its change's fields (split on « : », the name keeping its own). */
function fieldsOf(type: ScenarioParam, value: string): Record<string, unknown> {
	const parts = value.split(':');
	switch (type) {
		case 'fermer':
			return { structure: value };
		case 'retirer':
			return { structure: parts.slice(0, -1).join(':'), problem: parts.at(-1) };
		case 'niveaux':
			return {
				structure: parts.slice(0, -2).join(':'),
				levelMin: parts.at(-2),
				levelMax: parts.at(-1)
			};
		case 'etendre':
			return { structure: parts.slice(0, -1).join(':'), coverage: codes(parts.at(-1)) };
		case 'nouvelle':
			return {
				kind: parts[0],
				problems: codes(parts[1]),
				levelMin: parts[2],
				levelMax: parts[3],
				coverage: codes(parts[4]),
				name: parts.slice(5).join(':')
			};
	}
}

/** A change as its URL parameter's value (the inverse of the reading above). */
export function changeParam(change: ScenarioChange): [ScenarioParam, string] {
	switch (change.type) {
		case 'fermer':
			return ['fermer', change.structure];
		case 'retirer':
			return ['retirer', `${change.structure}:${change.problem}`];
		case 'niveaux':
			return ['niveaux', `${change.structure}:${change.levelMin}:${change.levelMax}`];
		case 'etendre':
			return ['etendre', `${change.structure}:${change.coverage.join(',')}`];
		case 'nouvelle':
			return [
				'nouvelle',
				[
					change.kind,
					change.problems.join(','),
					change.levelMin,
					change.levelMax,
					change.coverage.join(','),
					change.name
				].join(':')
			];
	}
}

/**
 * The changes of the URL, in their order; a parameter that does not read is listed (named by its
 * parameter and position) and left out, as the chart does with its filters.
 */
export function readScenarioQuery(params: URLSearchParams): {
	changes: ScenarioChange[];
	invalid: Issue[];
} {
	const changes: ScenarioChange[] = [];
	const invalid: Issue[] = [];
	let position = 0;
	for (const [key, value] of params) {
		if (!(SCENARIO_PARAMS as readonly string[]).includes(key)) continue;
		const type = key as ScenarioParam;
		position++;
		if (position > SCENARIO_LIMIT) {
			invalid.push({ path: key, message: `au plus ${SCENARIO_LIMIT} changements` });
			break;
		}
		const { change, issues } = parseChange(type, fieldsOf(type, value));
		if (change) changes.push(change);
		else
			invalid.push({ path: `${key} (${value})`, message: issues.map((i) => i.message).join(', ') });
	}
	return { changes, invalid };
}
