import { fail, redirect } from '@sveltejs/kit';
import { LEVEL_CODES } from '$lib/domain/taxonomy';
import {
	AdoptionSchema,
	SCENARIO_PARAMS,
	changeParam,
	parseChange,
	readScenarioQuery,
	type ScenarioChange
} from '$lib/schemas/simulation';
import { issuesOf, type Issue } from '$lib/schemas/zod';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage, serviceFail } from '$lib/server/forms';
import { ServiceError } from '$lib/server/services/errors';
import { territoryPlaceShapes } from '$lib/server/services/map';
import { openTerritory } from '$lib/server/services/scope';
import { adoptScenario, simulateChanges } from '$lib/server/services/simulation';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	orErrorPage(async () => {
		const { locals, params, url } = event;
		const caller = requestCaller(event);
		const territory = await openTerritory(locals.db, caller, params.id, 'pilot');
		const { changes, invalid } = readScenarioQuery(url.searchParams);
		let refused: Issue[] = [];
		let simulation = null;
		let plan = null;
		let scenario = '';
		try {
			const { input, result } = await simulateChanges(locals.db, caller, params.id, changes);
			plan = result.plan;
			scenario = JSON.stringify(input);
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
			// The what-if's map: the communes' shapes, only when there is a change to show.
			shapes:
				simulation && changes.length > 0
					? await territoryPlaceShapes(locals.db, territory.id)
					: null,
			changes,
			invalid,
			refused,
			simulation,
			plan,
			scenario,
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

/**
 * The form of one change, read by the same reading as its URL parameter (parseChange); the
 * levels' order is checked here, beside its field, where the URL leaves it to the service.
 */
function changeOf(form: FormData): { change?: ScenarioChange; issues: Issue[] } {
	const type = text(form, 'type');
	const { change, issues } = parseChange(type, {
		structure: text(form, 'structure'),
		problem: text(form, 'problem'),
		levelMin: text(form, 'level_min'),
		levelMax: text(form, 'level_max'),
		coverage: list(form, 'coverage'),
		kind: text(form, 'kind'),
		problems: list(form, 'problems'),
		name: text(form, 'name')
	});
	if (
		change?.type === 'niveaux' &&
		LEVEL_CODES.indexOf(change.levelMin) > LEVEL_CODES.indexOf(change.levelMax)
	) {
		issues.push({
			path: 'level_max',
			message: 'le niveau maximal est inférieur au niveau minimal'
		});
	}
	return { change, issues };
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
