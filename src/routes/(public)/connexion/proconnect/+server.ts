import { redirect } from '@sveltejs/kit';
import { safeNext } from '$lib/server/auth/next-path';
import { beginOidcSignIn, OidcError, oidcSettings } from '$lib/server/auth/oidc';
import type { RequestHandler } from './$types';

/**
 * « Se connecter avec ProConnect »: off to the provider's authorization endpoint. A GET, as the
 * button is a link: the Content-Security-Policy's `form-action 'self'` would stop a form whose
 * answer redirects to another site.
 */
export const GET: RequestHandler = async ({ url, cookies, locals }) => {
	const next = safeNext(url.searchParams.get('suite'));
	if (locals.principal) redirect(303, next);
	const settings = oidcSettings();
	if (!settings) redirect(303, `/connexion?erreur=not_configured`);
	let target: URL;
	try {
		target = await beginOidcSignIn(settings, cookies, url, next);
	} catch (error) {
		const failure = error instanceof OidcError ? error.failure : 'failed';
		redirect(303, `/connexion?erreur=${failure}&suite=${encodeURIComponent(next)}`);
	}
	redirect(302, target.href);
};
