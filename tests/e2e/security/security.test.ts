import http from 'node:http';
import { describe } from 'vitest';
import { THROTTLE_RULES } from '$lib/server/services/throttle';
import { OTHER_TERRITORY } from '../../setup/e2e-accounts';
import { DEMO_TERRITORY_ID, demoStructures } from '../demo-data';
import { expect, screenshot, testAs } from '../fixtures';
import {
	account,
	apiToken,
	baseUrl,
	e2eData,
	postLogin,
	request,
	SESSION_COOKIE,
	sessionOf,
	setCookie,
	signInSession
} from '../http';

/**
 * Issue 3, "done when" (besides the route walk of authorization.test.ts): brute force, disabled
 * account, revoked token, CSRF, security headers, body size and strict JSON, injection strings
 * stored and shown inertly, session cookie. Over HTTP; the injection is also opened in a browser.
 *
 * Every test of the run shares one client address (127.0.0.1), whose failed sign-ins are limited
 * too (THROTTLE_RULES.ip): this file spends about seven of them, on accounts of its own.
 */

// A partner that acts on every territory: it sees the injection territory below.
const test = testAs('partner');

interface ApiErrorBody {
	error: { code: string; message: string; issues: { path: string; message: string }[] };
}

async function apiError(response: Response, status: number, code: string): Promise<ApiErrorBody> {
	expect(response.status).toBe(status);
	expect(response.headers.get('content-type')).toMatch(/^application\/json/);
	// Refusals of the authorization and size checks carry the security headers too.
	expect(response.headers.get('x-content-type-options')).toBe('nosniff');
	const body = (await response.json()) as ApiErrorBody;
	expect(body.error.code).toBe(code);
	expect(typeof body.error.message).toBe('string');
	expect(Array.isArray(body.error.issues)).toBe(true);
	return body;
}

/**
 * A request whose body the server may refuse before reading it all (413 on Content-Length): the
 * server answers and closes while the client still writes, which fetch reports as EPIPE instead
 * of the answer. node:http hands the answer over whatever happens to the rest of the upload.
 */
function uploadRefusedEarly(
	path: string,
	token: string,
	body: string
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
	return new Promise((resolve, reject) => {
		const req = http.request(new URL(path, baseUrl()), {
			method: 'POST',
			headers: {
				authorization: `Bearer ${token}`,
				'content-type': 'application/json',
				'content-length': Buffer.byteLength(body)
			}
		});
		req.on('response', (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (chunk: string) => (text += chunk));
			res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
			res.on('error', reject);
		});
		// The upload cut short by the server's answer: expected, the answer is what is checked.
		req.on('error', (error: NodeJS.ErrnoException) => {
			if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
		});
		req.end(body);
	});
}

const WRONG_PASSWORD = 'ceci-n-est-pas-le-bon-mot-de-passe';

describe('connexion', () => {
	test('le cookie de session est HttpOnly, SameSite=Lax, Path=/, et renouvelé à chaque connexion', async () => {
		const who = account('agent');
		const response = await postLogin(who.email, who.password);
		await response.arrayBuffer();
		expect(response.status).toBe(303);
		const header = response.headers
			.getSetCookie()
			.find((c) => c.startsWith(`${SESSION_COOKIE}=`)) as string;
		expect(header).toBeDefined();
		const attributes = header
			.split(';')
			.slice(1)
			.map((a) => a.trim().toLowerCase());
		expect(attributes).toContain('httponly');
		expect(attributes).toContain('samesite=lax');
		expect(attributes).toContain('path=/');
		// Over plain http on the machine itself the cookie cannot be Secure (browsers would drop
		// it); behind https it is (auth/cookies.ts).
		expect(attributes).not.toContain('secure');
		const expires = attributes.find((a) => a.startsWith('expires='));
		expect(expires, 'une date d’expiration').toBeDefined();
		const lifetimeHours =
			(Date.parse(expires?.slice('expires='.length) ?? '') - Date.now()) / 3.6e6;
		expect(lifetimeHours).toBeGreaterThan(0);
		expect(lifetimeHours).toBeLessThanOrEqual(24);
		// ≥ 128 bits of randomness, base64url.
		const token = setCookie(response, SESSION_COOKIE) as string;
		expect(token).toMatch(/^[A-Za-z0-9_-]{22,}$/);

		// A new token at every sign-in, whatever cookie the browser already had (no fixation).
		const again = await request('/connexion', {
			form: { email: who.email, password: who.password, suite: '/' },
			session: token
		});
		await again.arrayBuffer();
		expect(again.status).toBe(303);
		const second = setCookie(again, SESSION_COOKIE);
		expect(second).toBeDefined();
		expect(second).not.toBe(token);
	});

	test('la déconnexion ferme la session côté serveur', async () => {
		const session = await signInSession('agent');
		const inside = await request('/annuaire', { session });
		await inside.arrayBuffer();
		expect(inside.status).toBe(200);
		const out = await request('/deconnexion', { method: 'POST', form: {}, session });
		await out.arrayBuffer();
		expect(out.status).toBe(303);
		expect(out.headers.get('location')).toBe('/connexion');
		expect(setCookie(out, SESSION_COOKIE)).toBe('');
		// The old cookie, replayed, no longer opens anything.
		const replay = await request('/annuaire', { session });
		await replay.arrayBuffer();
		expect(replay.status).toBe(303);
		expect(replay.headers.get('location')).toMatch(/^\/connexion\?suite=/);
	});

	test(`mot de passe erroné ${THROTTLE_RULES.pair.max} fois → 429 avec Retry-After, même avec le bon ensuite`, async () => {
		const who = account('throttled');
		const statuses: number[] = [];
		let blocked: Response | undefined;
		for (let attempt = 0; attempt <= THROTTLE_RULES.pair.max + 1 && !blocked; attempt++) {
			const response = await postLogin(who.email, WRONG_PASSWORD);
			statuses.push(response.status);
			if (response.status === 429) blocked = response;
			else {
				expect(await response.text()).toContain('Adresse électronique ou mot de passe incorrect');
			}
		}
		expect(blocked, `statuts : ${statuses.join(', ')}`).toBeDefined();
		// Refused as invalid until the limit, then throttled.
		expect(statuses.slice(0, THROTTLE_RULES.pair.max)).toEqual(
			Array(THROTTLE_RULES.pair.max).fill(400)
		);
		expect(statuses.length).toBe(THROTTLE_RULES.pair.max + 1);
		const retryAfter = Number(blocked?.headers.get('retry-after'));
		expect(retryAfter).toBeGreaterThan(0);
		expect(retryAfter).toBeLessThanOrEqual(THROTTLE_RULES.pair.maxBlockSeconds);
		expect(await blocked?.text()).toMatch(/Trop de tentatives/);

		// While blocked, even the right password is refused, and no session is opened.
		const right = await postLogin(who.email, who.password);
		await right.arrayBuffer();
		expect(right.status).toBe(429);
		expect(right.headers.get('retry-after')).toMatch(/^\d+$/);
		expect(setCookie(right, SESSION_COOKIE)).toBeUndefined();

		// The block is this account's from this address, not the address's: another account still
		// signs in from it.
		expect(await signInSession('agent')).toBeTruthy();
	});

	test('un compte désactivé par un administrateur perd l’accès à sa requête suivante', async () => {
		const who = account('disabled');
		const session = await signInSession('disabled');
		const before = await request('/annuaire', { session });
		await before.arrayBuffer();
		expect(before.status).toBe(200);

		const disable = await request('/admin/utilisateurs?/disable', {
			form: { id: who.id },
			session: await sessionOf('admin')
		});
		await disable.arrayBuffer();
		expect(disable.status).toBe(303);

		const after = await request('/annuaire', { session });
		await after.arrayBuffer();
		expect(after.status).toBe(303);
		expect(after.headers.get('location')).toBe('/connexion?suite=%2Fannuaire');
		// The dead cookie is cleared.
		expect(setCookie(after, SESSION_COOKIE)).toBe('');
		// A form post with it is refused as well.
		const post = await request('/compte?/everywhere', { form: {}, session });
		await post.arrayBuffer();
		expect([401, 403]).toContain(post.status);
		// And the right password no longer opens a session (same message as a wrong one).
		const login = await postLogin(who.email, who.password);
		expect(login.status).toBe(400);
		expect(setCookie(login, SESSION_COOKIE)).toBeUndefined();
		expect(await login.text()).toContain('Adresse électronique ou mot de passe incorrect');
	});

	test('un jeton révoqué par un administrateur donne 401', async () => {
		const { id, token } = e2eData().tokens.revocable;
		const before = await request('/api/v1/structures', { token });
		await before.arrayBuffer();
		expect(before.status).toBe(200);

		const revoke = await request('/admin/jetons?/revoke', {
			form: { id },
			session: await sessionOf('admin')
		});
		await revoke.arrayBuffer();
		expect(revoke.status).toBe(303);

		await apiError(await request('/api/v1/structures', { token }), 401, 'unauthorized');
		await apiError(
			await request(`/api/v1/structures/${demoStructures[0]?.id}`, { token }),
			401,
			'unauthorized'
		);
	});
});

describe('CSRF', () => {
	test('un formulaire posté depuis un autre site est refusé (403), sans effet', async () => {
		const who = account('agent');
		const login = await postLogin(who.email, who.password, 'http://evil.example');
		await login.arrayBuffer();
		expect(login.status).toBe(403);
		expect(setCookie(login, SESSION_COOKIE)).toBeUndefined();

		const admin = await sessionOf('admin');
		const email = 'csrf-victime@example.org';
		for (const headers of [
			{ origin: 'http://evil.example' },
			{ origin: 'null' },
			// A lookalike: same host name, another port.
			{ origin: baseUrl().replace(/:(\d+)$/, (_, port: string) => `:${Number(port) + 1}`) }
		]) {
			const response = await request('/admin/utilisateurs?/create', {
				form: { email, role: 'admin' },
				session: admin,
				origin: headers.origin
			});
			await response.arrayBuffer();
			expect(response.status, headers.origin).toBe(403);
		}
		// text/plain is what a cross-site <form enctype="text/plain"> sends.
		const plain = await request('/admin/utilisateurs?/create', {
			method: 'POST',
			body: `email=${email}&role=admin`,
			headers: { 'content-type': 'text/plain', origin: 'http://evil.example', accept: 'text/html' },
			session: admin
		});
		await plain.arrayBuffer();
		expect(plain.status).toBe(403);

		const users = await request('/admin/utilisateurs', { session: admin });
		expect(users.status).toBe(200);
		expect(await users.text()).not.toContain(email);
	});
});

describe('en-têtes de sécurité', () => {
	test('CSP avec nonce, frame-ancestors none, worker-src blob: ; nosniff ; pas de cache privé partagé', async () => {
		const pages = [
			{ path: '/connexion', session: undefined },
			{ path: '/annuaire', session: await sessionOf('partner') }
		];
		for (const { path, session } of pages) {
			const response = await request(path, { session });
			const html = await response.text();
			expect(response.status, path).toBe(200);
			const csp = response.headers.get('content-security-policy') ?? '';
			expect(csp, path).not.toBe('');
			const directives = new Map(
				csp
					.split(';')
					.map((d) => d.trim().split(/\s+/))
					.filter((d) => d[0])
					.map(([name, ...values]) => [name as string, values])
			);
			const scripts = directives.get('script-src') ?? [];
			const nonce = scripts.find((v) => /^'nonce-[A-Za-z0-9+/=_-]+'$/.test(v));
			expect(nonce, `${path} script-src ${scripts.join(' ')}`).toBeDefined();
			expect(scripts).not.toContain("'unsafe-inline'");
			expect(scripts).not.toContain("'unsafe-eval'");
			expect(directives.get('frame-ancestors'), path).toEqual(["'none'"]);
			expect(directives.get('worker-src'), path).toContain('blob:');
			expect(directives.get('object-src'), path).toEqual(["'none'"]);
			// SvelteKit's inline bootstrap carries the header's nonce.
			const value = nonce?.slice("'nonce-".length, -1) as string;
			expect(html, path).toContain(`nonce="${value}"`);
			expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
			expect(response.headers.get('referrer-policy'), path).toBe('strict-origin-when-cross-origin');
			// Served over http here: no HSTS (only sent over https).
			expect(response.headers.get('strict-transport-security'), path).toBeNull();
			if (session) expect(response.headers.get('cache-control'), path).toMatch(/no-store/);
		}
		// A fresh nonce on every response.
		const [a, b] = await Promise.all([request('/connexion'), request('/connexion')]);
		await Promise.all([a.arrayBuffer(), b.arrayBuffer()]);
		expect(a.headers.get('content-security-policy')).not.toBe(
			b.headers.get('content-security-policy')
		);

		const api = await request('/api/v1/structures', { token: apiToken('partner') });
		await api.arrayBuffer();
		expect(api.headers.get('x-content-type-options')).toBe('nosniff');
		expect(api.headers.get('cache-control')).toMatch(/no-store/);
	});
});

describe('API : corps de requête', () => {
	const territory = (id: string) => `/api/v1/territories/${id}`;

	test('un corps trop grand est refusé (413), avec ou sans Content-Length', async () => {
		const token = apiToken('pilot');
		const big = JSON.stringify({ name: 'x'.repeat(1_100_000), communes: ['13001'] });
		await apiError(
			await request(territory('e2e-trop-gros'), { method: 'PUT', token, json: JSON.parse(big) }),
			413,
			'payload_too_large'
		);
		// Streamed (chunked, no Content-Length): the limit holds while reading.
		const bytes = new TextEncoder().encode(big);
		const stream = new ReadableStream<Uint8Array>({
			start(controller) {
				for (let i = 0; i < bytes.length; i += 64 * 1024) {
					controller.enqueue(bytes.slice(i, i + 64 * 1024));
				}
				controller.close();
			}
		});
		const streamed = await fetch(new URL(territory('e2e-trop-gros'), baseUrl()), {
			method: 'PUT',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: stream,
			duplex: 'half'
		} as RequestInit & { duplex: 'half' });
		await apiError(streamed, 413, 'payload_too_large');
		// An import may be larger (20 MB), not more.
		const tooBig = await uploadRefusedEarly(
			`${territory(DEMO_TERRITORY_ID)}/structures?mode=upsert`,
			token,
			`[${' '.repeat(20_000_001)}]`
		);
		await apiError(
			new Response(tooBig.text, {
				status: tooBig.status,
				headers: Object.entries(tooBig.headers).map(([k, v]) => [k, String(v)] as [string, string])
			}),
			413,
			'payload_too_large'
		);
		// Nothing was created.
		await apiError(
			await request(territory('e2e-trop-gros'), { token: apiToken('partner') }),
			404,
			'not_found'
		);
	});

	test('un champ inconnu est refusé (422) et nommé', async () => {
		const token = apiToken('pilot');
		const body = await apiError(
			await request(territory('e2e-champ-inconnu'), {
				method: 'PUT',
				token,
				json: { name: 'Champ inconnu', communes: ['13001'], couleur: 'rouge' }
			}),
			422,
			'invalid'
		);
		expect(body.error.issues.map((i) => i.path)).toEqual(['couleur']);
		// In an import row: located by row and field.
		const row = await apiError(
			await request(`${territory(DEMO_TERRITORY_ID)}/structures?mode=upsert`, {
				token,
				json: [{ ...OTHER_TERRITORY.structure, id: 'e2e-champ-inconnu', couleur: 'rouge' }]
			}),
			422,
			'invalid'
		);
		expect(
			row.error.issues.some((i) => i.path.startsWith('1') && JSON.stringify(i).includes('couleur')),
			JSON.stringify(row.error.issues)
		).toBe(true);
		// Unknown query parameters too.
		const query = await apiError(
			await request('/api/v1/structures?couleur=rouge', { token: apiToken('partner') }),
			422,
			'invalid'
		);
		expect(query.error.issues.map((i) => i.path)).toEqual(['couleur']);
		await apiError(
			await request(territory('e2e-champ-inconnu'), { token: apiToken('partner') }),
			404,
			'not_found'
		);
	});

	test('un JSON mal formé donne 400, un autre type de contenu 415', async () => {
		const token = apiToken('pilot');
		await apiError(
			await request(territory('e2e-mal-forme'), {
				method: 'PUT',
				token,
				body: '{"name": "Mal formé", "communes": ["13001"',
				headers: { 'content-type': 'application/json' }
			}),
			400,
			'bad_request'
		);
		await apiError(
			await request(territory('e2e-mal-forme'), {
				method: 'PUT',
				token,
				body: '<territory name="Mal formé"/>',
				headers: { 'content-type': 'application/xml' }
			}),
			415,
			'unsupported_media_type'
		);
	});
});

/** Strings that would run or break something if the app built HTML or SQL from them. */
const INJECTION = {
	territory: {
		id: 'e2e-injection',
		name: `<i>Territoire</i> e2e "injection" '); DROP TABLE territories;--`
	},
	structure: {
		id: 'e2e-injection-1',
		name: `<script>window.__pwned=1</script>'; DROP TABLE structures;--`,
		kind: 'association',
		commune: '13001',
		coverage: ['13001'],
		problems: ['droits'],
		level_min: 'information',
		level_max: 'simple',
		referral: `<img src=x onerror="window.__pwned=2">`,
		address: `1 rue O'Brien" onmouseover="window.__pwned=3`
	}
};

describe('injections SQL et HTML', () => {
	test('importées par l’API, stockées telles quelles', async () => {
		const token = apiToken('pilot');
		const put = await request(`/api/v1/territories/${INJECTION.territory.id}`, {
			method: 'PUT',
			token,
			json: { name: INJECTION.territory.name, communes: ['13001'] }
		});
		expect([200, 201], await put.clone().text()).toContain(put.status);
		const imported = await request(
			`/api/v1/territories/${INJECTION.territory.id}/structures?mode=upsert`,
			{ token, json: [INJECTION.structure] }
		);
		expect(imported.status, await imported.clone().text()).toBe(200);

		const read = await request(`/api/v1/structures/${INJECTION.structure.id}`, {
			token: apiToken('partner')
		});
		expect(read.status).toBe(200);
		const record = (await read.json()) as Record<string, unknown>;
		expect(record).toMatchObject({
			name: INJECTION.structure.name,
			referral: INJECTION.structure.referral,
			address: INJECTION.structure.address,
			territory: INJECTION.territory.id
		});
		const place = await request(`/api/v1/territories/${INJECTION.territory.id}`, {
			token: apiToken('partner')
		});
		expect(((await place.json()) as { name: string }).name).toBe(INJECTION.territory.name);

		// The search takes them as text, in the API and the directory.
		for (const q of [`'; DROP TABLE structures;--`, `' OR '1'='1`, '%', '_', '\\']) {
			const search = await request(`/api/v1/structures?q=${encodeURIComponent(q)}`, {
				token: apiToken('partner')
			});
			expect(search.status, q).toBe(200);
			const page = await request(`/annuaire?q=${encodeURIComponent(q)}`, {
				session: await sessionOf('partner')
			});
			await page.arrayBuffer();
			expect(page.status, q).toBe(200);
		}
		const found = await request(`/api/v1/structures?q=${encodeURIComponent('DROP TABLE')}`, {
			token: apiToken('partner')
		});
		const list = (await found.json()) as { items: { id: string }[] };
		expect(list.items.map((i) => i.id)).toContain(INJECTION.structure.id);

		// Every table intact: the demo, autre-13's structure and this one are all still there (other
		// test files may add structures of their own, so this checks that nothing was lost).
		const expected = [
			...demoStructures.map((s) => s.id),
			OTHER_TERRITORY.structure.id,
			INJECTION.structure.id
		];
		for (const id of expected) {
			const one = await request(`/api/v1/structures/${encodeURIComponent(id)}`, {
				token: apiToken('partner')
			});
			expect(one.status, id).toBe(200);
			await one.arrayBuffer();
		}
	});

	test('affichées comme du texte dans le navigateur, sans exécution', async ({ page }) => {
		await page.goto(`/structures/${INJECTION.structure.id}`);
		const heading = page.getByRole('heading', { level: 1 });
		expect((await heading.textContent())?.trim()).toBe(INJECTION.structure.name);
		const body = (await page.locator('main').textContent()) ?? '';
		expect(body).toContain(INJECTION.structure.referral);
		expect(body).toContain(INJECTION.structure.address);
		expect(body).toContain(INJECTION.territory.name);
		expect(await page.title()).toContain(INJECTION.structure.name);
		expect(
			await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)
		).toBeUndefined();
		expect(
			await page.locator('main img[src="x"], main [onerror], main [onmouseover]').count()
		).toBe(0);
		expect(
			await page
				.locator('main script')
				.evaluateAll(
					(scripts) => scripts.filter((s) => (s.textContent ?? '').includes('__pwned')).length
				)
		).toBe(0);
		await screenshot(page, 'injection-structure');

		await page.goto(`/territoires/${INJECTION.territory.id}`);
		expect((await page.getByRole('heading', { level: 1 }).textContent())?.trim()).toBe(
			INJECTION.territory.name
		);
		expect(await page.locator('main h1 i').count()).toBe(0);

		// The directory lists it (as text) among all the others.
		await page.goto(`/annuaire?territoire=${INJECTION.territory.id}`);
		expect(await page.getByRole('link', { name: INJECTION.structure.name }).count()).toBe(1);
		await page.goto('/annuaire');
		const status = (await page.locator('#resultats-compte').textContent()) ?? '';
		expect(
			Number(/(\d+)\s*structures?/.exec(status.replace(/[\s\u202f\u00a0](?=\d)/g, ''))?.[1])
		).toBeGreaterThanOrEqual(demoStructures.length + 2);
		expect(
			await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)
		).toBeUndefined();
	});
});
