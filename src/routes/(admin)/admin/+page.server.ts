import { listApiTokens } from '$lib/server/services/api-tokens';
import { listAudit } from '$lib/server/services/audit';
import { listUsers } from '$lib/server/services/users';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const [users, tokens, audit] = await Promise.all([
		listUsers(locals.db),
		listApiTokens(locals.db),
		listAudit(locals.db, { limit: 10 })
	]);
	return {
		users: { total: users.length, disabled: users.filter((u) => u.disabledAt).length },
		tokens: { total: tokens.length, active: tokens.filter((t) => !t.revokedAt).length },
		recent: audit.rows
	};
};
