import { requestCaller } from '$lib/server/auth/principal';
import { listApiTokens } from '$lib/server/services/api-tokens';
import { readAudit } from '$lib/server/services/audit';
import { listUsers } from '$lib/server/services/users';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const caller = requestCaller(event);
	const [users, tokens, audit] = await Promise.all([
		listUsers(event.locals.db, caller),
		listApiTokens(event.locals.db, caller),
		readAudit(event.locals.db, caller, { limit: 10 })
	]);
	return {
		users: { total: users.length, disabled: users.filter((u) => u.disabledAt).length },
		tokens: { total: tokens.length, active: tokens.filter((t) => !t.revokedAt).length },
		recent: audit.rows
	};
};
