import { routeApi } from '$lib/server/api-router';
import type { RequestHandler } from './$types';

/**
 * Every request under /api/v1, whatever its method, is answered from the endpoint table
 * (src/lib/server/api-endpoints.ts): an endpoint is an entry there, never a +server.ts of its
 * own (a test fails if one appears under src/routes/api/).
 */
export const fallback: RequestHandler = (event) => routeApi(event);
