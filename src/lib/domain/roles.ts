/**
 * Roles are cumulative (contract §3): partner < agent < pilot < admin — a pilot can do what an
 * agent can.
 */
export const ROLES = [
	{ code: 'partner', label: 'Partenaire', does: 'consulte l’annuaire et la couverture' },
	{ code: 'agent', label: 'Agent du guichet intégré', does: 'oriente les demandes' },
	{ code: 'pilot', label: 'Pilote', does: 'territoire, imports, règles, tableaux de bord' },
	{ code: 'admin', label: 'Administrateur', does: 'comptes, jetons, journal d’audit' }
] as const;

export type Role = (typeof ROLES)[number]['code'];

export const ROLE_CODES = ROLES.map((r) => r.code) as [Role, ...Role[]];

export function roleRank(role: Role): number {
	return ROLE_CODES.indexOf(role);
}

/** Whether someone with `actual` may do what needs `required`. */
export function hasRole(actual: Role, required: Role): boolean {
	return roleRank(actual) >= roleRank(required);
}

export function roleLabel(role: string): string {
	return ROLES.find((r) => r.code === role)?.label ?? role;
}

export function isRole(value: unknown): value is Role {
	return typeof value === 'string' && (ROLE_CODES as readonly string[]).includes(value);
}
