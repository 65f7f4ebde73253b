import { redirect } from '@sveltejs/kit';
import { clearSessionCookie } from '$lib/server/auth/cookies';
import { requestCaller } from '$lib/server/auth/principal';
import { signOut } from '$lib/server/services/sessions';
import type { RequestHandler } from './$types';

/** Sign-out is a POST (a link could be triggered by another site or a prefetch). */
export const POST: RequestHandler = async (event) => {
	const { locals, cookies } = event;
	if (locals.principal) await signOut(locals.db, requestCaller(event), locals.sessionHash);
	clearSessionCookie(cookies);
	redirect(303, '/connexion');
};
