import { z } from 'zod';
import { ErrorSchema } from '$lib/schemas/api';
import {
	API_BASE,
	errorStatuses,
	mediaTypes,
	type ApiErrorStatus,
	type Operation
} from './api-operation';

type JsonSchema = Record<string, unknown>;

/** A zod schema as JSON Schema (2020-12, OpenAPI 3.1's dialect), without its `$schema`. */
function schema(s: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
	const { $schema: _ignored, ...rest } = z.toJSONSchema(s, {
		io,
		unrepresentable: 'any'
	}) as JsonSchema;
	return rest;
}

/** Query parameters of an object schema, as OpenAPI parameters. */
function queryParameters(s: z.ZodObject): JsonSchema[] {
	const json = schema(s, 'input') as {
		properties: Record<string, JsonSchema>;
		required?: string[];
	};
	return Object.entries(json.properties).map(([name, property]) => ({
		name,
		in: 'query',
		required: json.required?.includes(name) ?? false,
		schema: property
	}));
}

const ERROR_DESCRIPTIONS: Record<ApiErrorStatus, string> = {
	400: 'Requête mal formée (JSON illisible, caractère nul…)',
	401: 'Jeton absent, invalide ou révoqué',
	403: 'Rôle insuffisant',
	404: 'Introuvable (ou hors des territoires du jeton)',
	405: 'Méthode non prise en charge à cette adresse (en-tête Allow)',
	409: 'En conflit avec l’état actuel',
	413: 'Corps trop grand',
	415: 'Type de contenu non pris en charge',
	422: 'Valeurs invalides, chaque problème avec son chemin',
	429: 'Trop de requêtes',
	500: 'Erreur interne'
};

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** The operation's id: `getTerritoriesIdCoverage`, `putTerritoriesId`… */
function operationId(op: Operation): string {
	const words = op.path
		.split(/[/{}._-]+/)
		.filter(Boolean)
		.map((w) => w.charAt(0).toUpperCase() + w.slice(1));
	return `${op.method.toLowerCase()}${words.join('')}`;
}

/**
 * The document's named schemas: one name, one zod schema (a second schema under a name already
 * taken is a mistake of the table, thrown at once).
 */
class Components {
	readonly schemas: Record<string, JsonSchema> = { Error: schema(ErrorSchema) };
	private readonly sources = new Map<string, z.ZodType>([['Error', ErrorSchema]]);

	ref(name: string, source: z.ZodType, io: 'input' | 'output'): JsonSchema {
		const known = this.sources.get(name);
		if (known && known !== source) {
			throw new Error(`openapi.json : deux schémas nommés « ${name} »`);
		}
		if (!known) {
			this.sources.set(name, source);
			this.schemas[name] = schema(source, io);
		}
		return { $ref: `#/components/schemas/${name}` };
	}
}

function describe(op: Operation, components: Components): JsonSchema {
	const parameters: JsonSchema[] = [];
	for (const param of op.path.match(/\{[^}]+\}/g) ?? []) {
		const key = param.slice(1, -1);
		parameters.push({
			name: key,
			in: 'path',
			required: true,
			schema: { type: 'string' },
			...(op.params?.[key] ? { description: op.params[key] } : {})
		});
	}
	if (op.query) parameters.push(...queryParameters(op.query));
	for (const [header, description] of Object.entries(op.headers ?? {})) {
		parameters.push({
			name: header,
			in: 'header',
			required: false,
			schema: { type: 'string' },
			description
		});
	}

	const responses: Record<string, JsonSchema> = {};
	for (const [status, response] of Object.entries(op.responses)) {
		if (!response) continue;
		responses[status] = {
			description: response.description,
			...(response.headers
				? {
						headers: Object.fromEntries(
							Object.entries(response.headers).map(([h, description]) => [
								h,
								{ description, schema: { type: 'string' } }
							])
						)
					}
				: {}),
			content: {
				'application/json': { schema: components.ref(response.name, response.schema, 'output') }
			}
		};
	}
	for (const status of errorStatuses(op)) {
		responses[String(status)] = {
			description: ERROR_DESCRIPTIONS[status],
			content: { 'application/json': { schema: ERROR_REF } }
		};
	}

	let requestBody: JsonSchema | undefined;
	if (op.body) {
		const content: Record<string, JsonSchema> = {};
		for (const type of mediaTypes(op)) {
			content[type] =
				type === 'text/csv'
					? { schema: { type: 'string', description: op.body.csv } }
					: { schema: components.ref(op.body.name, op.body.schema, 'input') };
		}
		requestBody = {
			required: true,
			description: `${op.body.limit / 1_000_000} Mo au plus`,
			content
		};
	}

	return {
		operationId: operationId(op),
		summary: op.summary,
		...(op.description ? { description: op.description } : {}),
		'x-role': op.role,
		...(op.role === 'public' ? { security: [] } : {}),
		...(parameters.length > 0 ? { parameters } : {}),
		...(requestBody ? { requestBody } : {}),
		responses
	};
}

/**
 * The API description, generated from the endpoint table (api-endpoints.ts) and the zod schemas
 * that validate the requests and describe the answers: every operation, its parameters, bodies
 * and errors, with nothing to keep in step by hand.
 */
export function openApiDocument(operations: readonly Operation[], serverUrl: string): JsonSchema {
	const components = new Components();
	const paths: Record<string, Record<string, JsonSchema>> = {};
	for (const op of operations) {
		(paths[op.path] ??= {})[op.method.toLowerCase()] = describe(op, components);
	}
	return {
		openapi: '3.1.0',
		info: {
			title: 'Bon Tiers — API v1',
			version: '1.0.0',
			description:
				'Carte territoriale de la coordination et orientation vers le bon tiers. Authentification : `Authorization: Bearer <jeton>`. Rôles cumulatifs : partner < agent < pilot < admin (`x-role` : le rôle minimal de chaque opération). Erreurs : `{"error": {"code", "message", "issues": [{"path", "message"}]}}`, y compris pour une adresse inconnue (404) ou une méthode non prise en charge (405).'
		},
		servers: [{ url: `${serverUrl}${API_BASE}` }],
		security: [{ bearer: [] }],
		components: {
			securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
			schemas: components.schemas
		},
		paths
	};
}
