import type { Issue } from '$lib/schemas/zod';

/**
 * What a service refuses, whoever called it. Turned into `fail()` for form actions in one place
 * (`$lib/server/forms.ts`), and into the API's error JSON in another.
 *
 * - `invalid`: the input breaks a rule (each issue names its field) — 400 in a form, 422 in the API;
 * - `not_found`: unknown, or outside the caller's territories (the two are not told apart, so a
 *   scoped caller learns nothing of the others) — 404;
 * - `forbidden`: known and visible, but beyond what the caller holds (a role above its own, a
 *   territory it does not have) — 403;
 * - `conflict`: the state forbids it (already exists, already done) — 409.
 */
export type ServiceErrorKind = 'invalid' | 'not_found' | 'forbidden' | 'conflict';

export class ServiceError extends Error {
	constructor(
		readonly kind: ServiceErrorKind,
		message: string,
		readonly issues: Issue[] = []
	) {
		super(message);
		this.name = 'ServiceError';
	}
}

/** The HTTP status of a refusal, for pages and form actions (the API maps `invalid` to 422). */
export const SERVICE_ERROR_STATUS = {
	invalid: 400,
	not_found: 404,
	forbidden: 403,
	conflict: 409
} as const satisfies Record<ServiceErrorKind, number>;

/** The message of a refusal made of issues: each one, with its field. */
export function issuesMessage(issues: readonly Issue[]): string {
	return issues.map((i) => `${i.path} : ${i.message}`).join('\n');
}

/** The territory named is unknown or outside the caller's scope: the same answer for both. */
/** The refusal for a structure unknown or out of the caller's reach: the same answer for both. */
export function structureNotFound(id: string): ServiceError {
	return new ServiceError('not_found', `Structure introuvable : ${id}`, [
		{ path: 'structure', message: `structure introuvable : ${id}` }
	]);
}

export function territoryNotFound(territoryId: string): ServiceError {
	return new ServiceError('not_found', `Territoire introuvable : ${territoryId}`, [
		{ path: 'territory', message: `territoire introuvable : ${territoryId}` }
	]);
}

/** PostgreSQL's unique_violation (23505), whichever driver reports it and however wrapped. */
export function isUniqueViolation(error: unknown): boolean {
	for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
		if ((e as { code?: unknown }).code === '23505') return true;
		e = (e as { cause?: unknown }).cause;
	}
	return false;
}
