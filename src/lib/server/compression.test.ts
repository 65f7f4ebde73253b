import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chooseEncoding, compressResponse, jsonResponse as answer, MIN_BYTES } from './compression';

const big = JSON.stringify({
	items: Array.from({ length: 400 }, (_, i) => ({ id: i, name: `Structure ${i}` }))
});

const get = (accept: string | null, method = 'GET') =>
	new Request('http://localhost/api/v1/structures', {
		method,
		headers: accept ? { 'accept-encoding': accept } : {}
	});
const jsonResponse = (body: string, headers: Record<string, string> = {}) =>
	new Response(body, { headers: { 'content-type': 'application/json', ...headers } });

describe('chooseEncoding', () => {
	it('prefers brotli, falls back to gzip, honours q=0', () => {
		expect(chooseEncoding('gzip, deflate, br')).toBe('br');
		expect(chooseEncoding('gzip, deflate')).toBe('gzip');
		expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
		expect(chooseEncoding('gzip;q=1, br;q=0.5')).toBe('gzip');
		expect(chooseEncoding('identity')).toBeNull();
		expect(chooseEncoding('*')).toBe('br');
		expect(chooseEncoding(null)).toBeNull();
	});
});

describe('compressResponse', () => {
	it('compresses JSON with brotli, the bytes coming back the same', async () => {
		const out = await compressResponse(get('br, gzip'), jsonResponse(big, { etag: '"abc"' }));
		expect(out.headers.get('content-encoding')).toBe('br');
		expect(out.headers.get('vary')).toBe('Accept-Encoding');
		expect(out.headers.get('etag')).toBe('W/"abc"');
		const bytes = Buffer.from(await out.arrayBuffer());
		expect(bytes.length).toBeLessThan(big.length / 3);
		expect(brotliDecompressSync(bytes).toString('utf8')).toBe(big);
	});

	it('uses gzip for a client without brotli', async () => {
		const out = await compressResponse(get('gzip'), jsonResponse(big));
		expect(out.headers.get('content-encoding')).toBe('gzip');
		expect(gunzipSync(Buffer.from(await out.arrayBuffer())).toString('utf8')).toBe(big);
	});

	it('compresses the map’s vector tiles (protocol buffers, not text)', async () => {
		const tile = Buffer.from(big);
		const out = await compressResponse(
			get('gzip'),
			new Response(tile, { headers: { 'content-type': 'application/vnd.mapbox-vector-tile' } })
		);
		expect(out.headers.get('content-encoding')).toBe('gzip');
		expect(gunzipSync(Buffer.from(await out.arrayBuffer()))).toEqual(tile);
	});

	it('leaves alone small bodies, HEAD, images, event streams and clients without encodings', async () => {
		const small = 'x'.repeat(MIN_BYTES - 1);
		for (const [request, response] of [
			[get('br'), jsonResponse(small)],
			[get('br', 'HEAD'), new Response(null, { headers: { 'content-type': 'application/json' } })],
			[get('br'), new Response(big, { headers: { 'content-type': 'image/png' } })],
			[get('br'), new Response(big, { headers: { 'content-type': 'text/event-stream' } })],
			[get(null), jsonResponse(big)],
			[get('br'), jsonResponse(big, { 'content-encoding': 'gzip' })]
		] as const) {
			const out = await compressResponse(request, response);
			expect(out.headers.get('content-encoding') ?? 'none').not.toBe('br');
		}
		// Said in Vary even when not compressed: a cache must not give this copy to a brotli client.
		const plain = await compressResponse(get(null), jsonResponse(big));
		expect(plain.headers.get('vary')).toBe('Accept-Encoding');
		expect(await plain.text()).toBe(big);
	});

	it('keeps status and the other headers', async () => {
		const out = await compressResponse(
			get('br'),
			new Response(big, {
				status: 404,
				headers: { 'content-type': 'application/json', 'x-request-id': 'r1', vary: 'Cookie' }
			})
		);
		expect(out.status).toBe(404);
		expect(out.headers.get('x-request-id')).toBe('r1');
		expect(out.headers.get('vary')).toBe('Cookie, Accept-Encoding');
	});

	it('takes the bytes of an answer made by jsonResponse, lengths in bytes', async () => {
		const value = {
			items: Array.from({ length: 300 }, (_, i) => ({ id: i, name: `Établissement n° ${i}` }))
		};
		const text = JSON.stringify(value);
		const made = answer(value, { status: 201, headers: { 'x-request-id': 'r2' } });
		expect(made.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
		const out = await compressResponse(get('br'), made);
		expect(out.status).toBe(201);
		expect(out.headers.get('x-request-id')).toBe('r2');
		expect(out.headers.get('content-type')).toBe('application/json');
		const bytes = Buffer.from(await out.arrayBuffer());
		expect(out.headers.get('content-length')).toBe(String(bytes.length));
		expect(brotliDecompressSync(bytes).toString('utf8')).toBe(text);
		// Without an encoding, or small, the answer goes as made, its text whole.
		const plain = answer(value);
		expect(await compressResponse(get(null), plain)).toBe(plain);
		expect(await plain.text()).toBe(text);
		const small = answer({ ok: 'é' });
		const same = await compressResponse(get('br'), small);
		expect(same).toBe(small);
		expect(same.headers.get('content-length')).toBe(String(Buffer.byteLength('{"ok":"é"}')));
		expect(await same.json()).toEqual({ ok: 'é' });
	});
});
