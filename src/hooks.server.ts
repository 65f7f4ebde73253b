import { building } from '$app/environment';
import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { closeDatabase, getDatabase } from '$lib/server/runtime';

export const init: ServerInit = async () => {
	if (building) return;
	await getDatabase();
	// adapter-node emits this once in-flight requests are done (SIGTERM/SIGINT): closing the
	// database then flushes PGlite to disk, so no write is lost on a restart.
	process.once('sveltekit:shutdown', () => {
		void closeDatabase();
	});
};

const requestId: Handle = async ({ event, resolve }) => {
	event.locals.requestId = crypto.randomUUID();
	return resolve(event);
};

const database: Handle = async ({ event, resolve }) => {
	event.locals.db = (await getDatabase()).db;
	return resolve(event);
};

const securityHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	response.headers.set('X-Content-Type-Options', 'nosniff');
	response.headers.set('Referrer-Policy', 'strict-origin-when-cross-origin');
	response.headers.set('X-Frame-Options', 'DENY');
	return response;
};

export const handle = sequence(requestId, database, securityHeaders);

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
