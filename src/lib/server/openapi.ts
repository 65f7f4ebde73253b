import { z } from 'zod';
import {
	CoverageQuerySchema,
	CoverageSchema,
	ErrorSchema,
	ImportQuerySchema,
	ImportResultSchema,
	StructureListSchema,
	StructureRecordSchema,
	StructuresQuerySchema,
	TerritoryPutSchema,
	TerritorySchema
} from '$lib/schemas/api';
import { StructureImportSchema } from '$lib/schemas/structure';

type JsonSchema = Record<string, unknown>;

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

const errors = (...codes: number[]) =>
	Object.fromEntries(
		codes.map((code) => [
			String(code),
			{
				description:
					{
						400: 'Requête mal formée',
						401: 'Jeton absent, invalide ou révoqué',
						403: 'Rôle insuffisant',
						404: 'Introuvable (ou hors des territoires du jeton)',
						413: 'Corps trop grand',
						415: 'Type de contenu non pris en charge',
						422: 'Valeurs invalides, chaque problème avec son chemin'
					}[code] ?? '',
				content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } }
			}
		])
	);

const idParameter = (what: string) => ({
	name: 'id',
	in: 'path',
	required: true,
	schema: { type: 'string' },
	description: what
});

/**
 * The API description, built from the same zod schemas that validate the requests: no copy to
 * keep in step by hand.
 */
export function openApiDocument(serverUrl: string): JsonSchema {
	return {
		openapi: '3.1.0',
		info: {
			title: 'Bon Tiers — API v1',
			version: '1.0.0',
			description:
				'Carte territoriale de la coordination et orientation vers le bon tiers. Authentification : `Authorization: Bearer <jeton>`. Rôles cumulatifs : partner < agent < pilot < admin.'
		},
		servers: [{ url: `${serverUrl}/api/v1` }],
		security: [{ bearer: [] }],
		components: {
			securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
			schemas: {
				Error: schema(ErrorSchema),
				StructureImport: schema(StructureImportSchema, 'input'),
				Structure: schema(StructureRecordSchema),
				StructureList: schema(StructureListSchema),
				Territory: schema(TerritorySchema),
				TerritoryPut: schema(TerritoryPutSchema, 'input'),
				ImportResult: schema(ImportResultSchema),
				Coverage: schema(CoverageSchema)
			}
		},
		paths: {
			'/structures': {
				get: {
					summary: 'Chercher dans l’annuaire',
					'x-role': 'partner',
					parameters: queryParameters(StructuresQuerySchema),
					responses: {
						200: {
							description: 'Structures visibles dans les territoires du jeton',
							content: {
								'application/json': { schema: { $ref: '#/components/schemas/StructureList' } }
							}
						},
						...errors(401, 403, 422)
					}
				}
			},
			'/structures/{id}': {
				get: {
					summary: 'Une structure',
					'x-role': 'partner',
					parameters: [idParameter('identifiant de la structure')],
					responses: {
						200: {
							description: 'La structure, au format d’import',
							content: {
								'application/json': { schema: { $ref: '#/components/schemas/Structure' } }
							}
						},
						...errors(401, 403, 404)
					}
				}
			},
			'/territories/{id}': {
				get: {
					summary: 'Un territoire',
					'x-role': 'partner',
					parameters: [idParameter('identifiant du territoire')],
					responses: {
						200: {
							description: 'Le territoire et ses communes',
							content: {
								'application/json': { schema: { $ref: '#/components/schemas/Territory' } }
							}
						},
						...errors(401, 403, 404)
					}
				},
				put: {
					summary: 'Créer ou modifier un territoire',
					'x-role': 'pilot',
					parameters: [idParameter('identifiant du territoire')],
					requestBody: {
						required: true,
						content: {
							'application/json': { schema: { $ref: '#/components/schemas/TerritoryPut' } }
						}
					},
					responses: {
						200: {
							description: 'Modifié',
							content: {
								'application/json': { schema: { $ref: '#/components/schemas/Territory' } }
							}
						},
						201: {
							description: 'Créé',
							content: {
								'application/json': { schema: { $ref: '#/components/schemas/Territory' } }
							}
						},
						...errors(400, 401, 403, 404, 413, 415, 422)
					}
				}
			},
			'/territories/{id}/coverage': {
				get: {
					summary: 'La grille complexité × problème d’un territoire (ou d’une de ses communes)',
					'x-role': 'partner',
					parameters: [
						idParameter('identifiant du territoire'),
						...queryParameters(CoverageQuerySchema)
					],
					responses: {
						200: {
							description:
								'Une case par (problème, niveau) : structures et statut gap / single / overlap',
							content: { 'application/json': { schema: { $ref: '#/components/schemas/Coverage' } } }
						},
						...errors(401, 403, 404, 422)
					}
				}
			},
			'/territories/{id}/structures': {
				post: {
					summary: 'Importer des structures (tout ou rien)',
					'x-role': 'pilot',
					parameters: [
						idParameter('identifiant du territoire'),
						...queryParameters(ImportQuerySchema)
					],
					requestBody: {
						required: true,
						content: {
							'application/json': {
								schema: { type: 'array', items: { $ref: '#/components/schemas/StructureImport' } }
							},
							'text/csv': {
								schema: { type: 'string', description: 'mêmes colonnes, listes séparées par |' }
							}
						}
					},
					responses: {
						200: {
							description: 'Importé',
							content: {
								'application/json': { schema: { $ref: '#/components/schemas/ImportResult' } }
							}
						},
						...errors(400, 401, 403, 404, 413, 415, 422)
					}
				}
			}
		}
	};
}
