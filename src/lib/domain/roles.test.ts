import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ROLE_CODES, hasRole, isRole } from './roles';

describe('roles', () => {
	it('are cumulative: partner < agent < pilot < admin', () => {
		expect(ROLE_CODES).toEqual(['partner', 'agent', 'pilot', 'admin']);
		expect(hasRole('pilot', 'agent')).toBe(true);
		expect(hasRole('agent', 'pilot')).toBe(false);
		expect(hasRole('partner', 'partner')).toBe(true);
	});

	it('form a total order (property)', () => {
		const role = fc.constantFrom(...ROLE_CODES);
		fc.assert(
			fc.property(role, role, role, (a, b, c) => {
				expect(hasRole(a, b) || hasRole(b, a)).toBe(true);
				if (hasRole(a, b) && hasRole(b, c)) expect(hasRole(a, c)).toBe(true);
			})
		);
	});

	it('recognises only the contract codes', () => {
		expect(isRole('admin')).toBe(true);
		expect(isRole('root')).toBe(false);
		expect(isRole(undefined)).toBe(false);
	});
});
