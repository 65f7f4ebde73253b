import type { z } from 'zod';
import type { Role } from '$lib/domain/roles';
import type { API_ERRORS } from './api';
import type { Principal } from './auth/principal';

/**
 * What an operation of the API is (its entry in the endpoint table, api-endpoints.ts), and what
 * its entry says about it beside its own fields: its media types and its error statuses.
 */

export const API_BASE = '/api/v1';

export const API_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type ApiMethod = (typeof API_METHODS)[number];

export type ApiErrorStatus = keyof typeof API_ERRORS;

/** Request bodies: 1 MB of JSON; an import file, 20 MB (contract §8). */
export const JSON_BODY_LIMIT = 1_000_000;
export const IMPORT_BODY_LIMIT = 20_000_000;

export type ApiMediaType = 'application/json' | 'text/csv';

export interface ApiBody {
	/** Its name among the OpenAPI document's schemas. */
	name: string;
	/** The JSON body, as the handler validates it (read as zod input). */
	schema: z.ZodType;
	/** Bytes at most (413 past it). */
	limit: number;
	/** When `text/csv` is accepted too: what the CSV holds (OpenAPI). */
	csv?: string;
	/**
	 * Read as text and left to the handler to parse (an import file, whose syntax errors are
	 * import problems), instead of parsed as JSON by the router.
	 */
	text?: boolean;
}

export interface ApiResponse {
	description: string;
	/** Its name among the OpenAPI document's schemas (one name, one schema). */
	name: string;
	schema: z.ZodType;
	/** Response headers it may carry, with what they say (OpenAPI). */
	headers?: Record<string, string>;
}

/** What a handler receives: the request as the router read and checked it. */
export interface ApiRequest<Q> {
	/** Path parameters, decoded (`{id}` ⇒ `params.id`). */
	params: Record<string, string>;
	/** The query, validated by the operation's query schema (`{}` without one). */
	query: Q;
	/** The JSON body, parsed (`undefined` without a body, or when read as text). */
	body: unknown;
	/** The body as UTF-8 text (`''` without one). */
	text: string;
	/** The body's bytes, for a body that may be in another encoding (a CSV import file). */
	bytes: Uint8Array;
	/** The body's media type, one the operation accepts (`null` without a body). */
	type: ApiMediaType | null;
	request: Request;
	url: URL;
	locals: App.Locals;
	/** The caller; the router guarantees one of the operation's role unless it is public. */
	principal: Principal | null;
	ip: string;
}

export interface Operation<Q extends z.ZodObject = z.ZodObject> {
	method: ApiMethod;
	/** Below /api/v1, OpenAPI style: `/orientations/{id}`. */
	path: `/${string}`;
	/** The least role that may call it (roles are cumulative), or `public`. */
	role: Role | 'public';
	/** French, one line. */
	summary: string;
	description?: string;
	/** What each path parameter names. */
	params?: Record<string, string>;
	/** Request headers it reads, with what they do. */
	headers?: Record<string, string>;
	query?: Q;
	body?: ApiBody;
	/** Success statuses and their bodies. */
	responses: Partial<Record<200 | 201, ApiResponse>>;
	/** Error statuses besides those the router itself answers (see `errorStatuses`). */
	errors?: readonly ApiErrorStatus[];
	handle(request: ApiRequest<z.output<Q>>): Promise<Response>;
}

/** An entry of the table, its handler typed by its own query schema. */
export function operation<Q extends z.ZodObject = z.ZodObject>(op: Operation<Q>): Operation {
	return op as unknown as Operation;
}

/**
 * The error statuses an operation may answer: those of the router (400 for a NUL character in the
 * address, on any operation; 401/403 by role; 400, 413, 415 and 422 with a body; 422 with a query;
 * 404 with a path parameter) and its own.
 */
export function errorStatuses(op: Operation): ApiErrorStatus[] {
	const statuses = new Set<ApiErrorStatus>([400, ...(op.errors ?? [])]);
	if (op.role !== 'public') statuses.add(401).add(403);
	if (op.body) statuses.add(413).add(415).add(422);
	if (op.query) statuses.add(422);
	if (op.path.includes('{')) statuses.add(404);
	return [...statuses].sort((a, b) => a - b);
}

/** The media types an operation's body may have. */
export function mediaTypes(op: Operation): ApiMediaType[] {
	if (!op.body) return [];
	return op.body.csv ? ['application/json', 'text/csv'] : ['application/json'];
}
