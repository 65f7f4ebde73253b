import { describe, expect, test } from 'vitest';
import { ROLE_CODES, roleRank, type Role } from '$lib/domain/roles';
import { ENDPOINTS } from '$lib/server/api-endpoints';
import { API_BASE } from '$lib/server/api-operation';
import { API_ROUTE, requiredAccess, ROUTE_ACCESS, type Access } from '$lib/server/auth/access';
import { OTHER_TERRITORY, type AccountName, type TokenName } from '../../setup/e2e-accounts';
import { DEMO_TERRITORY_ID, demoStructures } from '../demo-data';
import { apiToken, request, sessionOf, signInSession, type RequestOptions } from '../http';
import { discoverRoutes, pathOf, type DiscoveredRoute } from './route-tree';

/**
 * Issue 3, "done when": every route, form action and `+server` endpoint — discovered from
 * src/routes, not listed by hand — has its rule in ROUTE_ACCESS, and over HTTP none is reachable
 * without the right role; objects of another territory are not reachable by id. The API is one
 * catch-all route (issue 12): its operations are walked from the endpoint table that routes it,
 * each probed with each role as the pages are.
 */

const routes = discoverRoutes();

const UNKNOWN_ID = 'e2e-inconnu';

/**
 * A real object for each kind of parameter, so that the right role gets a real page; any other
 * parameter gets an unknown id (the right role then gets 404, still past the authorization).
 */
function param(name: string, routeId: string): string {
	const before = new RegExp(`/([^/]+)/\\[(?:\\.\\.\\.)?${name}(?:=[^\\]]+)?\\]`).exec(routeId)?.[1];
	if (before === 'structures') return demoStructures[0]?.id ?? UNKNOWN_ID;
	if (before === 'territoires' || before === 'territories') return DEMO_TERRITORY_ID;
	return UNKNOWN_ID;
}

interface Probe {
	/** For the test name: `/(app)/annuaire GET`, `/(admin)/admin/jetons POST ?/create`, or an API
	 * operation `PUT /api/v1/territories/{id}`. */
	name: string;
	method: string;
	path: string;
	access: Access | undefined;
	/** A page (a GET of it answers 200 or 404 to the right role). */
	page: boolean;
	/** An API operation (bearer token, JSON errors). */
	api: boolean;
}

function probesOf(route: DiscoveredRoute): Probe[] {
	// The API's one route: its operations are the endpoint table's, probed below.
	if (route.id === API_ROUTE) return [];
	const path = pathOf(route.id, param);
	const probes: Probe[] = [];
	const probe = (label: string, method: string, at: string, access: Access | undefined) =>
		probes.push({
			name: `${route.id} ${label}`,
			method,
			path: at,
			access,
			page: route.page,
			api: route.api
		});
	if (route.page) {
		probe('GET', 'GET', path, requiredAccess(route.id, 'GET'));
		for (const action of route.actions) {
			probe(
				`POST ${action === 'default' ? '(action par défaut)' : `?/${action}`}`,
				'POST',
				action === 'default' ? path : `${path}?/${action}`,
				requiredAccess(route.id, 'POST', action)
			);
		}
	}
	for (const method of route.methods) {
		if (method === 'fallback') {
			throw new Error(`${route.id} : « fallback » exporté — ajoutez sa vérification à ce test`);
		}
		if (method === 'HEAD' || method === 'OPTIONS') continue;
		if (route.page && method === 'GET') continue;
		probe(method, method, path, requiredAccess(route.id, method));
	}
	return probes;
}

/** Each operation of the endpoint table, its parameters filled as the routes' are. */
const apiProbes: Probe[] = ENDPOINTS.map((op) => ({
	name: `${op.method} ${API_BASE}${op.path}`,
	method: op.method,
	path: pathOf(`${API_BASE}${op.path.replace(/\{(\w+)\}/g, '[$1]')}`, param),
	access: op.role,
	page: false,
	api: true
}));

const probes = [...routes.flatMap(probesOf), ...apiProbes];

/** A role's account (pages) and token (API). */
const ROLE_ACCOUNT: Record<Role, AccountName> = {
	partner: 'partner',
	agent: 'agent',
	pilot: 'pilot',
	admin: 'admin'
};
const THROWAWAY_ACCOUNT: Record<Role, AccountName> = {
	partner: 'throwawayPartner',
	agent: 'throwawayAgent',
	pilot: 'throwawayPilot',
	admin: 'throwawayAdmin'
};
const ROLE_TOKEN: Record<Role, TokenName> = {
	partner: 'partner',
	agent: 'agent',
	pilot: 'pilot',
	admin: 'admin'
};

/**
 * The request of a probe. Bodies are empty or invalid on purpose: the right role must get past
 * the authorization handle, but nothing is changed (the endpoint answers 400/404/422).
 */
function send(probe: Probe, credentials: Pick<RequestOptions, 'session' | 'token'>) {
	const options: RequestOptions = { method: probe.method, ...credentials };
	if (probe.method !== 'GET') {
		if (probe.api) options.json = {};
		else options.form = {};
	}
	return request(probe.path, options);
}

async function expectApiError(response: Response, status: number, code: string): Promise<void> {
	expect(response.status).toBe(status);
	expect(response.headers.get('content-type')).toMatch(/^application\/json/);
	const body = (await response.json()) as {
		error?: { code?: unknown; message?: unknown; issues?: unknown };
	};
	expect(body.error?.code).toBe(code);
	expect(typeof body.error?.message).toBe('string');
	expect(Array.isArray(body.error?.issues)).toBe(true);
}

/** A redirect to the sign-in page (the authorization handle's answer to an anonymous GET). */
function toSignIn(response: Response): boolean {
	return (
		response.status === 303 &&
		(response.headers.get('location') ?? '').startsWith('/connexion?suite=')
	);
}

describe('chaque route, action et endpoint a sa règle dans ROUTE_ACCESS', () => {
	test('la découverte lit l’arborescence des routes', () => {
		const byId = new Map(routes.map((r) => [r.id, r]));
		// Known landmarks: if these are not found, the walker is broken, not the table.
		expect(byId.get('/(public)/connexion')?.actions).toEqual(['default']);
		expect(byId.get('/(admin)/admin/utilisateurs')?.actions).toEqual(
			expect.arrayContaining(['create', 'update', 'disable', 'enable'])
		);
		// The API is one catch-all route, routed by the endpoint table.
		expect(routes.filter((r) => r.api).map((r) => r.id)).toEqual([API_ROUTE]);
		expect(byId.get(API_ROUTE)?.methods).toEqual(['fallback']);
		expect(apiProbes.map((p) => p.name)).toEqual(
			expect.arrayContaining([
				`GET ${API_BASE}/territories/{id}`,
				`PUT ${API_BASE}/territories/{id}`,
				`POST ${API_BASE}/recommendations`
			])
		);
		expect(byId.get('/(app)/deconnexion')?.methods).toEqual(['POST']);
		expect(byId.get('/')?.page).toBe(true);
		expect(probes.length).toBeGreaterThanOrEqual(routes.length);
	});

	test.each(routes.map((r) => [r.id, r] as const))('%s', (id, route) => {
		const rule = ROUTE_ACCESS[id];
		expect(rule, `aucune règle pour ${id} (${route.dir})`).toBeDefined();
		if (route.api) {
			// Its operations' rules are the endpoint table's (every entry has a role: typed).
			expect(id).toBe(API_ROUTE);
			return;
		}
		if (route.page) {
			expect(requiredAccess(id, 'GET'), `${id} GET`).toBeDefined();
		}
		for (const action of route.actions) {
			expect(requiredAccess(id, 'POST', action), `${id} action « ${action} »`).toBeDefined();
		}
		for (const method of route.methods) {
			expect(requiredAccess(id, method), `${id} ${method}`).toBeDefined();
		}
	});

	test('aucune règle pour une route, une méthode ou une action qui n’existe pas', () => {
		const byId = new Map(routes.map((r) => [r.id, r]));
		const stale: string[] = [];
		for (const [id, rule] of Object.entries(ROUTE_ACCESS)) {
			const route = byId.get(id);
			if (!route) {
				stale.push(`${id} : pas de route`);
				continue;
			}
			for (const key of Object.keys(rule)) {
				if (key === 'default') continue;
				if (key.startsWith('action:')) {
					if (!route.actions.includes(key.slice('action:'.length))) {
						stale.push(`${id} ${key} : pas d’action de ce nom`);
					}
				} else if (!route.methods.includes(key)) {
					stale.push(`${id} ${key} : méthode non exportée par +server`);
				}
			}
		}
		expect(stale).toEqual([]);
	});

	test('seules la connexion (ProConnect compris), l’invitation, les pages légales et la description de l’API sont publiques', () => {
		const open = probes.filter((p) => p.access === 'public').map((p) => p.name);
		expect(open.sort()).toEqual([
			'/(public)/accessibilite GET',
			'/(public)/connexion GET',
			'/(public)/connexion POST (action par défaut)',
			'/(public)/connexion/proconnect GET',
			'/(public)/connexion/proconnect/retour GET',
			'/(public)/donnees-personnelles GET',
			// A one-time link (contract §7): the link itself is the credential.
			'/(public)/invitation/[jeton] GET',
			'/(public)/invitation/[jeton] POST (action par défaut)',
			'/(public)/mentions-legales GET',
			'GET /api/v1/openapi.json'
		]);
	});
});

const protectedProbes = probes.filter((p) => p.access !== 'public' && p.access !== undefined);
const publicProbes = probes.filter((p) => p.access === 'public');
const name = (p: Probe) => p.name;

describe('sans identifiants', () => {
	test.each(protectedProbes.map((p) => [name(p), p] as const))(
		'%s est refusé',
		async (_, probe) => {
			const response = await send(probe, {});
			if (probe.api) {
				await expectApiError(response, 401, 'unauthorized');
			} else if (probe.method === 'GET') {
				await response.arrayBuffer();
				expect(toSignIn(response), `${response.status} ${response.headers.get('location')}`).toBe(
					true
				);
				expect(response.headers.get('location')).toBe(
					`/connexion?suite=${encodeURIComponent(probe.path)}`
				);
			} else {
				await response.arrayBuffer();
				expect([401, 403]).toContain(response.status);
			}
		}
	);

	test.each(publicProbes.map((p) => [name(p), p] as const))('%s est ouvert', async (_, probe) => {
		const response = await send(probe, {});
		await response.arrayBuffer();
		expect(response.status).not.toBe(401);
		expect(response.status).not.toBe(403);
		expect(response.status).toBeLessThan(500);
		// An empty sign-in form is refused as invalid, not as unauthorised; an unknown invitation
		// link is not found (its page says so), never unauthorised.
		if (probe.path.includes('/invitation/'))
			expect(response.status).toBe(probe.method === 'POST' ? 404 : 200);
		else if (probe.method === 'POST') expect(response.status).toBe(400);
		// The ProConnect endpoints lead elsewhere: here (no provider configured), back to the
		// sign-in page with a message.
		else if (!probe.page && !probe.api) {
			expect(response.status).toBe(303);
			expect(response.headers.get('location')).toMatch(/^\/connexion\?erreur=/);
		} else expect(response.status).toBe(200);
	});

	test('un cookie de session n’ouvre pas l’API, un jeton n’ouvre pas les pages', async () => {
		const session = await sessionOf('admin');
		await expectApiError(await request('/api/v1/structures', { session }), 401, 'unauthorized');
		const page = await request('/annuaire', { token: apiToken('admin') });
		await page.arrayBuffer();
		expect(toSignIn(page)).toBe(true);
	});

	test('un jeton inconnu ou mal formé donne 401', async () => {
		for (const token of ['bt_inconnu', 'pas-un-jeton', `${apiToken('partner')}x`]) {
			await expectApiError(await request('/api/v1/structures', { token }), 401, 'unauthorized');
		}
		await expectApiError(
			await request('/api/v1/structures', { headers: { authorization: 'Basic YTpi' } }),
			401,
			'unauthorized'
		);
	});
});

const rolesBelow = (access: Access | undefined): Role[] =>
	access === undefined || access === 'public'
		? []
		: ROLE_CODES.filter((role) => roleRank(role) < roleRank(access));

const belowProbes = protectedProbes.flatMap((probe) =>
	rolesBelow(probe.access).map((role) => [`${name(probe)} — ${role}`, probe, role] as const)
);

describe('avec un rôle insuffisant', () => {
	test('il y a des routes réservées à chaque rôle au-dessus de partenaire', () => {
		for (const role of ['pilot', 'admin'] as const) {
			expect(
				protectedProbes.some((p) => p.access === role),
				role
			).toBe(true);
		}
	});

	test.each(belowProbes)('%s : 403', async (_, probe, role) => {
		if (probe.api) {
			const response = await send(probe, { token: apiToken(ROLE_TOKEN[role]) });
			await expectApiError(response, 403, 'forbidden');
		} else {
			const response = await send(probe, { session: await sessionOf(ROLE_ACCOUNT[role]) });
			await response.arrayBuffer();
			expect(response.status).toBe(403);
		}
	});
});

/**
 * A structure's inbox opens to its members and to the agents of its territory (contract §7): the
 * `partner` account, a member of no structure, gets past the role and is then told it is not
 * found there, as for an object of another territory.
 */
function outsideInbox(probe: Probe, role: Role): boolean {
	return (
		(/^\/structures\/[^/]+\/demandes/.test(probe.path) && roleRank(role) < roleRank('agent')) ||
		// Likewise a structure's edit form, for its members and its territory's pilots (issue 15).
		(/^\/structures\/[^/]+\/modifier/.test(probe.path) && roleRank(role) < roleRank('pilot'))
	);
}

/** The required role and, roles being cumulative, the highest one. */
const allowedProbes = protectedProbes.flatMap((probe) => {
	const required = probe.access as Role;
	const roles: Role[] = required === 'admin' ? ['admin'] : [required, 'admin'];
	return roles.map((role) => [`${name(probe)} — ${role}`, probe, role] as const);
});

describe('avec le rôle requis (ou plus)', () => {
	test.each(allowedProbes)('%s passe', async (_, probe, role) => {
		let credentials: Pick<RequestOptions, 'session' | 'token'>;
		if (probe.api) credentials = { token: apiToken(ROLE_TOKEN[role]) };
		else if (probe.method === 'GET') credentials = { session: await sessionOf(ROLE_ACCOUNT[role]) };
		else {
			// A post may end every session of its account (sign-out, "log out everywhere"): a fresh
			// session each time, of an account used for nothing else.
			credentials = { session: await signInSession(THROWAWAY_ACCOUNT[role]) };
		}
		const response = await send(probe, credentials);
		const text = await response.text();
		expect(response.status, text.slice(0, 300)).not.toBe(401);
		expect(response.status, text.slice(0, 300)).not.toBe(403);
		expect(response.status, text.slice(0, 300)).toBeLessThan(500);
		if (probe.method === 'GET') {
			expect(toSignIn(response), 'renvoyé vers la connexion').toBe(false);
			if (probe.page && probe.access !== 'public') {
				expect(response.status).toBe(
					probe.path.includes(UNKNOWN_ID) || outsideInbox(probe, role) ? 404 : 200
				);
			}
		}
	});
});

describe('API : chemins, méthodes et types de contenu hors de la table', () => {
	test('un chemin inconnu donne 404 en JSON, avec ou sans jeton — jamais une page', async () => {
		for (const path of [
			`${API_BASE}/inconnu`,
			`${API_BASE}/structures/a/b`,
			API_BASE,
			'/api/autre'
		]) {
			for (const token of [undefined, apiToken('admin')]) {
				await expectApiError(await request(path, { token }), 404, 'not_found');
			}
		}
	});

	test('une autre méthode sur un chemin connu donne 405 en JSON, avec Allow', async () => {
		const response = await request(`${API_BASE}/territories/${DEMO_TERRITORY_ID}`, {
			method: 'DELETE',
			token: apiToken('admin')
		});
		expect(response.headers.get('allow')).toBe('GET, PUT, HEAD');
		await expectApiError(response, 405, 'method_not_allowed');
		const get = await request(`${API_BASE}/recommendations`, { token: apiToken('agent') });
		expect(get.headers.get('allow')).toBe('POST');
		await expectApiError(get, 405, 'method_not_allowed');
	});

	test('un POST text/plain (ou formulaire) donne 415 en JSON, pas la page CSRF', async () => {
		for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
			await expectApiError(
				await request(`${API_BASE}/recommendations`, {
					method: 'POST',
					token: apiToken('agent'),
					body: 'commune=13204',
					headers: { 'content-type': type, origin: 'http://evil.example' }
				}),
				415,
				'unsupported_media_type'
			);
		}
	});
});

const other = OTHER_TERRITORY.structure;

describe('cloisonnement des territoires', () => {
	test('témoin : un compte sans territoire voit la structure et le territoire de autre-13', async () => {
		const session = await sessionOf('partner');
		for (const path of [`/structures/${other.id}`, `/territoires/${OTHER_TERRITORY.id}`]) {
			const response = await request(path, { session });
			expect(response.status, path).toBe(200);
			expect(await response.text(), path).toContain(
				path.startsWith('/structures') ? other.name : OTHER_TERRITORY.name
			);
		}
		const structure = await request(`/api/v1/structures/${other.id}`, {
			token: apiToken('partner')
		});
		expect(structure.status).toBe(200);
		expect(((await structure.json()) as { territory: string }).territory).toBe(OTHER_TERRITORY.id);
	});

	test.each(['partnerMarseille', 'pilotMarseille'] as const)(
		'session de %s : la structure et le territoire de autre-13 sont introuvables (404)',
		async (who) => {
			const session = await sessionOf(who);
			// Control: its own territory is there.
			const own = await request(`/territoires/${DEMO_TERRITORY_ID}`, { session });
			await own.arrayBuffer();
			expect(own.status).toBe(200);
			for (const path of [`/structures/${other.id}`, `/territoires/${OTHER_TERRITORY.id}`]) {
				const response = await request(path, { session });
				const html = await response.text();
				expect(response.status, path).toBe(404);
				expect(html, path).not.toContain(other.name);
				expect(html, path).not.toContain(OTHER_TERRITORY.name);
			}
		}
	);

	test('session du partenaire de marseille-4-12 : autre-13 absent de l’annuaire et des listes', async () => {
		const session = await sessionOf('partnerMarseille');
		for (const path of [
			'/annuaire',
			`/annuaire?q=${encodeURIComponent('Aix-en-Provence')}`,
			'/annuaire?commune=13001',
			`/annuaire?territoire=${OTHER_TERRITORY.id}`,
			'/territoires',
			'/'
		]) {
			const response = await request(path, { session });
			const html = await response.text();
			expect(response.status, path).toBeLessThan(500);
			expect(html, path).not.toContain(other.name);
			expect(html, path).not.toContain(other.id);
			expect(html, path).not.toContain(OTHER_TERRITORY.name);
		}
	});

	test('jeton du partenaire de marseille-4-12 : autre-13 introuvable par l’API', async () => {
		const token = apiToken('partnerMarseille');
		await expectApiError(
			await request(`/api/v1/structures/${other.id}`, { token }),
			404,
			'not_found'
		);
		await expectApiError(
			await request(`/api/v1/territories/${OTHER_TERRITORY.id}`, { token }),
			404,
			'not_found'
		);
		const own = await request(`/api/v1/territories/${DEMO_TERRITORY_ID}`, { token });
		await own.arrayBuffer();
		expect(own.status).toBe(200);

		const all = await request('/api/v1/structures?limit=200', { token });
		expect(all.status).toBe(200);
		const list = (await all.json()) as {
			total: number;
			items: { id: string; territory: string }[];
		};
		expect(list.total).toBe(demoStructures.length);
		expect(list.items.map((i) => i.territory)).not.toContain(OTHER_TERRITORY.id);
		expect(list.items.map((i) => i.id)).not.toContain(other.id);

		for (const query of [`territory=${OTHER_TERRITORY.id}`, 'commune=13001', 'q=Aix']) {
			const response = await request(`/api/v1/structures?${query}`, { token });
			const text = await response.text();
			expect(response.status, query).toBeLessThan(500);
			expect(text, query).not.toContain(other.id);
		}
	});

	test('jeton du pilote de marseille-4-12 : ni mise à jour ni import dans autre-13 (404)', async () => {
		const token = apiToken('pilotMarseille');
		const territory = { name: 'Autre territoire modifié', communes: ['13001', '13002'] };
		await expectApiError(
			await request(`/api/v1/territories/${OTHER_TERRITORY.id}`, {
				method: 'PUT',
				token,
				json: territory
			}),
			404,
			'not_found'
		);
		// Nor create a territory outside its own.
		await expectApiError(
			await request('/api/v1/territories/e2e-hors-perimetre', {
				method: 'PUT',
				token,
				json: territory
			}),
			404,
			'not_found'
		);
		for (const mode of ['upsert', 'replace']) {
			await expectApiError(
				await request(`/api/v1/territories/${OTHER_TERRITORY.id}/structures?mode=${mode}`, {
					token,
					json: [{ ...other, name: 'Structure détournée' }]
				}),
				404,
				'not_found'
			);
		}
		// Control: in its own territory the same requests reach validation.
		await expectApiError(
			await request(`/api/v1/territories/${DEMO_TERRITORY_ID}`, {
				method: 'PUT',
				token,
				json: { name: '' }
			}),
			422,
			'invalid'
		);
		// Nothing changed in autre-13.
		const unchanged = await request(`/api/v1/structures/${other.id}`, {
			token: apiToken('partner')
		});
		const record = (await unchanged.json()) as { name: string; territory: string };
		expect(record).toMatchObject({ name: other.name, territory: OTHER_TERRITORY.id });
		const place = await request(`/api/v1/territories/${OTHER_TERRITORY.id}`, {
			token: apiToken('partner')
		});
		const body = (await place.json()) as { name: string; communes: { code: string }[] };
		expect(body.name).toBe(OTHER_TERRITORY.name);
		expect(body.communes.map((c) => c.code)).toEqual([...OTHER_TERRITORY.communes]);
		const missing = await request('/api/v1/territories/e2e-hors-perimetre', {
			token: apiToken('partner')
		});
		await missing.arrayBuffer();
		expect(missing.status).toBe(404);
	});
});

describe('cloisonnement des orientations', () => {
	/** An orientation towards autre-13's structure, recorded by an agent of every territory. */
	async function orientationInOtherTerritory(): Promise<string> {
		const response = await request('/api/v1/orientations', {
			token: apiToken('agent'),
			json: {
				territory: OTHER_TERRITORY.id,
				commune: '13001',
				age: 82,
				apa: true,
				problems: ['droits'],
				criteria: [],
				request_type: 'accompagnement',
				level: null,
				consent: true,
				structure: other.id
			}
		});
		const text = await response.text();
		expect(response.status, text).toBe(201);
		return (JSON.parse(text) as { id: string }).id;
	}

	test('une orientation de autre-13 est introuvable (404) pour le pilote de marseille-4-12', async () => {
		const id = await orientationInOtherTerritory();
		// Control: its author reads it.
		const own = await request(`/api/v1/orientations/${id}`, { token: apiToken('agent') });
		expect(own.status).toBe(200);
		expect(((await own.json()) as { status: string }).status).toBeDefined();

		const token = apiToken('pilotMarseille');
		await expectApiError(await request(`/api/v1/orientations/${id}`, { token }), 404, 'not_found');
		await expectApiError(
			// A valid change (closing takes its reason code): only the wall stops it.
			await request(`/api/v1/orientations/${id}/status`, {
				token,
				json: { status: 'closed', reason_code: 'fin_accompagnement' }
			}),
			404,
			'not_found'
		);
		// Nor may it record one there.
		await expectApiError(
			await request('/api/v1/recommendations', {
				token,
				json: {
					territory: OTHER_TERRITORY.id,
					commune: '13001',
					age: 82,
					problems: ['droits'],
					consent: true
				}
			}),
			404,
			'not_found'
		);

		const session = await sessionOf('pilotMarseille');
		const page = await request(`/orientations/${id}`, { session });
		await page.arrayBuffer();
		expect(page.status).toBe(404);
		const action = await request(`/orientations/${id}?/statut`, {
			session,
			form: { status: 'closed', reason_code: 'fin_accompagnement' }
		});
		await action.arrayBuffer();
		expect(action.status).toBe(404);
		const list = await request('/orientations', { session });
		expect(list.status).toBe(200);
		expect(await list.text()).not.toContain(id);

		// Unchanged.
		const after = await request(`/api/v1/orientations/${id}`, { token: apiToken('agent') });
		const record = (await after.json()) as { status: string; history: unknown[] };
		expect(record.history).toHaveLength(1);
	});
});
