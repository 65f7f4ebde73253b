import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from 'node:zlib';

/**
 * Compression of the server's own answers (pages, JSON, GeoJSON, CSV): the map of a large
 * territory and the API's lists are text that shrinks five- to tenfold, and a guichet on a slow
 * line waits for every byte. Static files are compressed once at build time (adapter-node's
 * `precompress`), so this only sees what the routes make.
 *
 * Brotli when the client takes it (quality 5: most of the gain of 11 at a small part of its CPU
 * cost, measured on the map's JSON), else gzip; nothing under MIN_BYTES (a header costs more than
 * it saves), nothing already encoded, streamed or with no body.
 */

export const MIN_BYTES = 1024;

/** Brotli's quality (0–11) for the app's answers; the map's benchmark measures with the same. */
export const BROTLI_QUALITY = 5;

const COMPRESSIBLE =
	/^(text\/|application\/(json|geo\+json|problem\+json|javascript|xml|manifest\+json|vnd\.mapbox-vector-tile)|image\/svg\+xml)/i;

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export type Encoding = 'br' | 'gzip';

/** The encoding to use for an Accept-Encoding header (q=0 refuses one), or null. */
export function chooseEncoding(accept: string | null): Encoding | null {
	if (!accept) return null;
	const offered = new Map<string, number>();
	for (const part of accept.split(',')) {
		const [name = '', ...params] = part.trim().toLowerCase().split(';');
		const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
		const weight = q ? Number(q.slice(2)) : 1;
		offered.set(name.trim(), Number.isFinite(weight) ? weight : 0);
	}
	const weight = (name: Encoding) => offered.get(name) ?? offered.get('*') ?? 0;
	if (weight('br') > 0 && weight('br') >= weight('gzip')) return 'br';
	if (weight('gzip') > 0) return 'gzip';
	return null;
}

/** Whether a response of this request may be compressed at all (before reading its body). */
export function compressible(method: string, response: Response): boolean {
	if (method === 'HEAD' || !response.body) return false;
	if (response.status < 200 || response.status === 204 || response.status === 206) return false;
	if (response.status === 304) return false;
	if (response.headers.has('content-encoding')) return false;
	const type = response.headers.get('content-type') ?? '';
	// Server-sent events must reach the client as written, not when a buffer fills.
	if (type.startsWith('text/event-stream')) return false;
	return COMPRESSIBLE.test(type);
}

/**
 * Under this size a body is compressed on the main thread. Node's asynchronous zlib hands each
 * body to the thread pool and back: for the API's answers of a few kilobytes that handover cost
 * more than the compression (measured: 194 µs of CPU per 3.7 kB answer against 80 µs in place;
 * under load, a sixth of the server's CPU). Larger bodies — a large territory's places, an
 * export — go to the pool, so that one of them never holds every other request back for
 * milliseconds.
 */
export const SYNC_MAX_BYTES = 64 * 1024;

export async function encode(body: Uint8Array, encoding: Encoding): Promise<Buffer> {
	const inPlace = body.byteLength <= SYNC_MAX_BYTES;
	if (encoding === 'br') {
		const options = {
			params: {
				[constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
				[constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength
			}
		};
		return inPlace ? brotliCompressSync(body, options) : brotli(body, options);
	}
	return inPlace ? gzipSync(body, { level: 6 }) : gzipAsync(body, { level: 6 });
}

/*
 * The bytes of the answers made by `jsonResponse`, so that compressing one does
 * not read back through the body's web stream what the route had in hand: Kit's `json()` encodes
 * the text once for its length, the stream hands it over in chunks, and the compressed copy was
 * copied again — for an API answer of a few kilobytes, more CPU than the compression itself.
 * Encoded once here, they serve as the body, its length and the compression's input.
 */
const knownBodies = new WeakMap<Response, Uint8Array<ArrayBuffer>>();

/** A JSON response (as Kit's `json()`), whose bytes the compression below takes directly. */
export function jsonResponse(value: unknown, init: ResponseInit = {}): Response {
	const body = Buffer.from(JSON.stringify(value));
	const headers = new Headers(init.headers);
	headers.set('content-type', 'application/json');
	headers.set('content-length', String(body.byteLength));
	const response = new Response(body, { ...init, headers });
	knownBodies.set(response, body);
	return response;
}

/**
 * The response, compressed when the client and its type allow; the same response otherwise. Its
 * headers are changed in place (the app's responses are its own, as the security headers are).
 */
export async function compressResponse(request: Request, response: Response): Promise<Response> {
	const { headers } = response;
	const allowed = compressible(request.method, response);
	// Caches must keep one copy per encoding, whichever this one is.
	if (allowed) {
		const vary = headers.get('vary');
		if (!vary) headers.set('vary', 'Accept-Encoding');
		else if (!/accept-encoding|\*/i.test(vary)) headers.set('vary', `${vary}, Accept-Encoding`);
	}
	const encoding = chooseEncoding(request.headers.get('accept-encoding'));
	if (!encoding || !allowed) return response;
	const known = knownBodies.get(response);
	const body = known ?? new Uint8Array(await response.arrayBuffer());
	const init = { status: response.status, statusText: response.statusText, headers };
	// A body read from its stream is used up: the answer goes out with the bytes read.
	if (body.byteLength < MIN_BYTES) return known ? response : new Response(body, init);
	const encoded = await encode(body, encoding);
	headers.set('content-encoding', encoding);
	headers.set('content-length', String(encoded.byteLength));
	// A strong validator names the bytes: the compressed ones are other bytes.
	const etag = headers.get('etag');
	if (etag && !etag.startsWith('W/')) headers.set('etag', `W/${etag}`);
	// A Buffer is a Uint8Array: sent as it is, without the copy a `new Uint8Array()` would make.
	return new Response(encoded as Uint8Array<ArrayBuffer>, init);
}
