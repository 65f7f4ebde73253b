import { describe, expect, it } from 'vitest';
import {
	KINDS,
	LEVEL_CODES,
	PROBLEMS,
	defaultCoordination,
	levelInRange,
	levelsBetween,
	problemField
} from './taxonomy';

describe('taxonomy', () => {
	it('keeps the contract order of the problem axis, social → autonomy → medical', () => {
		const fields = PROBLEMS.map((p) => p.field);
		const firstAutonomy = fields.indexOf('autonomy');
		const firstMedical = fields.indexOf('medical');
		expect(fields.slice(0, firstAutonomy).every((f) => f === 'social')).toBe(true);
		expect(fields.slice(firstAutonomy, firstMedical).every((f) => f === 'autonomy')).toBe(true);
		expect(fields.slice(firstMedical).every((f) => f === 'medical')).toBe(true);
		expect(PROBLEMS[0].code).toBe('droits');
		expect(PROBLEMS.at(-1)?.code).toBe('maintien_domicile');
		expect(problemField('logement')).toBe('social');
		expect(problemField('troubles_cognitifs')).toBe('medical');
	});

	it('orders the levels from information to complexe', () => {
		expect(LEVEL_CODES).toEqual(['information', 'simple', 'coordonnee', 'complexe']);
		expect(levelInRange('simple', 'information', 'coordonnee')).toBe(true);
		expect(levelInRange('complexe', 'information', 'coordonnee')).toBe(false);
		expect(levelInRange('information', 'simple', 'complexe')).toBe(false);
		expect(levelsBetween('simple', 'complexe')).toEqual(['simple', 'coordonnee', 'complexe']);
	});

	it('defaults coordination by kind as the contract says', () => {
		const coordinating = KINDS.filter((k) => defaultCoordination(k.code)).map((k) => k.code);
		expect(coordinating).toEqual([
			'clic',
			'ccas',
			'reseau_sante',
			'equipe_apa',
			'gestion_cas',
			'dac',
			'mdph',
			'communaute_360'
		]);
		expect(KINDS).toHaveLength(25);
	});
});
