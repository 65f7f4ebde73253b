import { jsonResponse as json } from './compression';
import type { z } from 'zod';
import { issuesOf, type Issue } from '$lib/schemas/zod';
import type { ServiceError, ServiceErrorKind } from './services/errors';

/**
 * The API's error format (contract §3):
 * `{"error": {"code", "message", "issues": [{"path", "message"}]}}`.
 */
export function apiError(
	status: number,
	code: string,
	message: string,
	issues: Issue[] = [],
	headers: Record<string, string> = {}
) {
	return json({ error: { code, message, issues } }, { status, headers });
}

export const API_ERRORS = {
	400: 'bad_request',
	401: 'unauthorized',
	403: 'forbidden',
	404: 'not_found',
	405: 'method_not_allowed',
	409: 'conflict',
	413: 'payload_too_large',
	415: 'unsupported_media_type',
	422: 'invalid',
	429: 'too_many_requests',
	500: 'internal_error'
} as const;

/** A failure that becomes an API error response (thrown by handlers, caught by the router). */
export class ApiFailure extends Error {
	constructor(
		readonly status: keyof typeof API_ERRORS,
		message: string,
		readonly issues: Issue[] = [],
		/** Headers of the answer, e.g. `Allow` for a 405. */
		readonly headers: Record<string, string> = {}
	) {
		super(message);
	}

	toResponse() {
		return apiError(this.status, API_ERRORS[this.status], this.message, this.issues, this.headers);
	}
}

/** A service's refusal (services/errors.ts) in the API's terms: `invalid` is a 422 here. */
const SERVICE_STATUS = {
	invalid: 422,
	not_found: 404,
	forbidden: 403,
	conflict: 409
} as const satisfies Record<ServiceErrorKind, keyof typeof API_ERRORS>;

export function serviceFailure(error: ServiceError): ApiFailure {
	return new ApiFailure(SERVICE_STATUS[error.kind], error.message, error.issues);
}

/**
 * Reads the body's bytes, refusing past `limit` bytes even without a Content-Length. Past the
 * limit the rest is read and dropped rather than cancelled: with adapter-node, cancelling the
 * body destroys the socket, and the client would get a connection reset instead of the 413
 * (adapter-node's BODY_SIZE_LIMIT still bounds what is read). Bytes rather than text: an import
 * file in CSV may be Windows-1252, which its handler detects.
 */
export async function readBytes(request: Request, limit: number): Promise<Uint8Array> {
	if (!request.body) return new Uint8Array();
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > limit) {
			try {
				while (!(await reader.read()).done) {
					// dropped
				}
			} catch {
				// Past adapter-node's own limit the stream errors: the answer is the same.
			}
			throw new ApiFailure(413, `Corps de requête trop grand (${limit} octets au plus).`);
		}
		chunks.push(value);
	}
	return Buffer.concat(chunks);
}

/** Validates with a zod schema: 422 with every issue located by its path. */
export function validate<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
	const parsed = schema.safeParse(value);
	if (!parsed.success) {
		throw new ApiFailure(422, 'Valeurs invalides.', issuesOf(parsed.error));
	}
	return parsed.data;
}

/** Query parameters as an object (a repeated parameter becomes an array). */
export function queryObject(url: URL): Record<string, string | string[]> {
	const out: Record<string, string | string[]> = {};
	for (const key of new Set(url.searchParams.keys())) {
		const all = url.searchParams.getAll(key);
		out[key] = all.length > 1 ? all : (all[0] as string);
	}
	return out;
}

/**
 * Where a value holds a NUL character (U+0000), in a string or an object key, as issue paths
 * (`problems.1`, `location`). PostgreSQL refuses NUL in text: found here, it is a 400 naming the
 * field instead of a database error further in. At most `max` paths. Iterative, and each node
 * keeps only its parent, so that a body nested a million levels deep (JSON.parse takes it)
 * neither overflows the stack nor copies its path at every level.
 */
export function nulPaths(value: unknown, max = 20): string[] {
	interface Node {
		value: unknown;
		key: string;
		parent: Node | null;
	}
	const pathOf = (node: Node | null, last?: string): string => {
		const keys = last === undefined ? [] : [last];
		for (let n = node; n?.parent; n = n.parent) keys.push(n.key);
		return keys.reverse().join('.');
	};
	const found: string[] = [];
	const stack: Node[] = [{ value, key: '', parent: null }];
	while (stack.length > 0 && found.length < max) {
		const node = stack.pop() as Node;
		const v = node.value;
		if (typeof v === 'string') {
			if (v.includes('\0')) found.push(pathOf(node));
		} else if (Array.isArray(v)) {
			for (let i = v.length - 1; i >= 0; i--)
				stack.push({ value: v[i], key: `${i}`, parent: node });
		} else if (v !== null && typeof v === 'object') {
			for (const [key, item] of Object.entries(v).reverse()) {
				if (key.includes('\0')) found.push(pathOf(node, key.replace(/\0/g, '')));
				else stack.push({ value: item, key, parent: node });
			}
		}
	}
	return found;
}
