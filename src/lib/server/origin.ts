/**
 * The public origin when `ORIGIN` is unset (contract §6). adapter-node would otherwise build it
 * from the request with `https` as the protocol, so a browser on `http://localhost:3000` could
 * never post a form (SvelteKit's CSRF check compares the two origins and answers 403).
 * Pure and dependency-free: instrumentation.server.ts runs it before the app is loaded.
 */
export function defaultOrigin(env: Record<string, string | undefined>): string {
	const port = env.PORT || '3000';
	const host = env.HOST;
	// Listening on every interface says nothing of the name people type: localhost, as printed.
	const name = !host || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
	const bracketed = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
	return `http://${bracketed}:${port}`;
}

/** `ORIGIN` as set, or the default above: the address the server prints and signs in on. */
export function publicOrigin(env: Record<string, string | undefined>): string {
	return env.ORIGIN || defaultOrigin(env);
}
