import { error, fail, redirect } from '@sveltejs/kit';
import { scopeOf } from '$lib/server/auth/principal';
import { territoryStructures } from '$lib/server/services/coverage';
import {
	capacity,
	flows,
	markVerified,
	orphanSituations,
	overlaps,
	staleStructures,
	updateCaseload
} from '$lib/server/services/pilotage';
import {
	RuleError,
	addRule,
	listRules,
	removeRule,
	ruleHistory,
	undoRuleEvent
} from '$lib/server/services/rules';
import { getTerritory } from '$lib/server/services/territories';
import { readPeriod } from './period';
import type { Actions, PageServerLoad } from './$types';

async function territoryOf(locals: App.Locals, id: string) {
	const territory = await getTerritory(locals.db, id, scopeOf(locals.principal));
	if (!territory) error(404, `Territoire introuvable : ${id}`);
	return territory;
}

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const territory = await territoryOf(locals, params.id);
	const { period, du, au, invalid } = readPeriod(url.searchParams);
	const [orphans, pairs, flow, caseloads, stale, rules, history, structures] = await Promise.all([
		orphanSituations(locals.db, params.id, period),
		overlaps(locals.db, params.id, period),
		flows(locals.db, params.id, period),
		capacity(locals.db, params.id),
		staleStructures(locals.db, params.id),
		listRules(locals.db, params.id),
		ruleHistory(locals.db, params.id),
		territoryStructures(locals.db, params.id)
	]);
	return {
		territory: { id: territory.id, name: territory.name, places: territory.places },
		du,
		au,
		invalidPeriod: invalid,
		orphans,
		pairs,
		flow,
		caseloads,
		stale: stale.map((s) => ({
			...s,
			updated_at:
				s.updated_at instanceof Date ? s.updated_at.toISOString().slice(0, 10) : s.updated_at
		})),
		rules,
		history,
		structures: structures.map((s) => ({ id: s.id, name: s.name }))
	};
};

const actor = (locals: App.Locals) => locals.principal as NonNullable<App.Locals['principal']>;

export const actions: Actions = {
	ajouterRegle: async ({ locals, params, request, url }) => {
		await territoryOf(locals, params.id);
		const form = Object.fromEntries(await request.formData());
		try {
			await addRule(locals.db, actor(locals), params.id, form);
		} catch (e) {
			if (e instanceof RuleError)
				return fail(400, { action: 'ajouterRegle', values: form, issues: e.issues });
			throw e;
		}
		redirect(303, `${url.pathname}?${url.searchParams}#regles`);
	},
	retirerRegle: async ({ locals, params, request, url }) => {
		await territoryOf(locals, params.id);
		const form = await request.formData();
		try {
			await removeRule(
				locals.db,
				actor(locals),
				params.id,
				String(form.get('rule') ?? ''),
				String(form.get('reason') ?? '')
			);
		} catch (e) {
			if (e instanceof RuleError) return fail(400, { action: 'retirerRegle', issues: e.issues });
			throw e;
		}
		redirect(303, `${url.pathname}#regles`);
	},
	annuler: async ({ locals, params, request, url }) => {
		await territoryOf(locals, params.id);
		const event = Number((await request.formData()).get('event'));
		try {
			await undoRuleEvent(locals.db, actor(locals), params.id, event);
		} catch (e) {
			if (e instanceof RuleError) return fail(400, { action: 'annuler', issues: e.issues });
			throw e;
		}
		redirect(303, `${url.pathname}#regles`);
	},
	verifier: async ({ locals, params, request, url }) => {
		await territoryOf(locals, params.id);
		const id = String((await request.formData()).get('structure') ?? '');
		if (!(await markVerified(locals.db, actor(locals), params.id, id))) {
			return fail(400, {
				action: 'verifier',
				issues: [{ path: 'structure', message: 'structure introuvable dans ce territoire' }]
			});
		}
		redirect(303, `${url.pathname}#fraicheur`);
	},
	capacite: async ({ locals, params, request, url }) => {
		await territoryOf(locals, params.id);
		const form = await request.formData();
		const current = Number(form.get('current'));
		if (
			!(await updateCaseload(
				locals.db,
				actor(locals),
				params.id,
				String(form.get('structure') ?? ''),
				current
			))
		) {
			return fail(400, {
				action: 'capacite',
				issues: [{ path: 'current', message: 'un nombre entier de situations suivies est attendu' }]
			});
		}
		redirect(303, `${url.pathname}#capacite`);
	}
};
