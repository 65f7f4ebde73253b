import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEMO_TERRITORY_ID } from '../demo-data';
import { apiToken, baseUrl } from '../http';

/**
 * Compressed answers on the wire (issue 17), read with node:http, which decodes nothing: what a
 * proxy or a script sees. The API's JSON and the map's GeoJSON are compressed by the server as it
 * answers; the built scripts were compressed at build time (adapter-node's precompress).
 */

interface Raw {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: Buffer;
}

function get(path: string, headers: Record<string, string>): Promise<Raw> {
	return new Promise((resolve, reject) => {
		const req = http.get(new URL(path, baseUrl()), { headers }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () =>
				resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
			);
			res.on('error', reject);
		});
		req.on('error', reject);
	});
}

const decode = (raw: Raw) =>
	raw.headers['content-encoding'] === 'br'
		? brotliDecompressSync(raw.body)
		: raw.headers['content-encoding'] === 'gzip'
			? gunzipSync(raw.body)
			: raw.body;

describe('réponses compressées', () => {
	it('the API answers its JSON in brotli, or gzip, and the same bytes without', async () => {
		const path = `/api/v1/structures?territory=${DEMO_TERRITORY_ID}`;
		const auth = { authorization: `Bearer ${apiToken('partnerMarseille')}` };
		const plain = await get(path, auth);
		expect(plain.status).toBe(200);
		expect(plain.headers['content-encoding']).toBeUndefined();
		expect(plain.headers.vary).toMatch(/Accept-Encoding/i);
		const br = await get(path, { ...auth, 'accept-encoding': 'gzip, deflate, br' });
		expect(br.headers['content-encoding']).toBe('br');
		expect(br.body.length).toBeLessThan(plain.body.length / 3);
		const gz = await get(path, { ...auth, 'accept-encoding': 'gzip' });
		expect(gz.headers['content-encoding']).toBe('gzip');
		// The same document, whichever the encoding (a list read twice: compare what it says).
		const read = (raw: Raw) => JSON.parse(decode(raw).toString('utf8')) as unknown;
		expect(read(br)).toEqual(read(plain));
		expect(read(gz)).toEqual(read(plain));
	});

	it('a page and its built scripts come compressed', async () => {
		const page = await get('/connexion', { 'accept-encoding': 'br' });
		expect(page.status).toBe(200);
		expect(page.headers['content-encoding']).toBe('br');
		const html = decode(page).toString('utf8');
		const script = /\/_app\/immutable\/[^"']+\.js/.exec(html)?.[0];
		expect(script, 'aucun script dans la page').toBeDefined();
		const js = await get(script as string, { 'accept-encoding': 'br' });
		expect(js.status).toBe(200);
		expect(js.headers['content-encoding']).toBe('br');
		const plain = await get(script as string, {});
		expect(decode(js).equals(plain.body)).toBe(true);
	});
});
