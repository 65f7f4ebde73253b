import { inject } from 'vitest';
import type { AccountName, E2eAccount, E2eData, TokenName } from '../setup/e2e-accounts';

/**
 * Plain HTTP against the test server, as a script or another site would send it: no redirect
 * followed, cookies and tokens given explicitly. The session comes from the real sign-in form.
 */

export const SESSION_COOKIE = 'bt_session';

export function baseUrl(): string {
	return inject('baseUrl');
}

export function e2eData(): E2eData {
	return inject('e2e');
}

export function account(name: AccountName): E2eAccount {
	return e2eData().accounts[name];
}

export function apiToken(name: TokenName): string {
	return e2eData().tokens[name].token;
}

export interface RequestOptions {
	method?: string;
	/** Session token (the bt_session cookie). */
	session?: string;
	/** API token, sent as `Authorization: Bearer`. */
	token?: string;
	/**
	 * A form post (application/x-www-form-urlencoded) from this site (Origin = the server's), as a
	 * browser submits it without JavaScript (Accept: text/html; otherwise SvelteKit answers the
	 * action in JSON, as for `use:enhance`).
	 */
	form?: Record<string, string>;
	/** A JSON body. */
	json?: unknown;
	/** A raw body, with its own content type in `headers`. */
	body?: string;
	headers?: Record<string, string>;
	/** The Origin header of a form post; the server's own unless given. */
	origin?: string;
}

/** One request, redirects not followed. */
export function request(path: string, options: RequestOptions = {}): Promise<Response> {
	const headers: Record<string, string> = { ...options.headers };
	let body: string | undefined = options.body;
	if (options.session) headers.cookie = `${SESSION_COOKIE}=${options.session}`;
	if (options.token) headers.authorization = `Bearer ${options.token}`;
	if (options.form) {
		body = new URLSearchParams(options.form).toString();
		headers['content-type'] = 'application/x-www-form-urlencoded';
		headers.origin = options.origin ?? baseUrl();
		headers.accept ??= 'text/html';
	} else if (options.json !== undefined) {
		body = JSON.stringify(options.json);
		headers['content-type'] = 'application/json';
	}
	if (options.origin) headers.origin = options.origin;
	return fetch(new URL(path, baseUrl()), {
		method: options.method ?? (body === undefined ? 'GET' : 'POST'),
		headers,
		body,
		redirect: 'manual',
		signal: AbortSignal.timeout(30_000)
	});
}

/** The value of a cookie set by a response, or undefined. */
export function setCookie(response: Response, name: string): string | undefined {
	for (const header of response.headers.getSetCookie()) {
		const [pair] = header.split(';');
		const at = pair?.indexOf('=') ?? -1;
		if (pair && at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1);
	}
	return undefined;
}

/** Posts the sign-in form of /connexion, as the browser does without JavaScript. */
export function postLogin(email: string, password: string, origin?: string): Promise<Response> {
	return request('/connexion', { form: { email, password, suite: '/' }, origin });
}

/**
 * Signs in through the real /connexion form and returns the session token (a new session on
 * every call). Fails loudly if the sign-in is refused, rather than letting a test run anonymous.
 */
export async function signInSession(who: AccountName | E2eAccount): Promise<string> {
	const user = typeof who === 'string' ? account(who) : who;
	const response = await postLogin(user.email, user.password);
	await response.arrayBuffer();
	const session = setCookie(response, SESSION_COOKIE);
	if (response.status !== 303 || !session) {
		throw new Error(`connexion de ${user.email} refusée (HTTP ${response.status})`);
	}
	return session;
}

const cachedSessions = new Map<AccountName, Promise<string>>();

/**
 * A session of this account, opened once per test file. For requests that may end the session
 * (sign-out, "log out everywhere"), use a fresh one from `signInSession`.
 */
export function sessionOf(name: AccountName): Promise<string> {
	let session = cachedSessions.get(name);
	if (!session) {
		session = signInSession(name);
		cachedSessions.set(name, session);
		void session.catch(() => cachedSessions.delete(name));
	}
	return session;
}
