import { redirect } from '@sveltejs/kit';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { serviceFail } from '$lib/server/forms';
import { acceptInvitation, invitationInfo } from '$lib/server/services/members';
import type { Actions, PageServerLoad } from './$types';

/**
 * A one-time invitation link (contract §7): the invited member of a structure chooses a password,
 * is signed in, and lands in the structure's inbox. Public: the link itself is the credential, and
 * the service spends it once.
 */
export const load: PageServerLoad = async ({ locals, params, setHeaders }) => {
	// The page names the account: no shared cache may keep it.
	setHeaders({ 'cache-control': 'no-store' });
	return { invitation: await invitationInfo(locals.db, params.jeton) };
};

export const actions: Actions = {
	default: async ({ locals, params, request, cookies, url, getClientAddress }) => {
		const form = await request.formData();
		let session;
		try {
			session = await acceptInvitation(
				locals.db,
				params.jeton,
				{
					password: String(form.get('password') ?? ''),
					confirm: String(form.get('confirm') ?? '')
				},
				getClientAddress()
			);
		} catch (e) {
			return serviceFail(e, {});
		}
		setSessionCookie(cookies, url, session.token, session.expiresAt);
		redirect(
			303,
			session.structureId ? `/structures/${encodeURIComponent(session.structureId)}/demandes` : '/'
		);
	}
};
