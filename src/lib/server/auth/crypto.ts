import { createHash, randomBytes } from 'node:crypto';

/** A random secret of `bytes` bytes (≥ 16, i.e. ≥ 128 bits), URL-safe. */
export function randomSecret(bytes = 32): string {
	if (bytes < 16) throw new Error('a secret needs at least 128 bits');
	return randomBytes(bytes).toString('base64url');
}

/**
 * How session and API tokens are stored: a plain SHA-256 suffices (unlike passwords) because the
 * tokens are long random secrets, not guessable by brute force.
 */
export function sha256(value: string): string {
	return createHash('sha256').update(value).digest('hex');
}
