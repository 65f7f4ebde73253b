import type { Cookies } from '@sveltejs/kit';

export const SESSION_COOKIE = 'bt_session';

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site
 * posts), Secure when the site is served over https (contract §6: ORIGIN is the https address
 * behind a proxy); over plain http a Secure cookie would be dropped and nobody could sign in.
 */
export function setSessionCookie(cookies: Cookies, url: URL, token: string, expiresAt: Date): void {
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		expires: expiresAt
	});
}

export function clearSessionCookie(cookies: Cookies): void {
	cookies.delete(SESSION_COOKIE, { path: '/' });
}
