import type { Role } from '$lib/domain/roles';

/**
 * Who may reach each route: the one table the authorization handle reads, keyed by SvelteKit
 * route id. Per method, and per form action as `action:NAME` (`action:default` for the default
 * action). A route missing here is refused to everyone (fail closed); a test walks the route tree
 * and checks that every route, action and endpoint has its rule and that it holds.
 */
export type Access = Role | 'public';

/** The catch-all route of the API: its operations are in the endpoint table. */
export const API_ROUTE = '/api/v1/[...path]';

export interface RouteRule {
	/** For GET/HEAD, and any method or action not listed. */
	default: Access;
	[methodOrAction: string]: Access;
}

export const ROUTE_ACCESS: Record<string, RouteRule> = {
	'/': { default: 'partner' },
	'/(public)/connexion': { default: 'public', 'action:default': 'public' },
	// Sign-in through ProConnect: the way to the provider and its way back, before any session.
	'/(public)/connexion/proconnect': { default: 'public' },
	'/(public)/connexion/proconnect/retour': { default: 'public' },
	'/(public)/accessibilite': { default: 'public' },
	'/(public)/mentions-legales': { default: 'public' },
	'/(public)/donnees-personnelles': { default: 'public' },
	// A one-time link (contract §7): whoever holds it sets the account's password.
	'/(public)/invitation/[jeton]': { default: 'public', 'action:default': 'public' },
	'/(app)/deconnexion': { default: 'partner', POST: 'partner' },
	'/(app)/compte': {
		default: 'partner',
		'action:password': 'partner',
		'action:everywhere': 'partner'
	},
	'/(app)/annuaire': { default: 'partner' },
	'/(app)/lieux': { default: 'partner' },
	'/(app)/structures/[id]': {
		default: 'partner',
		'action:inviter': 'pilot',
		'action:retirer': 'pilot',
		// A proposed remit is confirmed by a pilot of its territory or one of its members
		// (partners): the service decides which.
		'action:confirmer': 'partner',
		// So are « les informations sont à jour » and the edit form, by the same two.
		'action:verifier': 'partner'
	},
	'/(app)/structures/[id]/modifier': { default: 'partner', 'action:default': 'partner' },
	// A structure's inbox (contract §7): its members are partners; the service checks that the
	// caller is one of them, or an agent of the structure's territory, and who may answer.
	'/(app)/structures/[id]/demandes': {
		default: 'partner',
		'action:accepter': 'partner',
		'action:refuser': 'partner',
		'action:attente': 'partner',
		'action:cloturer': 'partner'
	},
	'/(app)/territoires': { default: 'partner' },
	'/(app)/territoires/[id]': { default: 'partner', 'action:delais': 'pilot' },
	'/(app)/territoires/[id]/axes': { default: 'partner' },
	'/(app)/territoires/[id]/axes/grille.csv': { default: 'partner' },
	'/(app)/territoires/[id]/carte': { default: 'partner' },
	'/(app)/territoires/[id]/pilotage': {
		default: 'pilot',
		'action:ajouterRegle': 'pilot',
		'action:retirerRegle': 'pilot',
		'action:annuler': 'pilot',
		'action:verifier': 'pilot',
		'action:capacite': 'pilot',
		'action:verification': 'pilot'
	},
	'/(app)/territoires/[id]/pilotage/export.csv': { default: 'pilot' },
	// The one-page synthesis for a concertation meeting: the desk's figures, for the same pilots.
	'/(app)/territoires/[id]/synthese': { default: 'pilot' },
	'/(app)/territoires/[id]/simulation': {
		default: 'pilot',
		'action:ajouter': 'pilot',
		'action:adopter': 'pilot'
	},
	'/(app)/territoires/[id]/finess': { default: 'pilot', 'action:importer': 'pilot' },
	'/(app)/territoires/[id]/import': {
		default: 'pilot',
		'action:apercu': 'pilot',
		'action:importer': 'pilot'
	},
	// The same import as `action:importer`, its progress streamed (the page's script uses it).
	'/(app)/territoires/[id]/import/progression': { default: 'pilot', POST: 'pilot' },
	'/(app)/territoires/[id]/carte/zone.json': { default: 'partner' },
	'/(app)/territoires/[id]/carte/tuiles/[z]/[x]/[y]': { default: 'partner' },
	'/(app)/territoires/[id]/carte/structure.json': { default: 'partner' },
	'/(app)/orienter': { default: 'agent', 'action:evaluer': 'agent', 'action:enregistrer': 'agent' },
	'/(app)/orientations': { default: 'agent' },
	'/(app)/orientations/[id]': {
		default: 'agent',
		'action:statut': 'agent',
		'action:accepter': 'agent',
		'action:refuser': 'agent',
		'action:attente': 'agent',
		'action:cloturer': 'agent',
		'action:reorienter': 'agent'
	},
	'/(app)/orientations/[id]/fiche': { default: 'agent' },
	'/(admin)/admin': { default: 'admin' },
	'/(admin)/admin/utilisateurs': {
		default: 'admin',
		'action:create': 'admin',
		'action:update': 'admin',
		'action:disable': 'admin',
		'action:enable': 'admin'
	},
	'/(admin)/admin/jetons': { default: 'admin', 'action:create': 'admin', 'action:revoke': 'admin' },
	'/(admin)/admin/journal': { default: 'admin' },
	// The API's one route. Each operation's role is in the endpoint table
	// (server/api-endpoints.ts), which the authorization handle reads for every /api path; this
	// rule is never read for a request, and names the strictest role so that it would fail closed.
	[API_ROUTE]: { default: 'admin' }
};

/**
 * The access a request needs, or `undefined` when the route has no rule (then: refused). For a
 * form POST, `action` is the action's name (from `?/name`, `default` without one).
 */
export function requiredAccess(
	routeId: string,
	method: string,
	action?: string
): Access | undefined {
	const rule = ROUTE_ACCESS[routeId];
	if (!rule) return undefined;
	if (action !== undefined) return rule[`action:${action}`];
	return rule[method] ?? (method === 'HEAD' || method === 'GET' ? rule.default : undefined);
}

/** Whether the route's rule names this HTTP method (a +server endpoint's method). */
export function hasMethodRule(routeId: string, method: string): boolean {
	return ROUTE_ACCESS[routeId]?.[method] !== undefined;
}

/**
 * The action named by a form POST's query string: `?/create` ⇒ `create`, none ⇒ `default`. As
 * Kit reads it (runtime/server/page/actions.js): the first key starting with `/`, wherever it
 * stands — a form keeping its page's view state posts to `?du=…&/retirer`, and the rule checked
 * must be that of the action Kit runs, never another one's.
 */
export function actionName(search: string): string {
	for (const key of new URLSearchParams(search).keys()) {
		if (key.startsWith('/')) return key.slice(1);
	}
	return 'default';
}
