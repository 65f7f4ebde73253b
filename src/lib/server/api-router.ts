import {
	API_ERRORS,
	ApiFailure,
	apiError,
	nulPaths,
	queryObject,
	readBytes,
	serviceFailure,
	validate
} from './api';
import { findOperation, roleRefusal, unmatched } from './api-endpoints';
import { mediaTypes, type ApiMediaType } from './api-operation';
import { ServiceError } from './services/errors';

/** What the router needs of a request event (a SvelteKit RequestEvent has it all). */
export interface ApiEvent {
	request: Request;
	url: URL;
	locals: App.Locals;
	getClientAddress(): string;
}

const NUL_MESSAGE = 'caractère nul (U+0000) : retirez-le';

/** 400 naming every place a NUL character stands (PostgreSQL refuses it in text). */
function refuseNul(paths: string[], where: string): void {
	if (paths.length === 0) return;
	throw new ApiFailure(
		400,
		`Caractère nul (U+0000) dans ${where} : retirez-le.`,
		paths.map((path) => ({ path, message: NUL_MESSAGE }))
	);
}

/** The media type of the body, one of those the operation accepts (else 415). */
function bodyType(request: Request, accepted: ApiMediaType[]): ApiMediaType {
	const type = (request.headers.get('content-type') ?? '').split(';', 1)[0]?.trim().toLowerCase();
	const found = accepted.find((t) => t === type);
	if (!found) throw new ApiFailure(415, `Content-Type: ${accepted.join(' ou ')} attendu.`);
	return found;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch (error) {
		throw new ApiFailure(400, `JSON mal formé : ${(error as Error).message}`);
	}
}

/**
 * Answers any request under /api/v1 from the endpoint table (api-endpoints.ts): the operation its
 * method and path name, else 404 or 405 (with `Allow`); the caller's role (the authorization
 * handle refused already — this guard keeps a handler from ever running without it); NUL
 * characters (400), the media type (415), the size (413), the query (422) and the JSON syntax
 * (400), in that order; then the handler. Every refusal is the contract's error JSON — a
 * service's own (ServiceError) included — and so is an unexpected error (500, logged with the
 * request id).
 */
export async function routeApi(event: ApiEvent): Promise<Response> {
	const { request, url, locals } = event;
	try {
		const match = findOperation(request.method, url.pathname);
		if (!match || 'allow' in match) throw unmatched(request.method, url.pathname, match);
		const { operation, params } = match;
		const refusal = roleRefusal(operation.role, locals.principal);
		if (refusal) throw refusal;

		refuseNul(
			Object.entries(params)
				.filter(([, value]) => value.includes('\0'))
				.map(([name]) => name),
			'l’adresse'
		);
		const rawQuery = queryObject(url);
		refuseNul(nulPaths(rawQuery), 'les paramètres');

		let type: ApiMediaType | null = null;
		if (operation.body) {
			type = bodyType(request, mediaTypes(operation));
			const { limit } = operation.body;
			const length = Number(request.headers.get('content-length') ?? NaN);
			if (Number.isFinite(length) && length > limit) {
				throw new ApiFailure(
					413,
					`Corps de requête trop grand (${length} octets, ${limit} au plus).`
				);
			}
		}
		const query = operation.query ? validate(operation.query, rawQuery) : {};

		let text = '';
		let bytes: Uint8Array = new Uint8Array();
		let body: unknown;
		if (operation.body) {
			bytes = await readBytes(request, operation.body.limit);
			text = Buffer.from(bytes).toString('utf8');
			if (!operation.body.text) {
				body = parseJson(text);
				refuseNul(nulPaths(body), 'le corps de la requête');
			}
		}
		return await operation.handle({
			params,
			query,
			body,
			text,
			bytes,
			type,
			request,
			url,
			locals,
			principal: locals.principal,
			ip: event.getClientAddress()
		});
	} catch (error) {
		if (error instanceof ApiFailure) return error.toResponse();
		if (error instanceof ServiceError) return serviceFailure(error).toResponse();
		console.error(`[bon-tiers] ${locals.requestId ?? '-'} ${url.pathname}`, error);
		return apiError(
			500,
			API_ERRORS[500],
			`Une erreur interne est survenue. Réessayez ; si elle persiste, signalez ce numéro : ${locals.requestId ?? '-'}.`
		);
	}
}
