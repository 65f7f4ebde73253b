import { describe, expect, it } from 'vitest';
import { actionName, API_ROUTE, hasMethodRule, requiredAccess } from './access';

describe('route access', () => {
	it('reads per-method and per-action rules, failing closed', () => {
		expect(requiredAccess('/(app)/annuaire', 'GET')).toBe('partner');
		expect(requiredAccess('/(app)/annuaire', 'POST')).toBeUndefined();
		expect(requiredAccess('/(app)/deconnexion', 'POST')).toBe('partner');
		expect(requiredAccess('/(app)/deconnexion', 'DELETE')).toBeUndefined();
		// The API's operations have their roles in the endpoint table; its one route fails closed.
		expect(requiredAccess(API_ROUTE, 'GET')).toBe('admin');
		expect(requiredAccess(API_ROUTE, 'POST')).toBeUndefined();
		expect(requiredAccess('/(admin)/admin/utilisateurs', 'POST', 'create')).toBe('admin');
		expect(requiredAccess('/(admin)/admin/utilisateurs', 'POST', 'drop')).toBeUndefined();
		expect(requiredAccess('/nowhere', 'GET')).toBeUndefined();
	});

	it('tells endpoints from form actions', () => {
		expect(hasMethodRule('/(app)/deconnexion', 'POST')).toBe(true);
		expect(hasMethodRule('/(app)/compte', 'POST')).toBe(false);
	});

	it('names form actions from the query string', () => {
		expect(actionName('?/create')).toBe('create');
		expect(actionName('')).toBe('default');
		expect(actionName('?x=1')).toBe('default');
		// Kit runs the first key starting with `/`, after the page's own parameters too.
		expect(actionName('?du=2026-01-01&au=2026-06-30&/retirerRegle')).toBe('retirerRegle');
		expect(actionName('?x=1&/first&/second')).toBe('first');
	});
});
