import type { Cookies } from '@sveltejs/kit';

export const SESSION_COOKIE = 'bt_session';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site
 * posts), Secure — except over plain http on the machine itself, where browsers would drop it
 * (set ORIGIN to the https address behind a proxy).
 */
export function setSessionCookie(cookies: Cookies, url: URL, token: string, expiresAt: Date): void {
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:' || !LOOPBACK.has(url.hostname),
		expires: expiresAt
	});
}

export function clearSessionCookie(cookies: Cookies): void {
	cookies.delete(SESSION_COOKIE, { path: '/' });
}
