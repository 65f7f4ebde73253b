import { fail, redirect } from '@sveltejs/kit';
import { LoginSchema } from '$lib/schemas/account';
import { issuesOf } from '$lib/schemas/zod';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { safeNext } from '$lib/server/auth/next-path';
import { isOidcFailure, OIDC_FAILURE_MESSAGES, oidcSettings } from '$lib/server/auth/oidc';
import { login } from '$lib/server/services/sessions';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.principal) redirect(303, safeNext(url.searchParams.get('suite')));
	const failure = url.searchParams.get('erreur');
	return {
		next: safeNext(url.searchParams.get('suite')),
		// The button shows only when the instance has a provider (contract §6).
		oidc: oidcSettings() !== null,
		// A code from the ProConnect routes, never free text from the address: nobody can make
		// this page say something of their own.
		oidcError: isOidcFailure(failure) ? OIDC_FAILURE_MESSAGES[failure] : null
	};
};

export const actions: Actions = {
	default: async ({ request, locals, cookies, url, getClientAddress, setHeaders }) => {
		const form = await request.formData();
		const email = String(form.get('email') ?? '');
		const parsed = LoginSchema.safeParse({ email, password: String(form.get('password') ?? '') });
		if (!parsed.success) return fail(400, { email, issues: issuesOf(parsed.error), message: null });
		const result = await login(locals.db, { ...parsed.data, ip: getClientAddress() });
		if (!result.ok && result.reason === 'throttled') {
			setHeaders({ 'Retry-After': String(result.retryAfter) });
			const minutes = Math.ceil(result.retryAfter / 60);
			return fail(429, {
				email,
				issues: [],
				message: `Trop de tentatives : réessayez dans ${minutes} minute${minutes > 1 ? 's' : ''}.`
			});
		}
		if (!result.ok) {
			// The same message whatever failed, so the form does not tell which emails have an account.
			return fail(400, {
				email,
				issues: [],
				message: 'Adresse électronique ou mot de passe incorrect.'
			});
		}
		setSessionCookie(cookies, url, result.token, result.expiresAt);
		redirect(
			303,
			result.principal.mustChangePassword
				? '/compte?premiere=1'
				: safeNext(String(form.get('suite') ?? ''))
		);
	}
};
