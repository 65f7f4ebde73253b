import { memberStructures } from '$lib/server/services/members';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals }) => ({
	viewer: locals.principal ? { label: locals.principal.label, role: locals.principal.role } : null,
	// The structures the viewer answers for (contract §7): one « Demandes reçues » link each.
	inboxes: locals.principal?.structures?.length
		? await memberStructures(locals.db, locals.principal.structures)
		: []
});
