import { redirect } from '@sveltejs/kit';
import { clearSessionCookie } from '$lib/server/auth/cookies';
import { audit } from '$lib/server/services/audit';
import { endSession } from '$lib/server/services/sessions';
import type { RequestHandler } from './$types';

/** Sign-out is a POST (a link could be triggered by another site or a prefetch). */
export const POST: RequestHandler = async ({ locals, cookies, getClientAddress }) => {
	if (locals.sessionHash) await endSession(locals.db, locals.sessionHash);
	if (locals.principal) {
		await audit(locals.db, {
			actor: locals.principal,
			action: 'auth.logout',
			outcome: 'success',
			ip: getClientAddress()
		});
	}
	clearSessionCookie(cookies);
	redirect(303, '/connexion');
};
