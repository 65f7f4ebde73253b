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
		from: q.du ? new Date(`${q.du}T00:00:00Z`) : undefined,
		// "au" is inclusive: up to the end of that day.
		to: q.au ? new Date(Date.parse(`${q.au}T00:00:00Z`) + 86_400_000) : undefined,
		limit: PAGE,
		offset: (q.page - 1) * PAGE
	});
	return { query: q, invalid: [], total, rows, pages: Math.max(1, Math.ceil(total / PAGE)) };
};
