import { error, fail, type ActionFailure } from '@sveltejs/kit';
import type { Issue } from '$lib/schemas/zod';
import { SERVICE_ERROR_STATUS, ServiceError } from './services/errors';

/**
 * A service's refusal as a form action's `fail()`: the status of its kind (400 invalid, 404 not
 * found, 403 forbidden, 409 conflict), the form's own data (which action, the values typed…), its
 * message and its issues — a refusal without issues gets one, on no field, saying its message.
 * Anything else is not a refusal and is thrown again (a 500, logged).
 *
 *   try { … } catch (e) { return serviceFail(e, { action: 'create', values }); }
 */
export function serviceFail<T extends Record<string, unknown>>(
	e: unknown,
	data: T
): ActionFailure<T & { message: string; issues: Issue[] }> {
	if (!(e instanceof ServiceError)) throw e;
	const issues = e.issues.length > 0 ? e.issues : [{ path: '', message: e.message }];
	return fail(SERVICE_ERROR_STATUS[e.kind], { ...data, message: e.message, issues });
}

/**
 * Runs a page load's (or a GET endpoint's) service calls: a refusal becomes the error page of its
 * status (an unknown territory, or one outside the caller's scope, is a 404 alike).
 */
export async function orErrorPage<T>(run: () => Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (e) {
		if (e instanceof ServiceError) error(SERVICE_ERROR_STATUS[e.kind], e.message);
		throw e;
	}
}
