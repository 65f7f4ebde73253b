import { describe, expect, test } from 'vitest';
import { DEMO_TERRITORY_ID, demoStructures } from '../demo-data';
import { request, sessionOf } from '../http';
import { discoverRoutes, pathOf } from './route-tree';

/**
 * NUL bytes (`%00`) reach no database: every page and every form action of the tree —
 * discovered from src/routes — answers 400 naming where the NUL was, never a 500, for an
 * administrator (who passes every role check, so the request gets as far as it can).
 */

const pages = discoverRoutes().filter((route) => !route.api && route.page);

function param(name: string, routeId: string): string {
	const before = new RegExp(`/([^/]+)/\\[(?:\\.\\.\\.)?${name}(?:=[^\\]]+)?\\]`).exec(routeId)?.[1];
	if (before === 'structures') return demoStructures[0]?.id ?? 'inconnu';
	if (before === 'territoires') return DEMO_TERRITORY_ID;
	return 'inconnu';
}

describe('NUL bytes in the address and in form fields', () => {
	test.each(pages.map((route) => [route.id, route] as const))('%s', async (_id, route) => {
		const session = await sessionOf('admin');
		const path = pathOf(route.id, param);
		const get = await request(`${path}?q=a%00b&suite=%00`, { session });
		expect(get.status, `GET ${path}`).toBe(400);
		expect(await get.text()).toContain('Caractère nul');
		for (const action of route.actions) {
			const target = action === 'default' ? path : `${path}?/${action}`;
			const post = await request(target, {
				session,
				form: { email: 'x\u0000y', id: '1\u0000', event: 'abc\u0000', note: 'a\u0000' }
			});
			const body = await post.text();
			expect(post.status, `POST ${target}`).toBe(400);
			expect(body).toContain('caractère nul');
		}
	});

	test('a number that does not parse is a 400 naming it, not a 500', async () => {
		const session = await sessionOf('admin');
		const post = await request(`/territoires/${DEMO_TERRITORY_ID}/pilotage?/annuler`, {
			session,
			form: { event: 'abc' }
		});
		expect(post.status).toBe(400);
		expect(await post.text()).toContain('numéro de modification invalide');
	});
});
