import { LEVEL_CODES, PROBLEM_CODES } from '$lib/domain/taxonomy';
import { daysBetween } from '$lib/format';
import { ORIENTATION_STATUSES } from '$lib/schemas/orientation';
import { z } from '$lib/schemas/zod';
import { listOrientations, type StatusFilter } from '$lib/server/services/orientations';
import type { PageServerLoad } from './$types';

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);

/**
 * Filters in the URL. By default every status of the caller's own orientations, the refused and
 * the overdue ones first (`toutes`; `en_retard` for the overdue, `open` for sent or accepted).
 */
const QuerySchema = z.object({
	statut: z.preprocess(
		blank,
		z.enum([...ORIENTATION_STATUSES, 'en_retard', 'open', 'toutes']).default('toutes')
	),
	qui: z.preprocess(blank, z.enum(['moi', 'tous']).default('moi')),
	orpheline: z.preprocess(blank, z.enum(['oui', 'non']).optional()),
	probleme: z.preprocess(blank, z.enum(PROBLEM_CODES).optional()),
	niveau: z.preprocess(blank, z.enum(LEVEL_CODES).optional()),
	page: z.preprocess(blank, z.coerce.number().int().min(1).max(100_000).default(1))
});

const PAGE = 50;

const STATUS_FILTERS: Record<z.output<typeof QuerySchema>['statut'], StatusFilter | undefined> = {
	toutes: undefined,
	open: 'open',
	en_retard: 'overdue',
	sent: 'sent',
	accepted: 'accepted',
	refused: 'refused',
	waitlisted: 'waitlisted',
	expired: 'expired',
	closed: 'closed'
};

export const load: PageServerLoad = async ({ locals, url, getClientAddress }) => {
	const parsed = QuerySchema.safeParse(Object.fromEntries(url.searchParams));
	const query = parsed.success ? parsed.data : QuerySchema.parse({});
	const now = new Date();
	const { total, counts, rows } = await listOrientations(
		locals.db,
		{ principal: locals.principal as NonNullable<App.Locals['principal']>, ip: getClientAddress() },
		{
			status: STATUS_FILTERS[query.statut],
			mine: query.qui === 'moi',
			orphan: query.orpheline === undefined ? undefined : query.orpheline === 'oui',
			problem: query.probleme,
			level: query.niveau,
			limit: PAGE,
			offset: (query.page - 1) * PAGE
		},
		now
	);
	return {
		query,
		total,
		counts,
		// Days without an answer, counted here: the same figure on the server and after hydration.
		rows: rows.map((row) => ({
			...row,
			waitingDays: row.overdue ? daysBetween(row.statusChangedAt, now) : null
		})),
		pages: Math.max(1, Math.ceil(total / PAGE)),
		invalid: !parsed.success
	};
};
