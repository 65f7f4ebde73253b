import { z } from 'zod';

// Every message zod writes for users (imports, forms, API) is in French, the product's language.
z.config(z.locales.fr());

export { z };

/** A validation problem located by a path ("problems.1", "coverage_geojson.coordinates"). */
export interface Issue {
	path: string;
	message: string;
}

/**
 * The issues of a failed validation, each located by its path. zod reports unknown keys as one
 * issue on the enclosing object: here each unknown key gets its own issue at its own path, so
 * the form, the import or the API client can tell which field to remove.
 */
export function issuesOf(error: z.ZodError, unknownKey?: string): Issue[] {
	return error.issues.flatMap((issue) => {
		const path = issue.path.map(String);
		if (issue.code !== 'unrecognized_keys')
			return [{ path: path.join('.'), message: issue.message }];
		return issue.keys.map((key) => ({
			path: [...path, key].join('.'),
			message: unknownKey ?? `champ inconnu : ${key}`
		}));
	});
}
