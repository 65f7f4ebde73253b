/**
 * Issue 12, "walls that hold": the API's one endpoint table, through its router, on both
 * databases. openapi.json is a valid OpenAPI 3.1 document (checked by an OpenAPI validator)
 * describing every operation of the table; every real answer — success or refusal — matches its
 * schema there (checked by a JSON Schema 2020-12 validator); and requests generated from those
 * schemas, then broken (wrong types, missing and extra fields, NUL characters, huge numbers,
 * wrong media types, bad JSON), never get a 5xx, always the contract's error JSON.
 *
 * The router is called in-process with a real Request and locals built as hooks.server.ts builds
 * them, with a principal of each role (and none).
 */
import { randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '$lib/domain/roles';
import type { Principal } from '$lib/server/auth/principal';
import { API_ERRORS } from '$lib/server/api';
import { ENDPOINTS, findOperation } from '$lib/server/api-endpoints';
import { API_BASE, type Operation } from '$lib/server/api-operation';
import { routeApi } from '$lib/server/api-router';
import { DATABASES, useTestDatabase, type TestDatabase } from '../helpers/databases';
import { DEMO_TERRITORY_ID, demoRecords, structureRecord } from '../factories/structures';
import {
	arbitraryOf,
	malformed,
	mutationsOf,
	type JsonSchema
} from '../helpers/json-schema-arbitrary';

const ROLES = ['partner', 'agent', 'pilot', 'admin'] as const;
const DEMO_STRUCTURE = demoRecords()[0]?.id as string;

function principalOf(role: Role): Principal {
	return { type: 'token', id: randomUUID(), label: `api-test-${role}`, role, territories: null };
}

interface Call {
	method: string;
	/** Below /api/v1, with its query string. */
	path: string;
	role?: Role | null;
	/** The caller itself (else a fresh one of `role`). */
	principal?: Principal;
	/** A JSON value, sent as JSON (unless `text` is given). */
	json?: unknown;
	/** The body as is. */
	text?: string;
	/** The body as bytes (a file in another encoding than UTF-8). */
	bytes?: Uint8Array<ArrayBuffer>;
	type?: string;
	headers?: Record<string, string>;
}

interface Answer {
	status: number;
	headers: Headers;
	body: unknown;
	text: string;
}

async function call(t: TestDatabase, c: Call): Promise<Answer> {
	const url = new URL(`http://bon-tiers.test${API_BASE}${c.path}`);
	const headers: Record<string, string> = { ...c.headers };
	let body: string | Uint8Array<ArrayBuffer> | undefined = c.bytes ?? c.text;
	if (body === undefined && c.json !== undefined) body = JSON.stringify(c.json);
	if (body !== undefined) headers['content-type'] ??= c.type ?? 'application/json';
	if (c.type !== undefined) headers['content-type'] = c.type;
	const request = new Request(url, {
		method: c.method,
		headers,
		body: c.method === 'GET' || c.method === 'HEAD' ? undefined : body
	});
	const response = await routeApi({
		request,
		url,
		locals: {
			db: t.db,
			requestId: randomUUID(),
			principal: c.principal ?? (c.role ? principalOf(c.role) : null),
			sessionHash: null
		},
		getClientAddress: () => '203.0.113.77'
	});
	const text = await response.text();
	let parsed: unknown;
	try {
		parsed = text ? JSON.parse(text) : undefined;
	} catch {
		parsed = undefined;
	}
	return { status: response.status, headers: response.headers, body: parsed, text };
}

type Document = {
	paths: Record<
		string,
		Record<
			string,
			{
				parameters?: { name: string; in: string; required: boolean; schema: JsonSchema }[];
				requestBody?: { content: Record<string, { schema: JsonSchema }> };
				responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
			}
		>
	>;
	components: { schemas: Record<string, JsonSchema> };
};

/** Whether a string can be put in a URL (no lone surrogate). */
function encodable(s: string): boolean {
	try {
		encodeURIComponent(s);
		return true;
	} catch {
		return false;
	}
}

const opName = (op: Operation) => `${op.method} ${op.path}`;

/** The path of an operation with its parameters filled. */
function pathOf(op: Operation, value: (name: string) => string): string {
	return op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(value(name)));
}

/** Real objects for the parameters: the demo territory and one of its structures. */
function realParam(op: Operation) {
	return (): string =>
		op.path.startsWith('/structures')
			? DEMO_STRUCTURE
			: op.path.startsWith('/territories')
				? DEMO_TERRITORY_ID
				: 'inconnu';
}

describe.each(DATABASES)('on %s', (kind) => {
	const t = useTestDatabase(kind, { demo: true });
	let document: Document;
	/** The same, with every `$ref` resolved. */
	let resolved: Document;
	// strictTuples off: zod writes a tuple with a rest (a GeoJSON position) as prefixItems + items,
	// which is valid JSON Schema but not ajv's idea of a full tuple.
	const ajv = new Ajv2020({ allErrors: true, strict: true, strictTuples: false });
	addFormats(ajv);
	const validators = new Map<string, ValidateFunction>();

	/** The validator of a response of an operation, from the resolved document. */
	function responseValidator(op: Operation, status: number): ValidateFunction {
		const key = `${opName(op)} ${status}`;
		let validate = validators.get(key);
		if (!validate) {
			const response = resolved.paths[op.path]?.[op.method.toLowerCase()]?.responses[status];
			const schema = response?.content?.['application/json']?.schema;
			expect(schema, `openapi.json : pas de réponse ${status} pour ${key}`).toBeDefined();
			validate = ajv.compile(schema as object);
			validators.set(key, validate);
		}
		return validate;
	}

	/** The answer is JSON, and matches its schema in openapi.json (an error: the Error schema). */
	function expectDescribed(op: Operation, answer: Answer, what = ''): void {
		const label = `${opName(op)} ${what} → ${answer.status} ${answer.text.slice(0, 400)}`;
		expect(answer.status, label).toBeLessThan(500);
		expect(answer.headers.get('content-type'), label).toMatch(/^application\/json/);
		const validate = responseValidator(op, answer.status);
		expect(validate(answer.body), `${label}\n${ajv.errorsText(validate.errors)}`).toBe(true);
		if (answer.status >= 400) {
			const code = API_ERRORS[answer.status as keyof typeof API_ERRORS];
			expect((answer.body as { error: { code: string } }).error.code, label).toBe(code);
		}
	}

	/** A refusal in the contract's error JSON (the Error schema of openapi.json). */
	function expectError(answer: Answer, what: string): void {
		const label = `${what} → ${answer.status} ${answer.text.slice(0, 400)}`;
		expect(answer.status, label).toBeGreaterThanOrEqual(400);
		expect(answer.status, label).toBeLessThan(500);
		const validate = ajv.compile(resolved.components.schemas.Error as object);
		expect(validate(answer.body), `${label}\n${ajv.errorsText(validate.errors)}`).toBe(true);
	}

	const find = (method: string, path: string) =>
		ENDPOINTS.find((o) => o.method === method && o.path === path) as Operation;

	beforeAll(async () => {
		const answer = await call(t, { method: 'GET', path: '/openapi.json' });
		expect(answer.status).toBe(200);
		document = answer.body as Document;
		const validator = new Validator();
		const result = await validator.validate(
			structuredClone(document) as unknown as Record<string, unknown>
		);
		expect(result.valid, JSON.stringify(result.errors, null, 2)).toBe(true);
		resolved = validator.resolveRefs() as unknown as Document;
	});

	describe('openapi.json', () => {
		it('is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator)', async () => {
			const result = await new Validator().validate(
				structuredClone(document) as unknown as Record<string, unknown>
			);
			expect(result.valid, JSON.stringify(result.errors, null, 2)).toBe(true);
			expect((document as unknown as { openapi: string }).openapi).toMatch(/^3\.1\./);
		});

		it('describes every operation of the table: parameters, bodies, answers and errors', () => {
			const documented = Object.entries(document.paths).flatMap(([path, ops]) =>
				Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)
			);
			expect(documented.sort()).toEqual(ENDPOINTS.map(opName).sort());
			for (const op of ENDPOINTS) {
				const described = document.paths[op.path]?.[op.method.toLowerCase()];
				const names = (described?.parameters ?? []).map((p) => `${p.in}:${p.name}`);
				for (const param of op.path.match(/\{([^}]+)\}/g) ?? []) {
					expect(names, opName(op)).toContain(`path:${param.slice(1, -1)}`);
				}
				for (const name of Object.keys(op.query?.shape ?? {})) {
					expect(names, opName(op)).toContain(`query:${name}`);
				}
				expect(Object.keys(described?.requestBody?.content ?? {}), opName(op)).toEqual(
					op.body ? (op.body.csv ? ['application/json', 'text/csv'] : ['application/json']) : []
				);
				const statuses = Object.keys(described?.responses ?? {}).map(Number);
				for (const status of Object.keys(op.responses)) {
					expect(statuses, opName(op)).toContain(Number(status));
				}
				if (op.role !== 'public')
					expect(statuses, opName(op)).toEqual(expect.arrayContaining([401, 403]));
				if (op.body) {
					expect(statuses, opName(op)).toEqual(expect.arrayContaining([400, 413, 415, 422]));
				}
			}
			// The Idempotency-Key header of POST /orientations.
			expect(
				document.paths['/orientations']?.post?.parameters?.map((p) => `${p.in}:${p.name}`)
			).toContain('header:Idempotency-Key');
		});

		it('lets an import issue carry its row and field', () => {
			const validate = ajv.compile(resolved.components.schemas.Error as object);
			const error = {
				error: {
					code: 'invalid',
					message: 'Import refusé',
					issues: [{ path: '2.kind', message: 'type inconnu', row: 2, field: 'kind' }]
				}
			};
			expect(validate(error), ajv.errorsText(validate.errors)).toBe(true);
		});

		it('compiles every schema it holds as JSON Schema 2020-12, strictly', () => {
			for (const [name, schema] of Object.entries(resolved.components.schemas)) {
				expect(() => ajv.compile(schema as object), name).not.toThrow();
			}
		});
	});

	describe('real answers match their schemas', () => {
		it('reading: openapi.json, structures, a structure, a territory, its coverage, its data·inclusion export', async () => {
			const reads: [Operation, string, Role | null][] = [
				[find('GET', '/openapi.json'), '/openapi.json', null],
				[find('GET', '/structures'), '/structures?limit=5', 'partner'],
				[
					find('GET', '/structures'),
					'/structures?commune=13204&problem=medical&level=coordonnee&kind=ccas&kind=clic&q=Marseille',
					'partner'
				],
				[
					find('GET', '/structures/{id}'),
					`/structures/${encodeURIComponent(DEMO_STRUCTURE)}`,
					'partner'
				],
				[find('GET', '/territories/{id}'), `/territories/${DEMO_TERRITORY_ID}`, 'partner'],
				[
					find('GET', '/territories/{id}/coverage'),
					`/territories/${DEMO_TERRITORY_ID}/coverage`,
					'partner'
				],
				[
					find('GET', '/territories/{id}/coverage'),
					`/territories/${DEMO_TERRITORY_ID}/coverage?commune=13204`,
					'partner'
				],
				[
					find('GET', '/territories/{id}/data-inclusion'),
					`/territories/${DEMO_TERRITORY_ID}/data-inclusion`,
					'partner'
				]
			];
			for (const [op, path, role] of reads) {
				const answer = await call(t, { method: 'GET', path, role });
				expect(answer.status, `${path} ${answer.text.slice(0, 300)}`).toBe(200);
				expectDescribed(op, answer, path);
			}
			const list = await call(t, { method: 'GET', path: '/structures?limit=200', role: 'partner' });
			expect((list.body as { total: number }).total).toBeGreaterThan(0);
		});

		it('writing: a territory created then updated, structures imported as JSON and as CSV', async () => {
			const put = find('PUT', '/territories/{id}');
			const territory = { name: 'Territoire de l’API', communes: ['13001', '13002'] };
			const created = await call(t, {
				method: 'PUT',
				path: '/territories/api-test',
				role: 'pilot',
				json: territory
			});
			expect(created.status, created.text).toBe(201);
			expectDescribed(put, created, 'créé');
			const updated = await call(t, {
				method: 'PUT',
				path: '/territories/api-test',
				role: 'pilot',
				json: territory
			});
			expect(updated.status, updated.text).toBe(200);
			expectDescribed(put, updated, 'modifié');

			const imp = find('POST', '/territories/{id}/structures');
			const record = structureRecord({
				id: 'api-test:1',
				coverage: ['13001'],
				email: 'accueil@example.org'
			});
			const json = await call(t, {
				method: 'POST',
				path: '/territories/api-test/structures?mode=upsert',
				role: 'pilot',
				json: [record]
			});
			expect(json.status, json.text).toBe(200);
			expectDescribed(imp, json, 'JSON');
			const csv = await call(t, {
				method: 'POST',
				path: '/territories/api-test/structures?mode=replace',
				role: 'pilot',
				type: 'text/csv; charset=utf-8',
				text: 'id;name;kind;coverage;problems;level_min;level_max\napi-test:2;Deuxième;ccas;13002;droits|finances;information;simple\n'
			});
			expect(csv.status, csv.text).toBe(200);
			expectDescribed(imp, csv, 'CSV');
			expect(csv.body).toMatchObject({ territory: 'api-test', total: 1, created: 1, deleted: 1 });

			// A spreadsheet's CSV in Windows-1252 (« Aînés » with î = 0xEE), the phone as people
			// write it: read as such, and the API answers the phone as stored, in E.164.
			const cp1252 = await call(t, {
				method: 'POST',
				path: '/territories/api-test/structures?mode=upsert',
				role: 'pilot',
				type: 'text/csv',
				// One byte a character: Windows-1252 writes î and é as 0xEE and 0xE9, as Latin-1 does.
				bytes: Uint8Array.from(
					[
						...'id;name;kind;coverage;problems;level_min;level_max;phone;hours\n',
						...'api-test:cp1252;Maison des Aînés;clic;13002;droits;information;simple;04 91 23 45 67;Mo-Fr 09:00-17:00\n'
					].map((c) => c.charCodeAt(0))
				)
			});
			expect(cp1252.status, cp1252.text).toBe(200);
			const read = await call(t, {
				method: 'GET',
				path: '/structures/api-test:cp1252',
				role: 'partner'
			});
			expect(read.status, read.text).toBe(200);
			expect(read.body).toMatchObject({
				name: 'Maison des Aînés',
				phone: '+33491234567',
				hours: 'Mo-Fr 09:00-17:00'
			});

			const rows = await call(t, {
				method: 'POST',
				path: '/territories/api-test/structures',
				role: 'pilot',
				json: [record, { ...record, id: 'api-test:3', kind: 'inconnu', couleur: 'rouge' }]
			});
			expect(rows.status, rows.text).toBe(422);
			expectDescribed(imp, rows, 'lignes invalides');
			const issues = (rows.body as { error: { issues: { row?: number; field?: string }[] } }).error
				.issues;
			expect(issues).toEqual(
				expect.arrayContaining([
					expect.objectContaining({ row: 2, field: 'kind' }),
					expect.objectContaining({ row: 2, field: 'couleur' })
				])
			);
		});

		it('orienting: recommendations, an orientation (idempotent), read, its status changed, listed, re-oriented', async () => {
			const request = {
				commune: '13204',
				age: 82,
				apa: true,
				problems: ['medical', 'troubles_cognitifs'],
				criteria: ['isolement'],
				request_type: 'accompagnement',
				consent: true
			};
			const rec = find('POST', '/recommendations');
			const ranked = await call(t, {
				method: 'POST',
				path: '/recommendations',
				role: 'agent',
				json: request
			});
			expect(ranked.status, ranked.text).toBe(200);
			expectDescribed(rec, ranked);

			const create = find('POST', '/orientations');
			const key = randomUUID();
			const structure = (ranked.body as { recommendations: { structure: { id: string } }[] })
				.recommendations[0]?.structure.id;
			expect(structure).toBeDefined();
			const first = await call(t, {
				method: 'POST',
				path: '/orientations',
				role: 'agent',
				json: { ...request, structure },
				headers: { 'idempotency-key': key }
			});
			expect(first.status, first.text).toBe(201);
			expectDescribed(create, first);
			const id = (first.body as { id: string }).id;
			expect(first.headers.get('idempotent-replayed')).toBeNull();

			const read = find('GET', '/orientations/{id}');
			const got = await call(t, { method: 'GET', path: `/orientations/${id}`, role: 'agent' });
			expect(got.status, got.text).toBe(200);
			expectDescribed(read, got);
			const reference = (got.body as { reference: string }).reference;
			const byReference = await call(t, {
				method: 'GET',
				path: `/orientations/${reference}`,
				role: 'agent'
			});
			expect((byReference.body as { id: string }).id).toBe(id);

			const status = find('POST', '/orientations/{id}/status');
			const accepted = await call(t, {
				method: 'POST',
				path: `/orientations/${id}/status`,
				role: 'agent',
				json: { status: 'accepted' }
			});
			expect(accepted.status, accepted.text).toBe(200);
			expectDescribed(status, accepted);
			// The demo's structures have no members: the agent records their answer, marked so.
			expect((accepted.body as { history: unknown[] }).history).toEqual([
				expect.objectContaining({ status: 'sent', reason_code: null, by_structure: false }),
				expect.objectContaining({
					status: 'accepted',
					reason_code: null,
					by_structure: false,
					admission: null
				})
			]);
			expect(accepted.body).toMatchObject({ previous: null, next: null });
			const refused = await call(t, {
				method: 'POST',
				path: `/orientations/${id}/status`,
				role: 'agent',
				json: { status: 'refused' }
			});
			expect(refused.status, refused.text).toBe(422);
			expectDescribed(status, refused);
			const closed = await call(t, {
				method: 'POST',
				path: `/orientations/${id}/status`,
				role: 'agent',
				json: { status: 'closed', reason_code: 'fin_accompagnement' }
			});
			expect(closed.status, closed.text).toBe(200);
			expectDescribed(status, closed);
			expect((closed.body as { history: { reason_code: string | null }[] }).history[2]).toEqual(
				expect.objectContaining({ status: 'closed', reason_code: 'fin_accompagnement' })
			);
			// A partner that is no member of the structure sees nothing of it: as unknown.
			for (const [op, path, json] of [
				[read, `/orientations/${id}`, undefined],
				[status, `/orientations/${id}/status`, { status: 'closed', reason_code: 'deces' }]
			] as const) {
				const hidden = await call(t, { method: op.method, path, role: 'partner', json });
				expect(hidden.status, hidden.text).toBe(404);
				expectDescribed(op, hidden);
			}

			// Refused with its code, then re-oriented: a new orientation linked to it.
			const second = await call(t, {
				method: 'POST',
				path: '/orientations',
				role: 'agent',
				json: { ...request, structure }
			});
			expect(second.status, second.text).toBe(201);
			const secondId = (second.body as { id: string }).id;
			const declined = await call(t, {
				method: 'POST',
				path: `/orientations/${secondId}/status`,
				role: 'agent',
				json: { status: 'refused', reason_code: 'file_active_complete' }
			});
			expect(declined.status, declined.text).toBe(200);
			expectDescribed(status, declined);
			const reorient = find('POST', '/orientations/{id}/reorient');
			const again = await call(t, {
				method: 'POST',
				path: `/orientations/${secondId}/reorient`,
				role: 'agent',
				json: {}
			});
			expect(again.status, again.text).toBe(201);
			expectDescribed(reorient, again);
			expect(again.body).toMatchObject({ previous: secondId, next: null, status: 'sent' });
			expect((again.body as { structure: { id: string } | null }).structure?.id).not.toBe(
				structure
			);
			const twice = await call(t, {
				method: 'POST',
				path: `/orientations/${secondId}/reorient`,
				role: 'agent',
				json: {}
			});
			expect(twice.status, twice.text).toBe(422);
			expectDescribed(reorient, twice);
			const asPartner = await call(t, {
				method: 'POST',
				path: `/orientations/${secondId}/reorient`,
				role: 'partner',
				json: {}
			});
			expect(asPartner.status, asPartner.text).toBe(403);
			expectDescribed(reorient, asPartner);

			const list = find('GET', '/orientations');
			const listed = await call(t, {
				method: 'GET',
				path: '/orientations?status=refused&limit=200',
				role: 'agent'
			});
			expect(listed.status, listed.text).toBe(200);
			expectDescribed(list, listed);
			const items = (listed.body as { items: { id: string; next: string | null }[] }).items;
			expect(items.find((i) => i.id === secondId)?.next).toBe((again.body as { id: string }).id);
			const none = await call(t, { method: 'GET', path: '/orientations', role: 'partner' });
			expect(none.status, none.text).toBe(200);
			expectDescribed(list, none);
			expect(none.body).toEqual({ items: [], total: 0 });

			const missing = await call(t, {
				method: 'GET',
				path: `/orientations/${randomUUID()}`,
				role: 'agent'
			});
			expect(missing.status).toBe(404);
			expectDescribed(read, missing);
		});

		it('an Idempotency-Key replays the first answer (the key given to createOrientation)', async () => {
			const create = find('POST', '/orientations');
			// One principal for both: a key is its principal's own.
			const principal = principalOf('agent');
			const ask = { commune: '13204', age: 70, problems: ['droits'], consent: true };
			const ranked = await call(t, {
				method: 'POST',
				path: '/recommendations',
				principal,
				json: ask
			});
			const structure = (ranked.body as { recommendations: { structure: { id: string } }[] })
				.recommendations[0]?.structure.id;
			const key = randomUUID();
			const send = () =>
				call(t, {
					method: 'POST',
					path: '/orientations',
					principal,
					json: { ...ask, structure },
					headers: { 'idempotency-key': key }
				});
			const first = await send();
			expect(first.status, first.text).toBe(201);
			const again = await send();
			expect(again.status, again.text).toBe(201);
			expectDescribed(create, again, 'rejouée');
			expect((again.body as { id: string }).id).toBe((first.body as { id: string }).id);
			expect(again.headers.get('idempotent-replayed')).toBe('true');
		});
	});

	describe('every refusal is the contract’s error JSON', () => {
		const structures = () => find('GET', '/structures');
		const territoryPut = () => find('PUT', '/territories/{id}');

		it('404 for an unknown path, 405 with Allow for another method', async () => {
			for (const path of ['/inconnu', '/structures/a/b', '', '/territories/x/inconnu']) {
				const answer = await call(t, { method: 'GET', path, role: 'admin' });
				expect(answer.status, path).toBe(404);
				expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
				expect(answer.body).toMatchObject({ error: { code: 'not_found', issues: [] } });
			}
			const answer = await call(t, {
				method: 'DELETE',
				path: `/territories/${DEMO_TERRITORY_ID}`,
				role: 'admin'
			});
			expect(answer.status).toBe(405);
			expect(answer.headers.get('allow')).toBe('GET, PUT, HEAD');
			expect(answer.body).toMatchObject({ error: { code: 'method_not_allowed', issues: [] } });
			const get = await call(t, { method: 'GET', path: '/recommendations', role: 'admin' });
			expect(get.status).toBe(405);
			expect(get.headers.get('allow')).toBe('POST');
		});

		it('401 without a principal, 403 below the role', async () => {
			const anonymous = await call(t, { method: 'GET', path: '/structures', role: null });
			expectDescribed(structures(), anonymous);
			expect(anonymous.status).toBe(401);
			const partner = await call(t, {
				method: 'PUT',
				path: `/territories/${DEMO_TERRITORY_ID}`,
				role: 'partner',
				json: { name: 'x', communes: ['13001'] }
			});
			expect(partner.status).toBe(403);
			expectDescribed(territoryPut(), partner);
		});

		it('415 for another media type (text/plain included), 400 for bad JSON, 413 past the limit', async () => {
			for (const type of [
				'text/plain',
				'application/xml',
				'multipart/form-data; boundary=x',
				'text/csv'
			]) {
				const answer = await call(t, {
					method: 'PUT',
					path: '/territories/api-media',
					role: 'pilot',
					type,
					text: '{"name": "x", "communes": ["13001"]}'
				});
				expect(answer.status, type).toBe(415);
				expectDescribed(territoryPut(), answer, type);
			}
			const bad = await call(t, {
				method: 'PUT',
				path: '/territories/api-media',
				role: 'pilot',
				text: '{"name": "x", "communes": ["13001"'
			});
			expect(bad.status).toBe(400);
			expectDescribed(territoryPut(), bad);
			const big = await call(t, {
				method: 'PUT',
				path: '/territories/api-media',
				role: 'pilot',
				json: { name: 'x'.repeat(1_100_000), communes: ['13001'] }
			});
			expect(big.status).toBe(413);
			expectDescribed(territoryPut(), big);
			const declared = await call(t, {
				method: 'PUT',
				path: '/territories/api-media',
				role: 'pilot',
				headers: { 'content-length': '5000000' },
				json: { name: 'x', communes: ['13001'] }
			});
			expect(declared.status).toBe(413);
			expectDescribed(territoryPut(), declared);
			const gone = await call(t, { method: 'GET', path: '/territories/api-media', role: 'admin' });
			expect(gone.status).toBe(404);
		});

		it('422 naming an unknown query parameter and an unknown field', async () => {
			const query = await call(t, {
				method: 'GET',
				path: '/structures?couleur=rouge',
				role: 'partner'
			});
			expect(query.status).toBe(422);
			expectDescribed(structures(), query);
			expect(
				(query.body as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path)
			).toEqual(['couleur']);
			const field = await call(t, {
				method: 'POST',
				path: '/recommendations',
				role: 'agent',
				json: { commune: '13204', problems: ['droits'], nom: 'Dupont' }
			});
			expect(field.status).toBe(422);
			expectDescribed(find('POST', '/recommendations'), field);
			expect(
				(field.body as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path)
			).toEqual(['nom']);
		});

		it('huge numbers: refused as invalid values, never a database error', async () => {
			const imp = find('POST', '/territories/{id}/structures');
			for (const huge of [2 ** 31, 2 ** 53 + 2, 1e308, -(2 ** 63), 1e21]) {
				for (const field of ['caseload_max', 'caseload_current', 'age_min', 'lon']) {
					const answer = await call(t, {
						method: 'POST',
						path: '/territories/api-test/structures',
						role: 'pilot',
						json: [structureRecord({ [field]: huge, ...(field === 'lon' ? { lat: 43.3 } : {}) })]
					});
					expectDescribed(imp, answer, `${field} = ${huge}`);
					expect(answer.status, `${field} = ${huge}`).toBe(422);
				}
			}
			const rec = find('POST', '/recommendations');
			for (const huge of [2 ** 31, 1e308, -1e308, 2 ** 53 + 2]) {
				for (const body of [
					{ commune: '13204', problems: ['droits'], age: huge },
					{ location: { lon: huge, lat: 43.3 }, problems: ['droits'] }
				]) {
					const answer = await call(t, {
						method: 'POST',
						path: '/recommendations',
						role: 'agent',
						json: body
					});
					expectDescribed(rec, answer, JSON.stringify(body));
					expect(answer.status, JSON.stringify(body)).toBe(422);
				}
			}
			const list = find('GET', '/structures');
			for (const query of ['limit=1e308', 'offset=9007199254740993', 'limit=-0', 'offset=1e21']) {
				const answer = await call(t, {
					method: 'GET',
					path: `/structures?${query}`,
					role: 'partner'
				});
				expectDescribed(list, answer, query);
				expect(answer.status, query).toBe(422);
			}
		});

		it('NUL characters: 400 naming the field, in a body, a query, a path and an import row', async () => {
			const nulIn = (answer: Answer) =>
				(answer.body as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path);
			for (const op of ENDPOINTS.filter((o) => o.body && !o.body.text)) {
				const answer = await call(t, {
					method: op.method,
					path: pathOf(op, realParam(op)),
					role: 'admin',
					json: { note: 'a\u0000b', problems: ['droits', 'x\u0000'], 'clé\u0000': 1 }
				});
				expect(answer.status, `${opName(op)} ${answer.text}`).toBe(400);
				expectDescribed(op, answer, 'NUL');
				expect(nulIn(answer).sort(), opName(op)).toEqual(['clé', 'note', 'problems.1']);
			}
			for (const op of ENDPOINTS.filter((o) => o.query)) {
				const name = Object.keys(op.query?.shape ?? {})[0] as string;
				const answer = await call(t, {
					method: op.method,
					path: `${pathOf(op, realParam(op))}?${name}=a%00b`,
					role: 'admin',
					...(op.body ? { json: [] } : {})
				});
				expect(answer.status, `${opName(op)} ${answer.text}`).toBe(400);
				expectDescribed(op, answer, 'NUL');
				expect(nulIn(answer), opName(op)).toEqual([name]);
			}
			for (const op of ENDPOINTS.filter((o) => o.path.includes('{'))) {
				const answer = await call(t, {
					method: op.method,
					path: pathOf(op, () => 'a\u0000b'),
					role: 'admin',
					...(op.body ? { json: {} } : {})
				});
				expect(answer.status, `${opName(op)} ${answer.text}`).toBe(400);
				expectDescribed(op, answer, 'NUL');
				expect(nulIn(answer), opName(op)).toEqual(['id']);
			}
			const imp = find('POST', '/territories/{id}/structures');
			const json = await call(t, {
				method: 'POST',
				path: `/territories/api-test/structures`,
				role: 'admin',
				json: [
					structureRecord(),
					structureRecord({ name: 'Nul\u0000', coverage: ['13001', '1300\u00001'] })
				]
			});
			expect(json.status, json.text).toBe(400);
			expectDescribed(imp, json, 'NUL JSON');
			expect(nulIn(json).sort()).toEqual(['2.coverage.1', '2.name']);
			const csv = await call(t, {
				method: 'POST',
				path: `/territories/api-test/structures`,
				role: 'admin',
				type: 'text/csv',
				text: 'id,name,kind,coverage,problems,level_min,level_max\napi-nul,Nul\u0000,ccas,13001,droits,information,simple\n'
			});
			expect(csv.status, csv.text).toBe(400);
			expectDescribed(imp, csv, 'NUL CSV');
			expect(nulIn(csv)).toEqual(['2.name']);
		});
	});

	describe('generated requests: no 5xx, the error JSON for every refusal', () => {
		// More with API_FUZZ_RUNS=500 when hunting.
		const RUNS = Number(process.env.API_FUZZ_RUNS ?? 40);
		const CONTENT_TYPES = fc.constantFrom(
			'application/json; charset=utf-8',
			'text/plain',
			'text/csv',
			'application/xml',
			'application/x-www-form-urlencoded',
			'multipart/form-data; boundary=x',
			''
		);
		const BAD_JSON = fc.oneof(
			fc.string({ maxLength: 40 }),
			fc.constantFrom('', '{', '[', '{"a":1}{', '1e400', "{'a': 1}", '[1,]', '['.repeat(5000))
		);

		/** A request each operation takes: the generated ones start from it, or from its schemas. */
		interface Example {
			params?: Record<string, string>;
			query?: Record<string, unknown>;
			body?: unknown;
		}
		const examples = new Map<string, Example>();
		const FUZZ_TERRITORY = 'api-fuzz';

		beforeAll(async () => {
			const territory = { name: 'Territoire généré', communes: ['13001', '13002'] };
			const put = await call(t, {
				method: 'PUT',
				path: `/territories/${FUZZ_TERRITORY}`,
				role: 'admin',
				json: territory
			});
			expect(put.status, put.text).toBeLessThan(300);
			const request = {
				commune: '13204',
				age: 82,
				apa: true,
				problems: ['medical', 'troubles_cognitifs'],
				criteria: ['isolement'],
				request_type: 'accompagnement',
				consent: true
			};
			const ranked = await call(t, {
				method: 'POST',
				path: '/recommendations',
				role: 'agent',
				json: request
			});
			const structure = (ranked.body as { recommendations: { structure: { id: string } }[] })
				.recommendations[0]?.structure.id;
			const created = await call(t, {
				method: 'POST',
				path: '/orientations',
				role: 'agent',
				json: { ...request, structure }
			});
			expect(created.status, created.text).toBe(201);
			const orientation = (created.body as { id: string }).id;
			// A refused one, for the re-orientation to start from.
			const declined = await call(t, {
				method: 'POST',
				path: '/orientations',
				role: 'agent',
				json: { ...request, structure }
			});
			expect(declined.status, declined.text).toBe(201);
			const refused = (declined.body as { id: string }).id;
			const refusal = await call(t, {
				method: 'POST',
				path: `/orientations/${refused}/status`,
				role: 'agent',
				json: { status: 'refused', reason_code: 'hors_zone' }
			});
			expect(refusal.status, refusal.text).toBe(200);
			const record = structureRecord({
				id: 'api-fuzz:1',
				kind: 'ssiad',
				coverage: ['13001', 'dep:13'],
				commune: '13001',
				address: '1 place de la Mairie, 13001 Marseille',
				caseload_max: 40,
				caseload_current: 12,
				age_min: 60,
				age_max: 99,
				lon: 5.37,
				lat: 43.3,
				email: 'accueil@example.org',
				phone: '04 91 00 00 00',
				website: 'https://example.org/ssiad',
				hours: 'Mo-Fr 09:00-17:00',
				referral: 'Par téléphone',
				updated_at: '2026-01-15',
				mode: 'masse',
				coordination: false,
				apa: 'any'
			});
			const entries: [string, Example][] = [
				['POST /recommendations', { body: request }],
				['POST /orientations', { body: { ...request, structure } }],
				[
					'GET /orientations',
					{ query: { status: 'open', since: '2026-01-01T00:00:00Z', limit: '20', offset: '0' } }
				],
				['GET /orientations/{id}', { params: { id: orientation } }],
				['POST /orientations/{id}/reorient', { params: { id: refused }, body: {} }],
				[
					'POST /orientations/{id}/status',
					{ params: { id: orientation }, body: { status: 'accepted' } }
				],
				[
					'GET /structures',
					{
						query: {
							commune: '13204',
							problem: 'medical',
							level: 'coordonnee',
							kind: ['ccas', 'clic'],
							q: 'Marseille',
							limit: '10',
							offset: '0'
						}
					}
				],
				['GET /structures/{id}', { params: { id: DEMO_STRUCTURE } }],
				['GET /territories/{id}', { params: { id: DEMO_TERRITORY_ID } }],
				['PUT /territories/{id}', { params: { id: FUZZ_TERRITORY }, body: territory }],
				[
					'POST /territories/{id}/structures',
					{ params: { id: FUZZ_TERRITORY }, query: { mode: 'upsert' }, body: [record] }
				],
				[
					'GET /territories/{id}/coverage',
					{ params: { id: DEMO_TERRITORY_ID }, query: { commune: '13204' } }
				],
				['GET /territories/{id}/data-inclusion', { params: { id: DEMO_TERRITORY_ID } }]
			];
			for (const [name, example] of entries) examples.set(name, example);
		});

		interface Generated {
			role: Role | null;
			params: string[];
			query: string;
			body?: { text?: string; type?: string };
			/** What was broken, for the failure message. */
			broken: string;
		}
		type Breaker = (g: Generated) => Generated;

		/** A query string: repeated parameters for arrays, JSON for what is not a string. */
		function queryString(value: unknown): string {
			const search = new URLSearchParams();
			if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
				for (const [key, v] of Object.entries(value)) {
					for (const item of Array.isArray(v) ? v : [v]) {
						search.append(key, typeof item === 'string' ? item : (JSON.stringify(item) ?? ''));
					}
				}
			} else search.append('valeur', JSON.stringify(value) ?? '');
			const text = search.toString();
			return text ? `?${text}` : '';
		}

		function querySchemaOf(op: Operation): JsonSchema {
			const parameters = (
				resolved.paths[op.path]?.[op.method.toLowerCase()]?.parameters ?? []
			).filter((p) => p.in === 'query');
			return {
				type: 'object',
				properties: Object.fromEntries(parameters.map((p) => [p.name, p.schema])),
				required: parameters.filter((p) => p.required).map((p) => p.name)
			};
		}

		const bodySchemaOf = (op: Operation) =>
			resolved.paths[op.path]?.[op.method.toLowerCase()]?.requestBody?.content['application/json']
				?.schema as JsonSchema;

		/** Some real ids, some not, some that are no id at all. */
		const param = (op: Operation) =>
			fc.oneof(
				fc.constant(realParam(op)()),
				fc.constantFrom('inconnu', 'OR-2026-00001', randomUUID(), '..', '%', 'a b', 'é'.repeat(70)),
				fc.string({ minLength: 1, maxLength: 30, unit: 'binary' }).filter(encodable)
			);

		/**
		 * Requests that follow the operation's schemas (the right role, real ids, a query and a body
		 * drawn from its schemas), with one thing broken at a time — or none: so that each broken
		 * thing reaches as far as it can, down to the handler and the database.
		 */
		function requestsOf(op: Operation): fc.Arbitrary<Generated> {
			const names = op.path.match(/\{[^}]+\}/g) ?? [];
			const querySchema = querySchemaOf(op);
			const bodySchema = op.body ? bodySchemaOf(op) : undefined;
			const json = (value: unknown) => ({
				text: JSON.stringify(value) ?? '',
				type: 'application/json'
			});
			const example = examples.get(opName(op)) ?? {};
			const params = names.map((n) => example.params?.[n.slice(1, -1)] ?? realParam(op)());
			/** The example, or else a value drawn from the schema. */
			const start = (given: unknown, schema: JsonSchema) =>
				given === undefined
					? arbitraryOf(schema)
					: fc.oneof({ weight: 3, arbitrary: fc.constant(given) }, arbitraryOf(schema));
			/** The example (if any) or a value of the schema, with one mutation. */
			const broken = (given: unknown, schema: JsonSchema) =>
				given === undefined
					? malformed(schema)
					: fc.oneof({ weight: 3, arbitrary: mutationsOf(given) }, malformed(schema));
			const base = fc.record({
				role: fc.constantFrom<Role | null>(op.role === 'public' ? null : op.role, 'admin'),
				params: fc.constant(params),
				query: op.query ? start(example.query, querySchema).map(queryString) : fc.constant(''),
				body: bodySchema ? start(example.body, bodySchema).map(json) : fc.constant(undefined),
				broken: fc.constant('rien')
			});
			const breakers: fc.WeightedArbitrary<Breaker>[] = [
				{ weight: 2, arbitrary: fc.constant((g: Generated) => g) },
				{
					weight: 1,
					arbitrary: fc
						.constantFrom<Role | null>(null, ...ROLES)
						.map((role) => (g: Generated) => ({ ...g, role, broken: 'rôle' }))
				}
			];
			if (names.length > 0) {
				breakers.push({
					weight: 2,
					arbitrary: fc
						.array(param(op), { minLength: names.length, maxLength: names.length })
						.map((params) => (g: Generated) => ({ ...g, params, broken: 'paramètre' }))
				});
			}
			breakers.push({
				weight: op.query ? 3 : 1,
				arbitrary: op.query
					? broken(example.query, querySchema).map(({ value, mutation }) => (g: Generated) => ({
							...g,
							query: queryString(value),
							broken: `requête : ${mutation.kind}`
						}))
					: fc
							.constantFrom('?x=1', '?%00=1', '?limit=-1', '?a=1&a=2')
							.map((query) => (g: Generated) => ({ ...g, query, broken: 'requête' }))
			});
			if (bodySchema) {
				const body = (arbitrary: fc.Arbitrary<Generated['body']>, broken: string, weight = 1) => ({
					weight,
					arbitrary: arbitrary.map((b) => (g: Generated) => ({ ...g, body: b, broken }))
				});
				breakers.push(
					{
						weight: 5,
						arbitrary: broken(example.body, bodySchema).map(
							({ value, mutation }) =>
								(g: Generated) => ({
									...g,
									body: json(value),
									broken: `corps : ${mutation.kind}`
								})
						)
					},
					body(fc.jsonValue({ maxDepth: 3 }).map(json), 'corps : JSON quelconque'),
					body(
						BAD_JSON.map((text) => ({ text, type: 'application/json' })),
						'corps : JSON illisible'
					),
					{
						weight: 1,
						arbitrary: CONTENT_TYPES.map((type) => (g: Generated) => ({
							...g,
							body: { ...g.body, type },
							broken: `type : ${type}`
						}))
					},
					body(fc.constant({ text: undefined, type: undefined }), 'sans corps')
				);
				if (op.body?.csv) {
					breakers.push(
						body(
							fc
								.array(fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 8 }), {
									maxLength: 4
								})
								.map((rows) => ({
									text: [
										'id,name,kind,coverage,problems,level_min,level_max',
										...rows.map((r) => r.join(','))
									].join('\n'),
									type: 'text/csv'
								})),
							'CSV',
							2
						)
					);
				}
			}
			return fc.tuple(base, fc.oneof(...breakers)).map(([g, breaker]) => breaker(g));
		}

		it.each(ENDPOINTS.map((op) => [opName(op), op] as const))('%s', async (_name, op) => {
			const statuses = new Map<number, number>();
			await fc.assert(
				fc.asyncProperty(requestsOf(op), async (g) => {
					let i = 0;
					const filled = op.path.replace(/\{[^}]+\}/g, () =>
						encodeURIComponent(g.params[i++] as string)
					);
					const path = `${filled}${g.query}`;
					const answer = await call(t, {
						method: op.method,
						path,
						role: g.role,
						text: g.body?.text,
						...(g.body?.type !== undefined ? { type: g.body.type } : {})
					});
					statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
					const what = `${g.broken} — ${JSON.stringify(g).slice(0, 400)}`;
					// A generated id may be `..`, which the URL resolves away: another path then.
					const match = findOperation(op.method, new URL(`http://x${API_BASE}${path}`).pathname);
					if (match && 'operation' in match && match.operation === op) {
						expectDescribed(op, answer, what);
					} else expectError(answer, what);
				}),
				{ numRuns: RUNS }
			);
			// The requests reached the handlers, not only the router's refusals.
			const reached = [...statuses.keys()].filter((s) => s < 300 || s === 404 || s === 422);
			expect(reached.length, JSON.stringify([...statuses])).toBeGreaterThan(0);
		});
	});
});
