import { fail, redirect } from '@sveltejs/kit';
import { LoginSchema } from '$lib/schemas/account';
import { issuesOf } from '$lib/schemas/zod';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { login } from '$lib/server/services/sessions';
import type { Actions, PageServerLoad } from './$types';

/** Only a path of this site: an open redirect would make the login page a phishing relay. */
function safeNext(value: string | null): string {
	return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')
		? value
		: '/';
}

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.principal) redirect(303, safeNext(url.searchParams.get('suite')));
	return { next: safeNext(url.searchParams.get('suite')) };
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
