import { fail, redirect } from '@sveltejs/kit';
import { KIND_CODES, LEVEL_CODES, PROBLEM_CODES } from '$lib/domain/taxonomy';
import {
	AdoptionSchema,
	SCENARIO_PARAMS,
	changeParam,
	readScenarioQuery,
	type ScenarioChange
} from '$lib/schemas/simulation';
import { issuesOf, type Issue } from '$lib/schemas/zod';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage, serviceFail } from '$lib/server/forms';
import { ServiceError } from '$lib/server/services/errors';
import { openTerritory } from '$lib/server/services/scope';
import {
	adoptScenario,
	planScenario,
	scenarioFromChanges,
	simulateScenario
} from '$lib/server/services/simulation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	orErrorPage(async () => {
		const { locals, params, url } = event;
		const caller = requestCaller(event);
		const territory = await openTerritory(locals.db, caller, params.id, 'pilot');
		const { changes, invalid } = readScenarioQuery(url.searchParams);
		const input = await scenarioFromChanges(locals.db, caller, params.id, changes);
		let refused: Issue[] = [];
		let simulation = null;
		let plan = null;
		try {
			const result = await simulateScenario(locals.db, caller, params.id, input);
			plan = await planScenario(locals.db, caller, params.id, input);
			simulation = {
				cells: result.cells,
				communes: result.communes.filter(
					(c) => c.gapsBefore !== c.gapsAfter || c.overlapsBefore !== c.overlapsAfter
				),
				orientations: result.orientations,
				names: Object.fromEntries(result.names),
				structures: result.structures
					.map((s) => ({
						id: s.id,
						name: s.name,
						problems: [...s.problems],
						levelMin: s.levelMin,
						levelMax: s.levelMax
					}))
					.sort((a, b) => a.name.localeCompare(b.name, 'fr'))
			};
		} catch (e) {
			if (!(e instanceof ServiceError) || e.kind !== 'invalid') throw e;
			refused = e.issues;
		}
		return {
			territory: { id: territory.id, name: territory.name, places: territory.places },
			changes,
			invalid,
			refused,
			simulation,
			plan,
			scenario: JSON.stringify(input),
			adopted: url.searchParams.get('adopte')
		};
	});

const text = (form: FormData, key: string) => {
	const v = form.get(key);
	return typeof v === 'string' ? v.trim() : '';
};
const list = (form: FormData, key: string) =>
	form
		.getAll(key)
		.flatMap((v) => (typeof v === 'string' ? v.split(/[\s,;]+/) : []))
		.map((v) => v.trim())
		.filter((v) => v !== '');

/** The form of one change, read as the change (its fields named as the form names them). */
function changeOf(form: FormData): { change?: ScenarioChange; issues: Issue[] } {
	const type = text(form, 'type');
	const structure = text(form, 'structure');
	const issues: Issue[] = [];
	const need = (ok: boolean, path: string, message: string) => {
		if (!ok) issues.push({ path, message });
	};
	const problem = text(form, 'problem');
	const levelMin = text(form, 'level_min');
	const levelMax = text(form, 'level_max');
	if (type !== 'nouvelle') need(structure !== '', 'structure', 'choisissez la structure');
	switch (type) {
		case 'fermer':
			return { change: { type, structure }, issues };
		case 'retirer':
			need(
				(PROBLEM_CODES as readonly string[]).includes(problem),
				'problem',
				'choisissez le problème'
			);
			return { change: { type, structure, problem: problem as never }, issues };
		case 'niveaux':
			need(
				(LEVEL_CODES as readonly string[]).includes(levelMin),
				'level_min',
				'choisissez le niveau minimal'
			);
			need(
				(LEVEL_CODES as readonly string[]).includes(levelMax),
				'level_max',
				'choisissez le niveau maximal'
			);
			need(
				LEVEL_CODES.indexOf(levelMin as never) <= LEVEL_CODES.indexOf(levelMax as never),
				'level_max',
				'le niveau maximal est inférieur au niveau minimal'
			);
			return {
				change: { type, structure, levelMin: levelMin as never, levelMax: levelMax as never },
				issues
			};
		case 'etendre': {
			const coverage = list(form, 'coverage');
			need(coverage.length > 0, 'coverage', 'choisissez au moins une commune');
			return { change: { type, structure, coverage }, issues };
		}
		case 'nouvelle': {
			const name = text(form, 'name');
			const kind = text(form, 'kind');
			const problems = list(form, 'problems');
			const coverage = list(form, 'coverage');
			need(name !== '', 'name', 'donnez un nom à la structure');
			need((KIND_CODES as readonly string[]).includes(kind), 'kind', 'choisissez le type');
			need(problems.length > 0, 'problems', 'choisissez au moins un problème');
			need(
				(LEVEL_CODES as readonly string[]).includes(levelMin),
				'level_min',
				'choisissez le niveau minimal'
			);
			need(
				(LEVEL_CODES as readonly string[]).includes(levelMax),
				'level_max',
				'choisissez le niveau maximal'
			);
			need(coverage.length > 0, 'coverage', 'choisissez au moins une commune');
			return {
				change: {
					type,
					name,
					kind: kind as never,
					problems: problems as never,
					levelMin: levelMin as never,
					levelMax: levelMax as never,
					coverage
				},
				issues
			};
		}
		default:
			return { issues: [{ path: 'type', message: 'choisissez le changement à simuler' }] };
	}
}

/** The scenario's own URL parameters, kept from the page the form was sent from. */
function scenarioParams(form: FormData): URLSearchParams {
	const kept = new URLSearchParams(text(form, 'scenario_query'));
	const out = new URLSearchParams();
	for (const [k, v] of kept)
		if ((SCENARIO_PARAMS as readonly string[]).includes(k)) out.append(k, v);
	return out;
}

export const actions: Actions = {
	/** Adds a change to the scenario: back to the page, the change in its URL (shareable). */
	ajouter: async ({ request, url }) => {
		const form = await request.formData();
		const { change, issues } = changeOf(form);
		if (!change || issues.length > 0) {
			return fail(400, {
				action: 'ajouter',
				type: text(form, 'type'),
				message: 'Changement non ajouté : corrigez les champs signalés.',
				issues
			});
		}
		const params = scenarioParams(form);
		const [key, value] = changeParam(change);
		params.append(key, value);
		redirect(303, `${url.pathname}?${params}#resultat`);
	},

	/** Turns the scenario into agreed rules and remit changes, all or nothing. */
	adopter: async (event) => {
		const { request, locals, params, url } = event;
		const form = await request.formData();
		const parsed = AdoptionSchema.safeParse({
			reason: text(form, 'reason'),
			agreed_on: text(form, 'agreed_on')
		});
		if (!parsed.success) {
			return fail(400, {
				action: 'adopter',
				message: 'Scénario non adopté : corrigez les champs signalés.',
				issues: issuesOf(parsed.error),
				reason: text(form, 'reason')
			});
		}
		let scenario: unknown;
		try {
			scenario = JSON.parse(text(form, 'scenario') || '{}');
		} catch {
			return fail(400, {
				action: 'adopter',
				message: 'Scénario illisible : rechargez la page.',
				issues: [{ path: 'scenario', message: 'scénario illisible' }]
			});
		}
		let done;
		try {
			done = await adoptScenario(
				locals.db,
				requestCaller(event),
				params.id,
				scenario,
				parsed.data.reason,
				parsed.data.agreed_on
			);
		} catch (e) {
			return serviceFail(e, { action: 'adopter', reason: parsed.data.reason });
		}
		redirect(303, `${url.pathname}?adopte=${done.rules}-${done.remits}-${done.added}`);
	}
};
