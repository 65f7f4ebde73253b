import { describe, expect, it } from 'vitest';
import { deskAction, deskState } from './desk-state';

describe('deskState', () => {
	it('keeps the period and drops the action and the last outcome', () => {
		const params = new URLSearchParams('du=2026-01-01&au=2026-06-30&/retirerRegle&retrait=12');
		expect(deskState(params).toString()).toBe('du=2026-01-01&au=2026-06-30');
		expect(deskState(new URLSearchParams('campagne=abc')).toString()).toBe('');
	});
});

describe('deskAction', () => {
	it('puts the action after the view state, which Kit reads first of the keys starting with /', () => {
		expect(deskAction(new URLSearchParams('du=2026-01-01&retrait=3'), 'annuler')).toBe(
			'?du=2026-01-01&/annuler'
		);
		expect(deskAction(new URLSearchParams(''), 'verifier')).toBe('?/verifier');
		// The address an earlier action left (`?/ajouterRegle`) does not name two actions.
		expect(deskAction(new URLSearchParams('/ajouterRegle=&au=2026-02-01'), 'capacite')).toBe(
			'?au=2026-02-01&/capacite'
		);
	});
});
