import { ApiFailure } from './api';
import { OrientationError, type Caller } from './services/orientations';

/** The caller of an API request (the authorization handle guarantees a principal). */
export function apiCaller(locals: App.Locals, ip: string): Caller {
	return { principal: locals.principal as NonNullable<App.Locals['principal']>, ip };
}

/** Runs an orientation service call, turning its refusals into the API's error format. */
export async function orientationCall<T>(run: () => Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (error) {
		if (error instanceof OrientationError)
			throw new ApiFailure(error.status, error.message, error.issues);
		throw error;
	}
}
