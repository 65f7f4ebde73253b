import { jsonResponse as json } from './compression';
import { hasRole, type Role } from '$lib/domain/roles';
import {
	CoverageQuerySchema,
	CoverageSchema,
	ImportQuerySchema,
	ImportResultSchema,
	OpenApiDocumentSchema,
	OrientationCreatedSchema,
	OrientationListSchema,
	OrientationSchema,
	OrientationsQuerySchema,
	RecommendationAnswerSchema,
	StructureListSchema,
	StructureRecordSchema,
	StructuresQuerySchema,
	TerritoryPutSchema,
	TerritorySchema
} from '$lib/schemas/api';
import {
	OrientationCreateSchema,
	RecommendationRequestSchema,
	ReorientSchema,
	StatusChangeSchema
} from '$lib/schemas/orientation';
import { SimulationInputSchema, SimulationSchema } from '$lib/schemas/simulation';
import { StructureImportSchema } from '$lib/schemas/structure';
import { DataInclusionExportSchema } from '$lib/schemas/data-inclusion';
import { z } from '$lib/schemas/zod';
import { ApiFailure, nulPaths, validate } from './api';
import {
	API_BASE,
	IMPORT_BODY_LIMIT,
	JSON_BODY_LIMIT,
	operation,
	type ApiBody,
	type Operation
} from './api-operation';
import { apiCaller, orientationCall, toApiOrientation } from './api-orientations';
import { inScope, scopeOf, type Principal } from './auth/principal';
import { openApiDocument } from './openapi';

import { territoryCoverage } from './services/coverage';
import { exportDataInclusion } from './services/data-inclusion';
import { simulateScenario, toApiSimulation } from './services/simulation';
import { getPlaceCatalog } from './services/places';
import {
	answerRequest,
	createOrientation,
	getOrientation,
	listOrientations,
	loadOrientation,
	parseRecommendationRequest,
	toApiAnswer,
	type OrientationDetail
} from './services/orientations';
import { inboxOf } from './services/members';
import { changeStatus, reorient } from './services/referrals';
import { ServiceError } from './services/errors';
import { parseStructureFile, type FileFormat } from './services/structure-files';
import { ImportError, importStructures } from './services/structure-import';
import { getStructure, getStructureRecords, searchStructures } from './services/structures';
import {
	getTerritory,
	putTerritory,
	TerritoryError,
	territoryExists
} from './services/territories';

/**
 * The one table of the `/api/v1` endpoints (contract §3): per operation its method, path, role,
 * schemas, media types, body limit and handler. The catch-all route (routes/api/v1/[...path])
 * routes by it, the authorization handle takes each operation's role from it (`apiAccess`),
 * `openapi.json` is generated from it, and the tests walk it: nothing about an endpoint is
 * written twice. A new endpoint is a new entry here, never a new +server.ts (a test fails then).
 */

const territoryNotFound = (id: string) => new ApiFailure(404, `Territoire introuvable : ${id}`);

const territoryJson = (territory: {
	id: string;
	name: string;
	places: { code: string; name: string }[];
	reminderDays: number;
	expiryDays: number;
}) => ({
	id: territory.id,
	name: territory.name,
	communes: territory.places.map((p) => ({ code: p.code, name: p.name })),
	reminder_days: territory.reminderDays,
	expiry_days: territory.expiryDays
});

const ID = {
	structure: 'identifiant de la structure',
	territory: 'identifiant du territoire',
	orientation: 'identifiant de l’orientation, ou sa référence (OR-2026-00042)'
};

const jsonBody = (name: string, schema: z.ZodType): ApiBody => ({
	name,
	schema,
	limit: JSON_BODY_LIMIT
});

export const ENDPOINTS: readonly Operation[] = [
	operation({
		method: 'GET',
		path: '/openapi.json',
		role: 'public',
		summary: 'La description OpenAPI 3.1 de l’API',
		responses: {
			200: { description: 'Ce document', name: 'OpenApiDocument', schema: OpenApiDocumentSchema }
		},
		handle: async ({ url }) => json(openApiDocument(ENDPOINTS, url.origin))
	}),

	operation({
		method: 'POST',
		path: '/recommendations',
		role: 'agent',
		summary: 'Classer les structures qui conviennent à une demande (rien n’est enregistré)',
		body: jsonBody('RecommendationRequest', RecommendationRequestSchema),
		responses: {
			200: {
				description: 'Les structures recommandées, les meilleures d’abord, et les écartées',
				name: 'RecommendationAnswer',
				schema: RecommendationAnswerSchema
			}
		},
		errors: [404],
		handle: async ({ body, locals, ip }) =>
			orientationCall(async () => {
				const answer = await answerRequest(
					locals.db,
					apiCaller(locals, ip),
					parseRecommendationRequest(body)
				);
				return json(toApiAnswer(answer));
			})
	}),

	operation({
		method: 'POST',
		path: '/orientations',
		role: 'agent',
		summary: 'Orienter : la même réponse, et l’orientation enregistrée (son id et sa référence)',
		headers: {
			'Idempotency-Key':
				'une clé de la demande (un UUID par exemple) : la même demande renvoyée avec la même clé rend la première réponse au lieu d’une seconde orientation'
		},
		body: jsonBody('OrientationCreate', OrientationCreateSchema),
		responses: {
			201: {
				description:
					'Orientation enregistrée (ou, avec la même clé d’idempotence, la première réponse)',
				name: 'OrientationCreated',
				schema: OrientationCreatedSchema,
				headers: {
					'Idempotent-Replayed':
						'`true` quand la réponse est celle d’une demande précédente de même clé'
				}
			}
		},
		errors: [404],
		handle: async ({ body, request, locals, ip }) =>
			orientationCall(async () => {
				const { id, reference, answer, replayed } = await createOrientation(
					locals.db,
					apiCaller(locals, ip),
					body,
					undefined,
					{ idempotencyKey: request.headers.get('idempotency-key') ?? undefined }
				);
				return json(
					{ id, reference, ...toApiAnswer(answer) },
					{ status: 201, headers: replayed ? { 'Idempotent-Replayed': 'true' } : {} }
				);
			})
	}),

	operation({
		method: 'GET',
		path: '/orientations',
		role: 'partner',
		summary:
			'Les orientations : la boîte de réception d’une structure (`structure`, pour ses membres et son jeton) ou celles que l’appelant peut lire ; `since` rend ce qui a changé depuis cet instant',
		query: OrientationsQuerySchema,
		responses: {
			200: {
				description:
					'Les orientations, les plus récentes d’abord (en retard d’abord pour une structure)',
				name: 'OrientationList',
				schema: OrientationListSchema
			}
		},
		errors: [404],
		handle: async ({ query, locals, ip }) => {
			const q = query as z.output<typeof OrientationsQuerySchema>;
			const caller = apiCaller(locals, ip);
			if (q.structure) {
				try {
					await inboxOf(locals.db, caller, q.structure);
				} catch (error) {
					if (error instanceof ServiceError) throw new ApiFailure(404, error.message);
					throw error;
				}
			}
			const { total, rows } = await listOrientations(locals.db, caller, {
				structure: q.structure,
				status: q.status,
				since: q.since ? new Date(q.since) : undefined,
				limit: q.limit,
				offset: q.offset,
				order: q.structure ? 'inbox' : 'agent'
			});
			const items: OrientationDetail[] = [];
			for (const row of rows) {
				const detail = await loadOrientation(locals.db, caller.principal, row.id);
				if (detail) items.push(detail);
			}
			return json({ items: items.map(toApiOrientation), total });
		}
	}),

	operation({
		method: 'GET',
		path: '/orientations/{id}',
		role: 'partner',
		summary:
			'Une orientation et l’historique de son statut (pour un agent du territoire, ou un membre de la structure qui la reçoit)',
		params: { id: ID.orientation },
		responses: {
			200: { description: 'L’orientation', name: 'Orientation', schema: OrientationSchema }
		},
		handle: async ({ params, locals, ip }) => {
			const id = params.id as string;
			const detail = await getOrientation(locals.db, apiCaller(locals, ip), id);
			if (!detail) throw new ApiFailure(404, `Orientation introuvable : ${id}`);
			return json(toApiOrientation(detail));
		}
	}),

	operation({
		method: 'POST',
		path: '/orientations/{id}/status',
		role: 'partner',
		summary:
			'Répondre à une orientation ou la faire avancer (contrat §7) : la structure accepte, refuse avec un motif codé, met en liste d’attente ; elle ou l’agent clôture. Une structure qui a des membres répond elle-même ; sans membres, l’agent enregistre sa réponse',
		params: { id: ID.orientation },
		body: jsonBody('StatusChange', StatusChangeSchema),
		responses: {
			200: {
				description: 'L’orientation telle qu’elle est désormais',
				name: 'Orientation',
				schema: OrientationSchema
			}
		},
		errors: [403, 404],
		handle: async ({ params, body, locals, ip }) =>
			orientationCall(async () => {
				const detail = await changeStatus(
					locals.db,
					apiCaller(locals, ip),
					params.id as string,
					body
				);
				return json(toApiOrientation(detail));
			})
	}),

	operation({
		method: 'POST',
		path: '/orientations/{id}/reorient',
		role: 'agent',
		summary:
			'Réorienter une orientation refusée ou expirée : une nouvelle orientation de la même demande, la structure qui a refusé écartée, les deux liées',
		params: { id: ID.orientation },
		body: jsonBody('Reorient', ReorientSchema),
		responses: {
			201: {
				description: 'La nouvelle orientation',
				name: 'Orientation',
				schema: OrientationSchema
			}
		},
		errors: [404],
		handle: async ({ params, body, locals, ip }) =>
			orientationCall(async () => {
				const caller = apiCaller(locals, ip);
				const created = await reorient(locals.db, caller, params.id as string, body);
				const detail = await loadOrientation(locals.db, caller.principal, created.id);
				return json(toApiOrientation(detail as OrientationDetail), { status: 201 });
			})
	}),

	operation({
		method: 'GET',
		path: '/structures',
		role: 'partner',
		summary: 'Chercher dans l’annuaire (dans les territoires du jeton)',
		query: StructuresQuerySchema,
		responses: {
			200: {
				description: 'Structures visibles dans les territoires du jeton',
				name: 'StructureList',
				schema: StructureListSchema
			}
		},
		handle: async ({ query, locals }) => {
			const places = query.commune
				? (await getPlaceCatalog(locals.db)).leavesOf(query.commune)
				: undefined;
			const { total, items } = await searchStructures(locals.db, {
				scope: scopeOf(locals.principal),
				territory: query.territory,
				kinds: query.kind,
				problem: query.problem,
				level: query.level,
				q: query.q,
				places,
				limit: query.limit,
				offset: query.offset
			});
			return json({
				total,
				items: await getStructureRecords(
					locals.db,
					items.map((i) => i.id)
				)
			});
		}
	}),

	operation({
		method: 'GET',
		path: '/structures/{id}',
		role: 'partner',
		summary: 'Une structure',
		params: { id: ID.structure },
		responses: {
			200: {
				description: 'La structure, au format d’import, et son territoire',
				name: 'Structure',
				schema: StructureRecordSchema
			}
		},
		handle: async ({ params, locals }) => {
			const id = params.id as string;
			// Outside the caller's territories, a structure does not exist (404, not 403).
			const visible = await getStructure(locals.db, id, scopeOf(locals.principal));
			if (!visible) throw new ApiFailure(404, `Structure introuvable : ${id}`);
			const [record] = await getStructureRecords(locals.db, [id]);
			return json(record);
		}
	}),

	operation({
		method: 'GET',
		path: '/territories/{id}',
		role: 'partner',
		summary: 'Un territoire et ses communes',
		params: { id: ID.territory },
		responses: {
			200: {
				description: 'Le territoire et ses communes',
				name: 'Territory',
				schema: TerritorySchema
			}
		},
		handle: async ({ params, locals }) => {
			const id = params.id as string;
			const territory = await getTerritory(locals.db, id, scopeOf(locals.principal));
			if (!territory) throw territoryNotFound(id);
			return json(territoryJson(territory));
		}
	}),

	operation({
		method: 'PUT',
		path: '/territories/{id}',
		role: 'pilot',
		summary: 'Créer ou modifier un territoire (un pilote limité à des territoires : les siens)',
		params: { id: ID.territory },
		body: jsonBody('TerritoryPut', TerritoryPutSchema),
		responses: {
			200: { description: 'Modifié', name: 'Territory', schema: TerritorySchema },
			201: { description: 'Créé', name: 'Territory', schema: TerritorySchema }
		},
		handle: async ({ params, body, locals, principal, ip }) => {
			const id = params.id as string;
			const caller = { principal: principal as Principal, ip };
			// Out of scope is « not found » before the body is even looked at.
			if (!inScope(caller.principal, id)) throw territoryNotFound(id);
			const data = validate(TerritoryPutSchema, body);
			let created: boolean;
			try {
				({ created } = await putTerritory(locals.db, id, data, caller));
			} catch (error) {
				if (error instanceof TerritoryError)
					throw new ApiFailure(422, 'Valeurs invalides.', error.issues);
				throw error;
			}
			const territory = await getTerritory(locals.db, id);
			if (!territory) throw territoryNotFound(id);
			return json(territoryJson(territory), { status: created ? 201 : 200 });
		}
	}),

	operation({
		method: 'POST',
		path: '/territories/{id}/structures',
		role: 'pilot',
		summary: 'Importer des structures (JSON ou CSV), tout ou rien',
		description:
			'Le même service d’import que la ligne de commande et les données de démonstration. Un fichier dont une ligne est invalide est refusé en entier (422), chaque problème avec sa ligne (`row`) et son champ (`field`) ; rien n’est écrit.',
		params: { id: ID.territory },
		query: ImportQuerySchema,
		body: {
			name: 'StructureImportFile',
			schema: z.array(StructureImportSchema),
			limit: IMPORT_BODY_LIMIT,
			csv: 'mêmes colonnes que le JSON (une ligne d’en-tête), listes séparées par « | », « ; » ou « , » entre les colonnes',
			text: true
		},
		responses: {
			200: { description: 'Importé', name: 'ImportResult', schema: ImportResultSchema }
		},
		handle: async ({ params, query, text, bytes, type, locals, principal, ip }) => {
			const id = params.id as string;
			const actor = principal as Principal;
			if (!inScope(actor, id) || !(await territoryExists(locals.db, id))) {
				throw territoryNotFound(id);
			}
			const { mode } = query;
			const format: FileFormat = type === 'text/csv' ? 'csv' : 'json';
			// A NUL character (PostgreSQL refuses it in text) is a problem of its row and field.
			let nul = false;
			try {
				// CSV from a spreadsheet may be Windows-1252: its bytes are decoded after detection.
				const file = parseStructureFile(format === 'csv' ? bytes : text, format);
				const nuls = file.records.flatMap((record, i) =>
					nulPaths(record).map((field) => ({
						row: file.rows[i] ?? i + 1,
						field,
						message: 'caractère nul (U+0000) : retirez-le'
					}))
				);
				if (nuls.length > 0) {
					nul = true;
					throw new ImportError(nuls);
				}
				const result = await importStructures(locals.db, id, file.records, mode, file.rows, {
					caller: { principal: actor, ip },
					format
				});
				return json(result);
			} catch (error) {
				if (!(error instanceof ImportError)) throw error;
				const malformed = nul || error.issues.every((i) => i.row === 0 && i.field === 'fichier');
				throw new ApiFailure(
					malformed ? 400 : 422,
					`Import refusé : ${error.issues.length} problème(s), rien n’a été écrit.`,
					error.issues.map((i) => ({
						path: i.row > 0 ? `${i.row}.${i.field}` : i.field,
						message: i.message,
						row: i.row,
						field: i.field
					}))
				);
			}
		}
	}),

	operation({
		method: 'GET',
		path: '/territories/{id}/coverage',
		role: 'partner',
		summary: 'La grille complexité × problème d’un territoire (ou d’une de ses communes)',
		params: { id: ID.territory },
		query: CoverageQuerySchema,
		responses: {
			200: {
				description:
					'Une case par (problème, niveau) : ses structures et son statut gap / single / overlap',
				name: 'Coverage',
				schema: CoverageSchema
			}
		},
		handle: async ({ params, query, locals }) => {
			const id = params.id as string;
			const territory = await getTerritory(locals.db, id, scopeOf(locals.principal));
			if (!territory) throw territoryNotFound(id);
			const { cells } = await territoryCoverage(locals.db, id, { commune: query.commune });
			return json({ territory: id, commune: query.commune ?? null, cells });
		}
	}),

	operation({
		method: 'POST',
		path: '/territories/{id}/simulations',
		role: 'pilot',
		summary: 'Simuler un changement (« et si… ») : la grille avant et après, rien n’est écrit',
		description:
			'`close` : structures fermées ; `remits` : missions changées (les champs donnés remplacent ceux de la structure ; `coverage` en codes du format d’import) ; `add` : structures ajoutées, au format d’import. Les règles « ne jamais orienter » en vigueur s’appliquent avant et après ; les orientations enregistrées du territoire sont rejouées sur la couverture.',
		params: { id: ID.territory },
		body: jsonBody('SimulationInput', SimulationInputSchema),
		responses: {
			200: {
				description:
					'Chaque case avant et après, les trous par commune avant et après, les orientations rejouées',
				name: 'Simulation',
				schema: SimulationSchema
			}
		},
		errors: [404],
		// The service checks the role and the territory, and validates the scenario.
		handle: async ({ params, body, principal, ip, locals }) => {
			const id = params.id as string;
			const result = await simulateScenario(
				locals.db,
				{ principal: principal as Principal, ip },
				id,
				body
			);
			return json(toApiSimulation(id, result));
		}
	}),

	operation({
		method: 'GET',
		path: '/territories/{id}/data-inclusion',
		role: 'partner',
		summary:
			'Les structures du territoire au schéma data·inclusion 1.x : une structure et un service par structure',
		description:
			'`source` vaut `bon-tiers`, l’`id` d’une structure (et de son service) est son identifiant Bon Tiers, `date_maj` sa date de mise à jour (à défaut, celle de son import), `zone_eligibilite` sa couverture (codes INSEE de communes, départements, SIREN d’EPCI), `thematiques` et `publics` selon la table de correspondance du README. L’objet `bon_tiers` de chaque service porte ce que le schéma ne sait pas dire (niveaux de complexité, public exact, couverture par polygone) : Bon Tiers relit ainsi ses propres exports à l’identique.',
		params: { id: ID.territory },
		responses: {
			200: {
				description:
					'Les structures et les services (deux tableaux, comme les deux fichiers du schéma)',
				name: 'DataInclusionExport',
				schema: DataInclusionExportSchema
			}
		},
		// The service checks the scope: unknown or outside the caller's territories is the same
		// 404 as on the other territory paths (the router turns its refusal into the error JSON).
		handle: async ({ params, locals, principal, ip }) => {
			const { structures, services } = await exportDataInclusion(
				locals.db,
				{ principal: principal as Principal, ip },
				params.id as string
			);
			return json({ structures, services });
		}
	})
];

/* --------------------------------- Matching a request --------------------------------- */

type Segment = { literal: string } | { param: string };

interface CompiledPath {
	path: string;
	segments: Segment[];
	/** How many segments are literal: the more, the more specific (`/a/b` before `/a/{id}`). */
	literals: number;
}

function compile(path: string): CompiledPath {
	const segments = path
		.split('/')
		.slice(1)
		.map((s): Segment => {
			const param = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(s)?.[1];
			return param ? { param } : { literal: s };
		});
	return { path, segments, literals: segments.filter((s) => 'literal' in s).length };
}

const PATHS: CompiledPath[] = [...new Set(ENDPOINTS.map((o) => o.path))]
	.map(compile)
	.sort((a, b) => b.literals - a.literals);

/** The parameters of a path that matches the template, or null. */
function matchPath(template: CompiledPath, segments: string[]): Record<string, string> | null {
	if (template.segments.length !== segments.length) return null;
	const params: Record<string, string> = {};
	for (const [i, segment] of template.segments.entries()) {
		const actual = segments[i] as string;
		if ('literal' in segment) {
			if (segment.literal !== actual) return null;
		} else {
			if (actual === '') return null;
			try {
				params[segment.param] = decodeURIComponent(actual);
			} catch {
				return null; // not a valid percent-encoding: no such path
			}
		}
	}
	return params;
}

export type OperationMatch =
	{ operation: Operation; params: Record<string, string> } | { allow: string[] } | null;

/**
 * The operation a request names (by its URL path, `/api/v1/…` as received, still encoded), or the
 * methods its path allows when the method is not one of them, or null for a path of no operation.
 * HEAD is answered as GET.
 */
export function findOperation(method: string, pathname: string): OperationMatch {
	if (!pathname.startsWith(`${API_BASE}/`)) return null;
	const segments = pathname.slice(API_BASE.length + 1).split('/');
	for (const template of PATHS) {
		const params = matchPath(template, segments);
		if (!params) continue;
		const wanted = method === 'HEAD' ? 'GET' : method;
		const operation = ENDPOINTS.find((o) => o.path === template.path && o.method === wanted);
		if (operation) return { operation, params };
		return { allow: allowedMethods(template.path) };
	}
	return null;
}

function allowedMethods(path: string): string[] {
	const methods: string[] = ENDPOINTS.filter((o) => o.path === path).map((o) => o.method);
	if (methods.includes('GET')) methods.push('HEAD');
	return methods;
}

/**
 * Who may call `method pathname`: the operation's role (or `public`), `not_found` for a path of
 * no operation, `method_not_allowed` for a known path and another method. What the authorization
 * handle reads for every /api path.
 */
export function apiAccess(
	method: string,
	pathname: string
): Role | 'public' | 'not_found' | 'method_not_allowed' {
	const match = findOperation(method, pathname);
	if (!match) return 'not_found';
	if ('allow' in match) return 'method_not_allowed';
	return match.operation.role;
}

/** The answer to a request that names no operation: 404, or 405 with `Allow`. */
export function unmatched(method: string, pathname: string, match: OperationMatch): ApiFailure {
	if (match && 'allow' in match) {
		return new ApiFailure(
			405,
			`Méthode ${method} non prise en charge sur ${pathname} (${match.allow.join(', ')}).`,
			[],
			{ Allow: match.allow.join(', ') }
		);
	}
	return new ApiFailure(
		404,
		`Aucune opération de l’API à cette adresse : ${pathname} (voir ${API_BASE}/openapi.json).`
	);
}

/**
 * The refusal of a caller who lacks the operation's role: 401 without a principal, 403 below the
 * role; null when the caller may go on.
 */
export function roleRefusal(role: Role | 'public', principal: Principal | null): ApiFailure | null {
	if (role === 'public') return null;
	if (!principal)
		return new ApiFailure(401, 'Authentification requise (Authorization: Bearer <jeton>).');
	if (!hasRole(principal.role, role)) return new ApiFailure(403, `Rôle « ${role} » requis.`);
	return null;
}
