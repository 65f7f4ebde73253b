import { json } from '@sveltejs/kit';
import type { z } from 'zod';
import { issuesOf, type Issue } from '$lib/schemas/zod';

/**
 * The API's error format (contract §3):
 * `{"error": {"code", "message", "issues": [{"path", "message"}]}}`.
 */
export function apiError(status: number, code: string, message: string, issues: Issue[] = []) {
	return json({ error: { code, message, issues } }, { status });
}

export const API_ERRORS = {
	400: 'bad_request',
	401: 'unauthorized',
	403: 'forbidden',
	404: 'not_found',
	413: 'payload_too_large',
	415: 'unsupported_media_type',
	422: 'invalid',
	429: 'too_many_requests'
} as const;

/** A failure that becomes an API error response (thrown by the helpers, caught by `handle`). */
export class ApiFailure extends Error {
	constructor(
		readonly status: keyof typeof API_ERRORS,
		message: string,
		readonly issues: Issue[] = []
	) {
		super(message);
	}

	toResponse() {
		return apiError(this.status, API_ERRORS[this.status], this.message, this.issues);
	}
}

/** Runs an endpoint, turning ApiFailure into the error format. */
export async function handleApi(run: () => Promise<Response>): Promise<Response> {
	try {
		return await run();
	} catch (error) {
		if (error instanceof ApiFailure) return error.toResponse();
		throw error;
	}
}

/**
 * Reads the body as text, refusing past `limit` bytes even without a Content-Length. Past the
 * limit the rest is read and dropped rather than cancelled: with adapter-node, cancelling the
 * body destroys the socket, and the client would get a connection reset instead of the 413
 * (adapter-node's BODY_SIZE_LIMIT still bounds what is read).
 */
export async function readText(request: Request, limit: number): Promise<string> {
	if (!request.body) return '';
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
	return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body: 415 when not JSON, 400 when malformed. */
export async function readJson(request: Request, limit: number): Promise<unknown> {
	const type = request.headers.get('content-type') ?? '';
	if (!/^application\/json\b/i.test(type)) {
		throw new ApiFailure(415, 'Content-Type: application/json attendu.');
	}
	const text = await readText(request, limit);
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new ApiFailure(400, `JSON mal formé : ${(error as Error).message}`);
	}
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
