import { error } from '@sveltejs/kit';
import { daysBetween } from '$lib/format';
import { ORIENTATION_STATUSES, NEXT_STATUSES } from '$lib/schemas/orientation';
import { z } from '$lib/schemas/zod';
import { submitAnswer, type AnswerAction } from '$lib/server/answer-form';
import { requestCaller } from '$lib/server/auth/principal';
import { orErrorPage } from '$lib/server/forms';
import { inboxOf } from '$lib/server/services/members';
import {
	getOrientation,
	listOrientations,
	type StatusFilter
} from '$lib/server/services/orientations';
import { getPlaces } from '$lib/server/services/places';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);

/** The view in the URL: the status filter, the page, the request opened. */
const QuerySchema = z.object({
	statut: z.preprocess(
		blank,
		z.enum([...ORIENTATION_STATUSES, 'en_retard', 'en_cours', 'toutes']).default('toutes')
	),
	page: z.preprocess(blank, z.coerce.number().int().min(1).max(100_000).default(1))
});

const STATUS_FILTERS: Record<z.output<typeof QuerySchema>['statut'], StatusFilter | undefined> = {
	toutes: undefined,
	en_cours: 'open',
	en_retard: 'overdue',
	sent: 'sent',
	accepted: 'accepted',
	refused: 'refused',
	waitlisted: 'waitlisted',
	expired: 'expired',
	closed: 'closed'
};

const PAGE = 50;

export const load: PageServerLoad = async (event) => {
	const { locals, params, url } = event;
	const caller = requestCaller(event);
	// Members of the structure and agents of its territory; anyone else: not found.
	const inbox = await orErrorPage(() => inboxOf(locals.db, caller, params.id));
	const parsed = QuerySchema.safeParse(Object.fromEntries(url.searchParams));
	const query = parsed.success ? parsed.data : QuerySchema.parse({});
	const now = new Date();
	const { total, counts, rows } = await listOrientations(
		locals.db,
		caller,
		{
			structure: inbox.structure.id,
			status: STATUS_FILTERS[query.statut],
			order: 'inbox',
			limit: PAGE,
			offset: (query.page - 1) * PAGE
		},
		now
	);
	const places = new Map(
		(await getPlaces(locals.db, [...new Set(rows.map((r) => r.commune))])).map((p) => [
			p.code,
			p.name
		])
	);

	const openedId = url.searchParams.get('orientation');
	let opened = null;
	if (openedId) {
		const o = await getOrientation(locals.db, caller, openedId, now);
		// Only this structure's requests open here: another's is not in this inbox.
		if (!o || o.structure?.id !== inbox.structure.id)
			error(404, `Demande introuvable dans cette boîte : ${openedId}`);
		opened = {
			...o,
			// The member's view holds no age; an agent reading the inbox sees what the structure sees.
			age: null,
			waitingDays: o.overdue ? daysBetween(o.statusChangedAt, now) : null,
			// Only those who answer for the structure get the forms; expiry is the instance's alone.
			allowed: inbox.answers ? NEXT_STATUSES[o.status].filter((s) => s !== 'expired') : []
		};
	}

	return {
		structure: inbox.structure,
		answers: inbox.answers,
		hasMembers: inbox.hasMembers,
		query,
		total,
		counts,
		rows: rows.map((row) => ({
			...row,
			communeName: places.get(row.commune) ?? null,
			waitingDays: row.overdue ? daysBetween(row.statusChangedAt, now) : null
		})),
		pages: Math.max(1, Math.ceil(total / PAGE)),
		invalid: !parsed.success,
		opened
	};
};

/**
 * An answer to the request the URL opens. The service checks that the caller answers for the
 * structure (a member, or its token); back to the same view with a confirmation.
 */
function answer(action: AnswerAction) {
	return async (event: RequestEvent) => {
		const id = event.url.searchParams.get('orientation') ?? '';
		if (!id) error(404, 'Aucune demande ouverte.');
		return submitAnswer(event, id, action, (status) => {
			const params = new URLSearchParams();
			params.set('orientation', id);
			const statut = event.url.searchParams.get('statut');
			if (statut) params.set('statut', statut);
			params.set('reponse', status);
			return `${event.url.pathname}?${params}`;
		});
	};
}

export const actions: Actions = {
	accepter: answer('accepter'),
	refuser: answer('refuser'),
	attente: answer('attente'),
	cloturer: answer('cloturer')
};
