import { building } from '$app/environment';
import {
	error,
	json,
	redirect,
	text,
	type Handle,
	type HandleServerError,
	type ServerInit
} from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { hasRole } from '$lib/domain/roles';
import { actionName, hasMethodRule, requiredAccess } from '$lib/server/auth/access';
import { SESSION_COOKIE } from '$lib/server/auth/cookies';
import { API_ERRORS, apiError } from '$lib/server/api';
import { compressResponse } from '$lib/server/compression';
import { apiAccess, findOperation, roleRefusal, unmatched } from '$lib/server/api-endpoints';
import { API_BASE, IMPORT_BODY_LIMIT } from '$lib/server/api-operation';
import { DataDirBusyError, DataDirUnwritableError } from '$lib/server/db/lock';
import { closeDatabase, getDatabase, scheduleWarmUp, startHousekeeping } from '$lib/server/runtime';
import { authenticateApiToken } from '$lib/server/services/api-tokens';
import { audit } from '$lib/server/services/audit';
import { validateSession } from '$lib/server/services/sessions';

export const init: ServerInit = async () => {
	if (building) return;
	try {
		await getDatabase();
	} catch (error) {
		// A data dir that cannot be used is the operator's to fix: one clear line, no stack trace.
		if (error instanceof DataDirBusyError || error instanceof DataDirUnwritableError) {
			console.error(`[bon-tiers] ${error.message}`);
			process.exit(1);
		}
		throw error;
	}
	startHousekeeping();
	scheduleWarmUp();
	// adapter-node emits this once in-flight requests are done (SIGTERM/SIGINT): closing the
	// database then flushes PGlite to disk, so no write is lost on a restart.
	process.once('sveltekit:shutdown', () => {
		void closeDatabase();
	});
};

const isApi = (pathname: string) => pathname.startsWith('/api/');

/** What a cross-site `<form>` can send (SvelteKit's list, runtime/server/respond.js). */
const FORM_CONTENT_TYPES = [
	'application/x-www-form-urlencoded',
	'multipart/form-data',
	'text/plain',
	'application/x-sveltekit-formdata'
];

/**
 * CSRF: a form posted to a page from another origin is refused (403) — SvelteKit's own origin
 * check, done here instead (svelte.config.js turns SvelteKit's off) so that it can leave the API
 * out. SvelteKit's runs before the hooks and answers in plain text, so a `text/plain` POST to the
 * API got a page-style 403 instead of the API's 415 in its error JSON. The API needs no origin
 * check: it is opened by a bearer token only, which a cross-site form cannot send (a session
 * cookie does not open it, see `authenticate`).
 */
const checkOrigin: Handle = async ({ event, resolve }) => {
	const { request, url } = event;
	if (!isApi(url.pathname) && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method)) {
		const type = request.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
		if (FORM_CONTENT_TYPES.includes(type ?? '') && request.headers.get('origin') !== url.origin) {
			const message =
				'Envoi refusé : ce formulaire ne vient pas de ce site (protection CSRF). Rechargez la page et réessayez.';
			return request.headers.get('accept') === 'application/json'
				? json({ message }, { status: 403 })
				: text(message, { status: 403 });
		}
	}
	return resolve(event);
};

const requestId: Handle = async ({ event, resolve }) => {
	event.locals.requestId = crypto.randomUUID();
	return resolve(event);
};

/** Form posts to pages (not the API, which bounds each body itself): 1 MB is plenty for a form. */
const MAX_FORM_BODY = 1_000_000;
/**
 * Pages whose form uploads a file, bounded as the API's import: their action refuses a file
 * past its own limit with a message on the field (PAGE_FILE_LIMIT), not an error page.
 */
const FILE_FORM_ROUTES = new Set(['/(app)/territoires/[id]/import']);
const FORM_TYPE = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

/** Where in the address a NUL byte (`%00`) stands: the path, or the name of its parameter. */
function nulInAddress(url: URL): string | null {
	if (/%00/.test(url.pathname)) return 'chemin';
	for (const [name, value] of url.searchParams) {
		if (name.includes('\0') || value.includes('\0')) return name.replace(/\0/g, '') || 'paramètre';
	}
	return null;
}

/**
 * A NUL byte is never a meaningful character here, and PostgreSQL refuses it in text: caught at
 * the door, it is a 400 naming where it was instead of a database error (a 500) further in.
 * Page forms are also bounded here (an oversized post is a 413, not a read of 25 MB).
 */
const refuseBadInput: Handle = async ({ event, resolve }) => {
	const api = isApi(event.url.pathname);
	const where = nulInAddress(event.url);
	if (where) {
		const message = `Caractère nul (%00) dans l’adresse (${where}) : retirez-le.`;
		if (api) return apiError(400, API_ERRORS[400], message, [{ path: where, message }]);
		error(400, message);
	}
	const type = event.request.headers.get('content-type') ?? '';
	if (!api && event.request.method === 'POST' && FORM_TYPE.test(type)) {
		const length = Number(event.request.headers.get('content-length') ?? NaN);
		const limit = FILE_FORM_ROUTES.has(event.route.id ?? '') ? IMPORT_BODY_LIMIT : MAX_FORM_BODY;
		if (Number.isFinite(length) && length > limit) {
			error(413, `Formulaire trop volumineux (${limit / 1_000_000} Mo au plus).`);
		}
		let form: FormData;
		try {
			form = await event.request.clone().formData();
		} catch {
			error(400, 'Formulaire illisible : rechargez la page et réessayez.');
		}
		for (const [name, value] of form) {
			const text = typeof value === 'string' ? value : value.name;
			if (text.includes('\0') || name.includes('\0')) {
				error(
					400,
					`Le champ « ${name.replace(/\0/g, '')} » contient un caractère nul : retirez-le.`
				);
			}
		}
	}
	return resolve(event);
};

const database: Handle = async ({ event, resolve }) => {
	event.locals.db = (await getDatabase()).db;
	return resolve(event);
};

/**
 * Who is asking: a bearer token on the API, a session cookie on the pages. A bad or revoked
 * token is refused at once rather than treated as anonymous.
 */
const authenticate: Handle = async ({ event, resolve }) => {
	event.locals.principal = null;
	event.locals.sessionHash = null;
	const { db } = event.locals;
	if (isApi(event.url.pathname)) {
		const header = event.request.headers.get('authorization');
		if (header) {
			const match = /^Bearer\s+(\S+)$/i.exec(header);
			const principal = match ? await authenticateApiToken(db, match[1] as string) : null;
			if (!principal) {
				return apiError(401, API_ERRORS[401], 'Jeton absent, invalide ou révoqué.');
			}
			event.locals.principal = principal;
		}
		return resolve(event);
	}
	const token = event.cookies.get(SESSION_COOKIE);
	if (token) {
		const session = await validateSession(db, token);
		if (session) {
			event.locals.principal = session.principal;
			event.locals.sessionHash = session.tokenHash;
		} else {
			event.cookies.delete(SESSION_COOKIE, { path: '/' });
		}
	}
	return resolve(event);
};

/**
 * The API's rules come from its endpoint table (api-endpoints.ts), for every /api path: the
 * operation's role, else 404 or 405 (with `Allow`) in the API's error JSON — never a page.
 */
const authorizeApi: Handle = async ({ event, resolve }) => {
	const { method } = event.request;
	const { pathname } = event.url;
	const access = apiAccess(method, pathname);
	if (access === 'not_found' || access === 'method_not_allowed') {
		return unmatched(method, pathname, findOperation(method, pathname)).toResponse();
	}
	const { principal } = event.locals;
	const refusal = roleRefusal(access, principal);
	if (refusal && principal && access !== 'public') {
		const match = findOperation(method, pathname);
		await audit(event.locals.db, {
			actor: principal,
			action: 'authz.denied',
			outcome: 'denied',
			ip: event.getClientAddress(),
			details: {
				route: match && 'operation' in match ? `${API_BASE}${match.operation.path}` : pathname,
				method,
				action: null,
				required: access
			}
		});
	}
	return refusal ? refusal.toResponse() : resolve(event);
};

/** Every route's rule comes from one table (auth/access.ts); no rule ⇒ refused. */
const authorize: Handle = async ({ event, resolve }) => {
	if (isApi(event.url.pathname)) return authorizeApi({ event, resolve });
	const routeId = event.route.id;
	if (routeId === null) return resolve(event); // no such route: SvelteKit answers 404
	const method = event.request.method;
	// A page's POST is a form action unless its rule names POST itself (a +server endpoint).
	const formAction =
		method === 'POST' && !hasMethodRule(routeId, 'POST') ? actionName(event.url.search) : undefined;
	const access = requiredAccess(routeId, method, formAction);
	const { principal } = event.locals;
	if (access === 'public') return resolve(event);
	if (!principal) {
		if (method === 'GET') {
			redirect(
				303,
				`/connexion?suite=${encodeURIComponent(event.url.pathname + event.url.search)}`
			);
		}
		error(401, 'Connectez-vous pour continuer.');
	}
	if (access === undefined || !hasRole(principal.role, access)) {
		await audit(event.locals.db, {
			actor: principal,
			action: 'authz.denied',
			outcome: 'denied',
			ip: event.getClientAddress(),
			details: { route: routeId, method, action: formAction ?? null, required: access ?? 'none' }
		});
		error(403, 'Votre rôle ne donne pas accès à cette page.');
	}
	// A one-time password must be replaced before anything else.
	if (
		principal.mustChangePassword &&
		routeId !== '/(app)/compte' &&
		routeId !== '/(app)/deconnexion'
	) {
		redirect(303, '/compte?premiere=1');
	}
	return resolve(event);
};

/**
 * First in the chain, so that the answers of the other handles (401, 403, 413 of the API) get
 * these headers too.
 */
const securityHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	// Answered without reading the body (refused before the endpoint ran): the unread bytes are
	// still on the socket, so it cannot serve another request — tell the client to open a new one
	// rather than let its next request on this connection be reset.
	if (event.request.body && !event.request.bodyUsed) response.headers.set('Connection', 'close');
	response.headers.set('X-Content-Type-Options', 'nosniff');
	response.headers.set('Referrer-Policy', 'strict-origin-when-cross-origin');
	response.headers.set('X-Frame-Options', 'DENY');
	response.headers.set('Cross-Origin-Opener-Policy', 'same-origin');
	if (event.url.protocol === 'https:') {
		response.headers.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
	}
	if (event.locals.principal) response.headers.set('Cache-Control', 'private, no-store');
	return response;
};

/** First in the sequence: it compresses what every other handle and the route made. */
const compress: Handle = async ({ event, resolve }) =>
	compressResponse(event.request, await resolve(event));

export const handle = sequence(
	compress,
	securityHeaders,
	checkOrigin,
	requestId,
	refuseBadInput,
	database,
	authenticate,
	authorize
);

export const handleError: HandleServerError = ({ error, event, status, message }) => {
	if (status >= 500) {
		console.error(`[bon-tiers] ${event.locals.requestId ?? '-'} ${event.url.pathname}`, error);
		return {
			message: 'Une erreur interne est survenue. Réessayez ; si elle persiste, signalez ce numéro.',
			requestId: event.locals.requestId
		};
	}
	return { message };
};
