import { hash, verify } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as fr from '@zxcvbn-ts/language-fr';

/**
 * Argon2id with explicit parameters: 19 MiB, 2 passes, 1 lane — the OWASP minimum for Argon2id
 * (m=19456 KiB, t=2, p=1), which costs ≈ 80 ms on this class of machine.
 */
export const ARGON2_OPTIONS = {
	// Algorithm.Argon2id: a const enum, which isolated modules cannot import.
	algorithm: 2,
	memoryCost: 19_456,
	timeCost: 2,
	parallelism: 1
} as const;

export const PASSWORD_MIN_LENGTH = 12;

export function hashPassword(password: string): Promise<string> {
	return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	try {
		return await verify(passwordHash, password);
	} catch {
		return false;
	}
}

// A fixed hash to verify against when the account does not exist, so that the response time does
// not reveal which emails have an account.
let decoyHash: Promise<string> | undefined;
export async function verifyDecoy(password: string): Promise<void> {
	decoyHash ??= hashPassword('decoy password that matches nothing');
	await verifyPassword(await decoyHash, password);
}

// Built on first use: the dictionaries take a moment to index.
let estimator: ZxcvbnFactory | undefined;
function strength(): ZxcvbnFactory {
	estimator ??= new ZxcvbnFactory({
		dictionary: { ...common.dictionary, ...fr.dictionary },
		graphs: common.adjacencyGraphs,
		translations: fr.translations
	});
	return estimator;
}

const commonPasswords = new Set(
	(common.dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase())
);

/**
 * The password rules: at least 12 characters, not a common password (the 49 000 of the
 * zxcvbn-ts list), not guessable from the account's email, and a zxcvbn score ≥ 3. Returns the
 * problems in French, empty when the password is acceptable.
 */
export function passwordProblems(password: string, context: { email?: string } = {}): string[] {
	const problems: string[] = [];
	if (password.length < PASSWORD_MIN_LENGTH) {
		problems.push(`au moins ${PASSWORD_MIN_LENGTH} caractères (${password.length} saisis)`);
	}
	if (password.length > 256) problems.push('256 caractères au plus');
	if (commonPasswords.has(password.toLowerCase())) {
		problems.push('ce mot de passe figure parmi les plus courants');
		return problems;
	}
	if (problems.length > 0) return problems;
	const local =
		context.email
			?.split('@')[0]
			?.toLowerCase()
			.replace(/[^a-z0-9]/g, '') ?? '';
	if (
		local.length >= 4 &&
		password
			.toLowerCase()
			.replace(/[^a-z0-9]/g, '')
			.includes(local)
	) {
		return ['ne doit pas reprendre l’adresse électronique'];
	}
	const userInputs = context.email ? [context.email, ...context.email.split(/[@.]/)] : [];
	const result = strength().check(password, userInputs);
	if (result.score < 3) {
		const hint = result.feedback.warning || result.feedback.suggestions[0];
		problems.push(`trop facile à deviner${hint ? ` : ${hint}` : ''}`);
	}
	return problems;
}

/** A one-time password that satisfies the rules (shown once, to be changed at first login). */
export function generatePassword(): string {
	const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
	const bytes = crypto.getRandomValues(new Uint8Array(20));
	const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
	// Groups of 5 are easier to read out or copy by hand: xxxxx-xxxxx-xxxxx-xxxxx.
	return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}
