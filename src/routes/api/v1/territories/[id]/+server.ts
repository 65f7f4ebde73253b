import { json } from '@sveltejs/kit';
import { TerritoryPutSchema } from '$lib/schemas/api';
import { ApiFailure, handleApi, readJson, validate } from '$lib/server/api';
import { inScope, scopeOf } from '$lib/server/auth/principal';
import { audit } from '$lib/server/services/audit';
import { getTerritory, putTerritory, TerritoryError } from '$lib/server/services/territories';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = ({ params, locals }) =>
	handleApi(async () => {
		const territory = await getTerritory(locals.db, params.id, scopeOf(locals.principal));
		if (!territory) throw new ApiFailure(404, `Territoire introuvable : ${params.id}`);
		return json({
			id: territory.id,
			name: territory.name,
			communes: territory.places.map((p) => ({ code: p.code, name: p.name }))
		});
	});

/** Creates or updates a territory (pilot). A scoped pilot may only update its own territories. */
export const PUT: RequestHandler = ({ params, request, locals, getClientAddress }) =>
	handleApi(async () => {
		const principal = locals.principal as NonNullable<App.Locals['principal']>;
		if (!inScope(principal, params.id)) {
			throw new ApiFailure(404, `Territoire introuvable : ${params.id}`);
		}
		const body = validate(
			TerritoryPutSchema,
			await readJson(request, locals.bodyLimit ?? 1_000_000)
		);
		let created: boolean;
		try {
			({ created } = await putTerritory(locals.db, params.id, body));
		} catch (error) {
			if (error instanceof TerritoryError)
				throw new ApiFailure(422, 'Valeurs invalides.', error.issues);
			throw error;
		}
		await audit(locals.db, {
			actor: principal,
			action: created ? 'territory.create' : 'territory.update',
			outcome: 'success',
			target: { type: 'territory', id: params.id },
			territoryId: params.id,
			ip: getClientAddress(),
			details: { communes: body.communes.length }
		});
		const territory = await getTerritory(locals.db, params.id);
		return json(
			{
				id: params.id,
				name: territory?.name,
				communes: territory?.places.map((p) => ({ code: p.code, name: p.name })) ?? []
			},
			{ status: created ? 201 : 200 }
		);
	});
