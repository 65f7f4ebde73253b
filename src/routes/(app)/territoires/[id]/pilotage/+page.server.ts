import { fail, redirect } from '@sveltejs/kit';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage, serviceFail } from '$lib/server/forms';
import {
	answerTimes,
	capacity,
	deskPlaceShapes,
	expiredOrientations,
	flows,
	markVerified,
	monthlyOutcomes,
	orphanSituations,
	overlaps,
	refusalReasons,
	staleStructures,
	updateCaseload,
	waitingLists
} from '$lib/server/services/pilotage';
import {
	MONTHS_DEFAULT,
	freshnessCampaigns,
	startFreshnessCampaign
} from '$lib/server/services/freshness';
import {
	addRule,
	listRules,
	removeRule,
	ruleHistory,
	ruleStructures,
	undoRuleEvent
} from '$lib/server/services/rules';
import { openTerritory } from '$lib/server/services/scope';
import { mailEnabled } from '$lib/server/mail/transport';
import { readPeriod } from './period';
import { deskState } from './desk-state';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = (event) =>
	orErrorPage(async () => {
		const { locals, params, url } = event;
		const caller = requestCaller(event);
		const territory = await openTerritory(locals.db, caller, params.id, 'pilot');
		const { period, du, au, invalid } = readPeriod(url.searchParams);
		const [
			orphans,
			pairs,
			flow,
			caseloads,
			stale,
			rules,
			history,
			structures,
			refusals,
			delays,
			expired,
			waiting,
			campaigns,
			outcomes,
			shapes
		] = await Promise.all([
			orphanSituations(locals.db, caller, params.id, period),
			overlaps(locals.db, caller, params.id, period),
			flows(locals.db, caller, params.id, period),
			capacity(locals.db, caller, params.id),
			staleStructures(locals.db, caller, params.id),
			listRules(locals.db, caller, params.id),
			ruleHistory(locals.db, caller, params.id),
			ruleStructures(locals.db, caller, params.id),
			refusalReasons(locals.db, caller, params.id, period),
			answerTimes(locals.db, caller, params.id, period),
			expiredOrientations(locals.db, caller, params.id, period),
			waitingLists(locals.db, caller, params.id),
			freshnessCampaigns(locals.db, caller, params.id),
			monthlyOutcomes(locals.db, caller, params.id, period),
			deskPlaceShapes(locals.db, caller, params.id)
		]);
		// The notice after a campaign is sent: read back from the campaign the URL names, so a
		// reload or a shared link says the same (and a stale id says nothing).
		const sent = url.searchParams.get('campagne');
		const justSent = sent ? (campaigns.find((c) => c.id === sent) ?? null) : null;
		return {
			territory: { id: territory.id, name: territory.name, places: territory.places },
			du,
			au,
			invalidPeriod: invalid,
			orphans,
			pairs,
			flow,
			outcomes,
			shapes,
			/** For the printed desk's header (the browser updates it when it prints). */
			printedAt: new Date().toISOString(),
			caseloads,
			stale: {
				items: stale.items.map((s) => ({
					...s,
					updated_at:
						s.updated_at instanceof Date ? s.updated_at.toISOString().slice(0, 10) : s.updated_at
				})),
				more: stale.more
			},
			rules,
			history,
			structures,
			answers: { refusals, delays, expired, waiting },
			freshness: {
				monthsDefault: MONTHS_DEFAULT,
				mailEnabled: mailEnabled(),
				campaigns,
				sent: justSent
					? { id: justSent.id, total: justSent.total, withoutMembers: justSent.withoutMembers }
					: null
			}
		};
	});

/**
 * Where an action sends the pilot back: the desk as it was (its view state), plus what says this
 * action's outcome, at the section it concerns.
 */
function backToDesk(url: URL, section: string, outcome: Record<string, string> = {}): string {
	const query = deskState(url.searchParams);
	for (const [key, value] of Object.entries(outcome)) query.set(key, value);
	const search = query.size > 0 ? `?${query}` : '';
	return `${url.pathname}${search}#${section}`;
}

export const actions: Actions = {
	ajouterRegle: async (event) => {
		const { locals, params, request, url } = event;
		const form = Object.fromEntries(await request.formData());
		// Beyond the listed structures, the form takes a structure's id typed in.
		const typed = typeof form.structureId === 'string' ? form.structureId.trim() : '';
		const { structureId: _typed, ...input } = form;
		if (typed) input.structure = typed;
		try {
			await addRule(locals.db, requestCaller(event), params.id, input);
		} catch (e) {
			return serviceFail(e, { action: 'ajouterRegle', values: form });
		}
		redirect(303, backToDesk(url, 'regles'));
	},
	retirerRegle: async (event) => {
		const { locals, params, request, url } = event;
		const form = await request.formData();
		let change: number;
		try {
			change = await removeRule(
				locals.db,
				requestCaller(event),
				params.id,
				String(form.get('rule') ?? ''),
				String(form.get('reason') ?? '')
			);
		} catch (e) {
			return serviceFail(e, { action: 'retirerRegle' });
		}
		// The page says what was removed, with its undo at hand (the change's number).
		redirect(303, backToDesk(url, 'regles', { retrait: String(change) }));
	},
	annuler: async (event) => {
		const { locals, params, request, url } = event;
		const eventId = Number((await request.formData()).get('event'));
		try {
			await undoRuleEvent(locals.db, requestCaller(event), params.id, eventId);
		} catch (e) {
			return serviceFail(e, { action: 'annuler' });
		}
		redirect(303, backToDesk(url, 'regles'));
	},
	verifier: async (event) => {
		const { locals, params, request, url } = event;
		const id = String((await request.formData()).get('structure') ?? '');
		let done: boolean;
		try {
			done = await markVerified(locals.db, requestCaller(event), params.id, id);
		} catch (e) {
			return serviceFail(e, { action: 'verifier' });
		}
		if (!done) {
			return fail(400, {
				action: 'verifier',
				issues: [{ path: 'structure', message: 'structure introuvable dans ce territoire' }]
			});
		}
		redirect(303, backToDesk(url, 'fraicheur'));
	},
	verification: async (event) => {
		const { locals, params, request, url } = event;
		const months = String((await request.formData()).get('mois') ?? '');
		let campaignId: string;
		try {
			({ campaignId } = await startFreshnessCampaign(
				locals.db,
				requestCaller(event),
				params.id,
				months
			));
		} catch (e) {
			return serviceFail(e, { action: 'verification', values: { mois: months } });
		}
		redirect(303, backToDesk(url, 'verification', { campagne: campaignId }));
	},
	capacite: async (event) => {
		const { locals, params, request, url } = event;
		const form = await request.formData();
		const current = Number(form.get('current'));
		let done: boolean;
		try {
			done = await updateCaseload(
				locals.db,
				requestCaller(event),
				params.id,
				String(form.get('structure') ?? ''),
				current
			);
		} catch (e) {
			return serviceFail(e, { action: 'capacite' });
		}
		if (!done) {
			return fail(400, {
				action: 'capacite',
				issues: [{ path: 'current', message: 'un nombre entier de situations suivies est attendu' }]
			});
		}
		redirect(303, backToDesk(url, 'capacite'));
	}
};
