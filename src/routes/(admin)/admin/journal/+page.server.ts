import { addDays, localMidnight } from '$lib/domain/local-time';
import { AuditQuerySchema } from '$lib/schemas/audit';
import { issuesOf } from '$lib/schemas/zod';
import { requestCaller } from '$lib/server/auth/principal';
import { readAudit } from '$lib/server/services/audit';
import type { PageServerLoad } from './$types';

const PAGE = 100;

export const load: PageServerLoad = async (event) => {
	const { locals, url } = event;
	const parsed = AuditQuerySchema.safeParse(Object.fromEntries(url.searchParams));
	if (!parsed.success)
		return { query: null, invalid: issuesOf(parsed.error), total: 0, rows: [], pages: 1 };
	const q = parsed.data;
	const { total, rows } = await readAudit(locals.db, requestCaller(event), {
		action: q.action,
		actor: q.qui,
		outcome: q.resultat,
		// Days in Paris, as the journal's times are shown; "au" is inclusive: up to that day's end.
		from: q.du ? localMidnight(q.du) : undefined,
		to: q.au ? localMidnight(addDays(q.au, 1)) : undefined,
		limit: PAGE,
		offset: (q.page - 1) * PAGE
	});
	return { query: q, invalid: [], total, rows, pages: Math.max(1, Math.ceil(total / PAGE)) };
};
