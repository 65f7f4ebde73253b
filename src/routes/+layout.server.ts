import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals }) => ({
	viewer: locals.principal ? { label: locals.principal.label, role: locals.principal.role } : null
});
