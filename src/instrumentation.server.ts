import { defaultOrigin } from '$lib/server/origin';

/**
 * Runs before adapter-node reads its environment (SvelteKit's server instrumentation hook is
 * imported first, the server itself after it), so the defaults below apply to `node build`
 * exactly as documented, not only to `npm start`.
 */
// Unset, adapter-node would take the origin to be https and refuse every form post over http.
process.env.ORIGIN ||= defaultOrigin(process.env);
// adapter-node's own limit (512 kB) would answer a plain-text 413 before the app's limits
// (1 MB for JSON, 20 MB for an import) are reached; the app enforces those itself.
process.env.BODY_SIZE_LIMIT ||= '25M';
