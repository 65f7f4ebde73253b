import { error, fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { GATE_CONDITIONS, type GateCondition } from '$lib/domain/complexity';
import type { OrientationStatus } from '$lib/schemas/orientation';
import { requestCaller } from '$lib/server/auth/principal';
import { OrientationError } from '$lib/server/services/orientations';
import { changeStatus } from '$lib/server/services/referrals';

/**
 * The answer forms of the referral loop (contract §7), shared by the structure's inbox and the
 * agent's record: one named action per answer, so that each button says what it does and the
 * authorization table names each one. `statut` is the older generic action (its `status` field
 * says which), kept because scripts and tests post to it.
 */
export const ANSWER_ACTIONS = {
	accepter: 'accepted',
	refuser: 'refused',
	attente: 'waitlisted',
	cloturer: 'closed'
} as const satisfies Record<string, OrientationStatus>;

export type AnswerAction = keyof typeof ANSWER_ACTIONS;

/** The action of a status, to show a failure beside the form that sent it. */
export function actionOf(status: string): AnswerAction | null {
	const found = Object.entries(ANSWER_ACTIONS).find(([, s]) => s === status);
	return found ? (found[0] as AnswerAction) : null;
}

export interface AnswerValues {
	reason_code: string;
	reason: string;
	/** The MAIA conditions as ticked; null when the form had no checklist. */
	admission: Record<GateCondition, boolean> | null;
}

/**
 * The form as typed. An unticked box sends nothing, so the checklist carries a hidden
 * `admission` field: with it, a missing box is a condition judged missing, not an absent answer
 * (which the service would take from the request instead).
 */
export function readAnswer(form: FormData): AnswerValues {
	const text = (name: string) => String(form.get(name) ?? '').trim();
	const admission = form.has('admission')
		? (Object.fromEntries(
				GATE_CONDITIONS.map((c) => [c.code, form.get(c.code) === 'on'])
			) as Record<GateCondition, boolean>)
		: null;
	return { reason_code: text('reason_code'), reason: text('reason'), admission };
}

/**
 * Runs one answer: the service checks who may give it; its refusal comes back to the form that
 * sent it (`answer`: the action), with the fields it names; 303 to `done(status)` once recorded.
 */
export async function submitAnswer(
	event: RequestEvent,
	idOrReference: string,
	action: AnswerAction | 'statut',
	done: (status: string) => string
) {
	const form = await event.request.formData();
	const values = readAnswer(form);
	const status = action === 'statut' ? String(form.get('status') ?? '') : ANSWER_ACTIONS[action];
	try {
		await changeStatus(event.locals.db, requestCaller(event), idOrReference, {
			status,
			...(values.reason_code ? { reason_code: values.reason_code } : {}),
			...(values.reason ? { reason: values.reason } : {}),
			...(values.admission ? { admission: values.admission } : {})
		});
	} catch (e) {
		if (!(e instanceof OrientationError)) throw e;
		if (e.status === 404) error(404, e.message);
		const issues = e.issues.length > 0 ? e.issues : [{ path: '', message: e.message }];
		return fail(e.status === 403 ? 403 : 400, {
			answer: action === 'statut' ? (actionOf(status) ?? 'statut') : action,
			values,
			message: e.message,
			issues
		});
	}
	redirect(303, done(status));
}
