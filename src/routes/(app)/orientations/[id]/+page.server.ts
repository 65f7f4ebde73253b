import { error, fail, redirect } from '@sveltejs/kit';
import { daysBetween } from '$lib/format';
import { NEXT_STATUSES, type OrientationStatus } from '$lib/schemas/orientation';
import { submitAnswer, type AnswerAction } from '$lib/server/answer-form';
import { requestCaller } from '$lib/server/auth/principal';
import { OrientationError, getOrientation } from '$lib/server/services/orientations';
import { reorient } from '$lib/server/services/referrals';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

/** `/orientations/{id}` or `/orientations/OR-2026-00042`: either names the record. */
export const load: PageServerLoad = async (event) => {
	const now = new Date();
	const orientation = await getOrientation(
		event.locals.db,
		requestCaller(event),
		event.params.id,
		now
	);
	if (!orientation) error(404, `Orientation introuvable : ${event.params.id}`);
	const next = NEXT_STATUSES[orientation.status].filter((s) => s !== 'expired');
	// A structure with members answers itself (contract §7): the agent keeps only the closing.
	// Without members, the agent records what the structure said. The service decides anyway;
	// this only spares showing forms it would refuse.
	const allowed: OrientationStatus[] =
		orientation.structureHasMembers && !orientation.answersForStructure
			? next.filter((s) => s === 'closed')
			: next;
	return {
		orientation,
		allowed,
		// Counted here: the same figure on the server and after hydration.
		waitingDays: orientation.overdue ? daysBetween(orientation.statusChangedAt, now) : null
	};
};

function answer(action: AnswerAction | 'statut') {
	return (event: RequestEvent) =>
		submitAnswer(
			event,
			event.params.id,
			action,
			(status) => `/orientations/${encodeURIComponent(event.params.id)}?reponse=${status}`
		);
}

export const actions: Actions = {
	/** The generic form (`status` says which): kept for the scripts and tests that post it. */
	statut: answer('statut'),
	accepter: answer('accepter'),
	refuser: answer('refuser'),
	attente: answer('attente'),
	cloturer: answer('cloturer'),
	/**
	 * Re-orients at once to the first recommendation of the new answer, the structure that refused
	 * left out (contract §7). To choose another structure, « Réorienter » opens the form instead.
	 */
	reorienter: async (event) => {
		let created;
		try {
			created = await reorient(event.locals.db, requestCaller(event), event.params.id, {});
		} catch (e) {
			if (!(e instanceof OrientationError)) throw e;
			if (e.status === 404) error(404, e.message);
			const issues = e.issues.length > 0 ? e.issues : [{ path: '', message: e.message }];
			return fail(e.status === 403 ? 403 : 400, {
				answer: 'reorienter',
				message: e.message,
				issues
			});
		}
		redirect(303, `/orientations/${encodeURIComponent(created.id)}?enregistree=1&reorientee=1`);
	}
};
