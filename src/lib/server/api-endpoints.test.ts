import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_ROUTE } from './auth/access';
import { apiAccess, ENDPOINTS, findOperation, unmatched } from './api-endpoints';
import { API_BASE, errorStatuses, IMPORT_BODY_LIMIT, JSON_BODY_LIMIT } from './api-operation';

const ROUTES_DIR = fileURLToPath(new URL('../../routes', import.meta.url));

/** Every file under a directory, relative to it. */
function filesUnder(dir: string): string[] {
	return fs
		.readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((e) => e.isFile())
		.map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
		.sort();
}

describe('the endpoint table', () => {
	it('is the only way into the API: no route file under src/routes/api/ but the catch-all', () => {
		const catchAll = path.join(...API_ROUTE.split('/').filter(Boolean), '+server.ts');
		const files = filesUnder(path.join(ROUTES_DIR, 'api')).map((f) => path.join('api', f));
		// A new endpoint is an entry of ENDPOINTS (src/lib/server/api-endpoints.ts), where the
		// router, the authorization handle, openapi.json and the tests all find it.
		expect(files).toEqual([catchAll]);
	});

	it('lists each operation once, with a French summary and a success response', () => {
		const keys = ENDPOINTS.map((o) => `${o.method} ${o.path}`);
		expect(new Set(keys).size).toBe(keys.length);
		for (const op of ENDPOINTS) {
			expect(op.path, `${op.method} ${op.path}`).toMatch(/^\/[a-z0-9./{}-]*$/);
			expect(op.summary.length, `${op.method} ${op.path}`).toBeGreaterThan(5);
			expect(Object.keys(op.responses).length, `${op.method} ${op.path}`).toBeGreaterThan(0);
			for (const param of op.path.match(/\{([^}]+)\}/g) ?? []) {
				expect(op.params?.[param.slice(1, -1)], `${op.path} ${param}`).toBeTruthy();
			}
		}
		// The contract's §3 operations.
		expect(keys).toEqual(
			expect.arrayContaining([
				'POST /recommendations',
				'POST /orientations',
				'GET /orientations/{id}',
				'POST /orientations/{id}/status',
				'GET /structures',
				'GET /structures/{id}',
				'GET /territories/{id}',
				'PUT /territories/{id}',
				'POST /territories/{id}/structures',
				'GET /territories/{id}/coverage',
				'POST /territories/{id}/simulations',
				'GET /openapi.json'
			])
		);
	});

	it('bounds bodies: 1 MB of JSON, 20 MB for an import, which alone also takes CSV', () => {
		for (const op of ENDPOINTS.filter((o) => o.body)) {
			const isImport = op.path === '/territories/{id}/structures';
			expect(op.body?.limit, op.path).toBe(isImport ? IMPORT_BODY_LIMIT : JSON_BODY_LIMIT);
			expect(op.body?.csv !== undefined, op.path).toBe(isImport);
			expect(op.method, op.path).not.toBe('GET');
		}
	});

	it('gives roles as the contract does', () => {
		expect(apiAccess('GET', `${API_BASE}/openapi.json`)).toBe('public');
		expect(apiAccess('GET', `${API_BASE}/structures`)).toBe('partner');
		expect(apiAccess('HEAD', `${API_BASE}/structures/s-1`)).toBe('partner');
		expect(apiAccess('GET', `${API_BASE}/territories/t`)).toBe('partner');
		expect(apiAccess('PUT', `${API_BASE}/territories/t`)).toBe('pilot');
		expect(apiAccess('POST', `${API_BASE}/territories/t/structures`)).toBe('pilot');
		expect(apiAccess('GET', `${API_BASE}/territories/t/coverage`)).toBe('partner');
		expect(apiAccess('GET', `${API_BASE}/territories/t/data-inclusion`)).toBe('partner');
		expect(apiAccess('POST', `${API_BASE}/territories/t/simulations`)).toBe('pilot');
		expect(apiAccess('POST', `${API_BASE}/recommendations`)).toBe('agent');
		expect(apiAccess('POST', `${API_BASE}/orientations`)).toBe('agent');
		// Contract §7: a structure's member (a partner) reads and answers its orientations; the
		// service narrows a partner to its structures' orientations.
		expect(apiAccess('GET', `${API_BASE}/orientations`)).toBe('partner');
		expect(apiAccess('GET', `${API_BASE}/orientations/OR-2026-00001`)).toBe('partner');
		expect(apiAccess('POST', `${API_BASE}/orientations/x/status`)).toBe('partner');
		expect(apiAccess('POST', `${API_BASE}/orientations/x/reorient`)).toBe('agent');
		expect(ENDPOINTS.filter((o) => o.role === 'public').map((o) => o.path)).toEqual([
			'/openapi.json'
		]);
	});

	it('tells an unknown path (404) from a known path with another method (405, Allow)', () => {
		for (const pathname of [
			`${API_BASE}`,
			`${API_BASE}/`,
			`${API_BASE}/inconnu`,
			`${API_BASE}/structures/a/b`,
			`${API_BASE}/territories//coverage`,
			`${API_BASE}structures`,
			'/api/v2/structures',
			'/api/autre'
		]) {
			expect(apiAccess('GET', pathname), pathname).toBe('not_found');
			expect(unmatched('GET', pathname, findOperation('GET', pathname)).status).toBe(404);
		}
		expect(apiAccess('DELETE', `${API_BASE}/territories/t`)).toBe('method_not_allowed');
		expect(apiAccess('GET', `${API_BASE}/recommendations`)).toBe('method_not_allowed');
		const failure = unmatched(
			'DELETE',
			`${API_BASE}/territories/t`,
			findOperation('DELETE', `${API_BASE}/territories/t`)
		);
		expect(failure.status).toBe(405);
		expect(failure.headers.Allow).toBe('GET, PUT, HEAD');
	});

	it('decodes path parameters and refuses a bad percent-encoding as no such path', () => {
		const match = findOperation('GET', `${API_BASE}/structures/finess%3A130784234`);
		expect(match && 'operation' in match && match.params).toEqual({ id: 'finess:130784234' });
		expect(findOperation('GET', `${API_BASE}/structures/%E0%A4%A`)).toBeNull();
	});

	it('derives the error statuses of each operation', () => {
		const get = (method: string, p: string) =>
			ENDPOINTS.find((o) => o.method === method && o.path === p);
		expect(errorStatuses(get('GET', '/openapi.json')!)).toEqual([400]);
		expect(errorStatuses(get('GET', '/structures')!)).toEqual([400, 401, 403, 422]);
		expect(errorStatuses(get('PUT', '/territories/{id}')!)).toEqual([
			400, 401, 403, 404, 413, 415, 422
		]);
	});
});
