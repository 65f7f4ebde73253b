import { LEVEL_CODES, PROBLEM_CODES } from '$lib/domain/taxonomy';
import { ORIENTATION_STATUSES } from '$lib/schemas/orientation';
import { z } from '$lib/schemas/zod';
import { listOrientations } from '$lib/server/services/orientations';
import type { PageServerLoad } from './$types';

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);

/** Filters in the URL: by default the caller's own open orientations. */
const QuerySchema = z.object({
	statut: z.preprocess(blank, z.enum([...ORIENTATION_STATUSES, 'open', 'toutes']).default('open')),
	qui: z.preprocess(blank, z.enum(['moi', 'tous']).default('moi')),
	orpheline: z.preprocess(blank, z.enum(['oui', 'non']).optional()),
	probleme: z.preprocess(blank, z.enum(PROBLEM_CODES).optional()),
	niveau: z.preprocess(blank, z.enum(LEVEL_CODES).optional()),
	page: z.preprocess(blank, z.coerce.number().int().min(1).max(100_000).default(1))
});

const PAGE = 50;

export const load: PageServerLoad = async ({ locals, url, getClientAddress }) => {
	const parsed = QuerySchema.safeParse(Object.fromEntries(url.searchParams));
	const query = parsed.success ? parsed.data : QuerySchema.parse({});
	const { total, rows } = await listOrientations(
		locals.db,
		{ principal: locals.principal as NonNullable<App.Locals['principal']>, ip: getClientAddress() },
		{
			status: query.statut === 'toutes' ? undefined : query.statut,
			mine: query.qui === 'moi',
			orphan: query.orpheline === undefined ? undefined : query.orpheline === 'oui',
			problem: query.probleme,
			level: query.niveau,
			limit: PAGE,
			offset: (query.page - 1) * PAGE
		}
	);
	return {
		query,
		total,
		rows,
		pages: Math.max(1, Math.ceil(total / PAGE)),
		invalid: !parsed.success
	};
};
