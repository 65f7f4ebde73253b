import { describe, expect, it } from 'vitest';
import {
	ARGON2_OPTIONS,
	generatePassword,
	hashPassword,
	passwordProblems,
	verifyPassword
} from './password';

describe('password rules', () => {
	it('refuses short passwords', () => {
		expect(passwordProblems('court1!')).toEqual(['au moins 12 caractères (7 saisis)']);
	});

	it('refuses common passwords, whatever their length', () => {
		expect(passwordProblems('123456789012')[0]).toContain('plus courants');
		expect(passwordProblems('PasswordPassword')).not.toEqual([]);
	});

	it('refuses a password made of the email', () => {
		expect(
			passwordProblems('dupont.coordination', { email: 'dupont.coordination@ccas.fr' })
		).not.toEqual([]);
	});

	it('accepts a long passphrase', () => {
		expect(passwordProblems('tartine-boussole-girafe-1987')).toEqual([]);
	});

	it('generates one-time passwords that pass the rules', () => {
		const password = generatePassword();
		expect(password).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
		expect(passwordProblems(password)).toEqual([]);
	});
});

describe('argon2id hashing', () => {
	it('uses Argon2id with at least 19 MiB and 2 passes', async () => {
		expect(ARGON2_OPTIONS.memoryCost).toBeGreaterThanOrEqual(19 * 1024);
		expect(ARGON2_OPTIONS.timeCost).toBeGreaterThanOrEqual(2);
		const hash = await hashPassword('tartine-boussole-girafe-1987');
		expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
		expect(await verifyPassword(hash, 'tartine-boussole-girafe-1987')).toBe(true);
		expect(await verifyPassword(hash, 'tartine-boussole-girafe-1988')).toBe(false);
		expect(await verifyPassword('not a hash', 'x')).toBe(false);
	});
});
