import { error, redirect } from '@sveltejs/kit';
import { openingStateAt } from '$lib/domain/opening-hours';
import { hasRole } from '$lib/domain/roles';
import { answersFor, requestCaller, scopeOf } from '$lib/server/auth/principal';
import { serviceFail } from '$lib/server/forms';
import { mailEnabled } from '$lib/server/mail/transport';
import { caseloadOf } from '$lib/server/services/caseload';
import { ServiceError } from '$lib/server/services/errors';
import { structureArea } from '$lib/server/services/map';
import { inboxOf, inviteMember, listMembers, removeMember } from '$lib/server/services/members';
import { getStructure } from '$lib/server/services/structures';
import { confirmRemit, verifyStructure, vouchesFor } from '$lib/server/services/structure-remit';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { params, locals, url } = event;
	const structure = await getStructure(locals.db, params.id, scopeOf(locals.principal));
	if (!structure) error(404, `Structure introuvable : ${params.id}`);
	const caller = requestCaller(event);
	// The inbox opens to the structure's members and the agents of its territory (the service
	// decides). Asked only of those who may be let in: for any other partner it would log a refusal
	// at every visit of the directory's pages.
	let inbox = null;
	if (hasRole(caller.principal.role, 'agent') || answersFor(caller.principal, structure.id)) {
		try {
			inbox = await inboxOf(locals.db, caller, structure.id);
		} catch (e) {
			if (!(e instanceof ServiceError)) throw e;
		}
	}
	const members = inbox?.canManageMembers
		? await listMembers(locals.db, caller, structure.id)
		: null;
	const removing = url.searchParams.get('retirer');
	return {
		structure,
		// Computed here, once: the server's clock decides, so the HTML and its hydration agree, and
		// the hours library stays out of the browser.
		openNow: structure.hours
			? openingStateAt(
					structure.hours,
					new Date(),
					structure.lon !== null && structure.lat !== null
						? { lon: structure.lon, lat: structure.lat }
						: undefined
				)
			: null,
		// The small map: its area, simplified, loaded with the page (a few places, or one polygon).
		area: await structureArea(locals.db, structure.id),
		caseload: await caseloadOf(locals.db, structure.id),
		inbox: inbox
			? {
					answers: inbox.answers,
					hasMembers: inbox.hasMembers,
					canManageMembers: inbox.canManageMembers
				}
			: null,
		members,
		removing: members?.find((m) => m.userId === removing) ?? null,
		mailEnabled: members ? mailEnabled() : null,
		// A proposed remit is confirmed by a pilot of its territory or one of its members.
		canConfirm: structure.toConfirm === true && vouchesFor(caller, structure) !== null,
		// The same two edit its form and say its information is right (issue 15).
		canEdit: vouchesFor(caller, structure) !== null
	};
};

export const actions: Actions = {
	/**
	 * Answered on the page rather than by a 303: a one-time password is shown once, here, and must
	 * never travel in a URL (browser history, proxy logs).
	 */
	inviter: async (event) => {
		const form = await event.request.formData();
		const email = String(form.get('email') ?? '').trim();
		try {
			const invited = await inviteMember(event.locals.db, requestCaller(event), event.params.id, {
				email
			});
			return { invited: { email, ...invited } };
		} catch (e) {
			return serviceFail(e, { action: 'inviter', email });
		}
	},
	confirmer: async (event) => {
		try {
			await confirmRemit(event.locals.db, requestCaller(event), event.params.id);
		} catch (e) {
			return serviceFail(e, { action: 'confirmer' });
		}
		redirect(303, `/structures/${encodeURIComponent(event.params.id)}?confirmee=1`);
	},
	/** « Les informations sont à jour »: the answer a freshness campaign asks for. */
	verifier: async (event) => {
		try {
			await verifyStructure(event.locals.db, requestCaller(event), event.params.id);
		} catch (e) {
			return serviceFail(e, { action: 'verifier' });
		}
		redirect(303, `/structures/${encodeURIComponent(event.params.id)}?verifiee=1`);
	},
	retirer: async (event) => {
		const form = await event.request.formData();
		const user = String(form.get('user') ?? '');
		try {
			await removeMember(event.locals.db, requestCaller(event), event.params.id, user);
		} catch (e) {
			return serviceFail(e, { action: 'retirer', user });
		}
		redirect(303, `/structures/${encodeURIComponent(event.params.id)}?retire=1#membres`);
	}
};
