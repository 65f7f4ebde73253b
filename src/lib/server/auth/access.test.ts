import { describe, expect, it } from 'vitest';
import { actionName, hasMethodRule, requiredAccess } from './access';

describe('route access', () => {
	it('reads per-method and per-action rules, failing closed', () => {
		expect(requiredAccess('/(app)/annuaire', 'GET')).toBe('partner');
		expect(requiredAccess('/(app)/annuaire', 'POST')).toBeUndefined();
		expect(requiredAccess('/api/v1/territories/[id]', 'PUT')).toBe('pilot');
		expect(requiredAccess('/api/v1/territories/[id]', 'GET')).toBe('partner');
		expect(requiredAccess('/api/v1/territories/[id]', 'DELETE')).toBeUndefined();
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
	});
});
