import { z } from 'zod';

// Every message zod writes for users (imports, forms, API) is in French, the product's language.
z.config(z.locales.fr());

export { z };

/** A validation problem located by a path ("problems.1", "coverage_geojson.coordinates"). */
export interface Issue {
	path: string;
	message: string;
}

export function issuesOf(error: z.ZodError): Issue[] {
	return error.issues.map((issue) => ({
		path: issue.path.map(String).join('.'),
		message: issue.message
	}));
}
