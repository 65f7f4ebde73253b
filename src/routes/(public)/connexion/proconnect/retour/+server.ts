import { redirect } from '@sveltejs/kit';
import { setSessionCookie } from '$lib/server/auth/cookies';
import {
	completeOidcSignIn,
	OIDC_PROVIDER,
	OidcError,
	oidcSettings,
	type OidcFailure
} from '$lib/server/auth/oidc';
import { signInWithOidc } from '$lib/server/services/oidc-accounts';
import type { RequestHandler } from './$types';

/**
 * The provider's answer (the redirect URI declared to it): the code exchanged and checked, the
 * account found or created, the session started — then the page asked for (`suite`), checked as a
 * path of this site when the sign-in began. Whatever goes wrong — the person cancelled, the
 * provider is down, the answer does not match this browser's sign-in — leads back to the sign-in
 * page with a French message, never to an error page.
 */
export const GET: RequestHandler = async ({ url, cookies, locals, getClientAddress }) => {
	// Typed as never-returning, so that the checks below narrow what follows them.
	const back: (failure: OidcFailure) => never = (failure) =>
		redirect(303, `/connexion?erreur=${failure}`);
	const settings = oidcSettings();
	if (!settings) back('not_configured');
	let outcome: Awaited<ReturnType<typeof completeOidcSignIn>>;
	try {
		outcome = await completeOidcSignIn(settings, cookies, url);
	} catch (error) {
		if (!(error instanceof OidcError)) console.error('[bon-tiers] ProConnect :', error);
		back(error instanceof OidcError ? error.failure : 'failed');
	}
	const result = await signInWithOidc(
		locals.db,
		{ ip: getClientAddress() },
		{ provider: OIDC_PROVIDER, ...outcome.identity }
	);
	if (!result.ok) back(result.reason);
	setSessionCookie(cookies, url, result.token, result.expiresAt);
	redirect(303, outcome.next);
};
