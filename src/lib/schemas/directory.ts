import { KIND_CODES, LEVEL_CODES, PROBLEM_CODES } from '$lib/domain/taxonomy';
import { z } from './zod';

/**
 * Filters of the directory, as they appear in the URL (French parameter names, shareable links).
 * An empty parameter means "no filter", so a form submitted with blank fields stays valid.
 */
const blankToUndefined = (value: unknown) =>
	typeof value === 'string' && value.trim() === '' ? undefined : value;

export const DirectoryQuerySchema = z.object({
	q: z.preprocess(blankToUndefined, z.string().trim().max(200).optional()),
	territoire: z.preprocess(blankToUndefined, z.string().trim().max(64).optional()),
	type: z.preprocess(
		(v) => (Array.isArray(v) ? v.filter((x) => x !== '') : blankToUndefined(v)),
		z.union([z.enum(KIND_CODES).transform((k) => [k]), z.array(z.enum(KIND_CODES))]).optional()
	),
	probleme: z.preprocess(blankToUndefined, z.enum(PROBLEM_CODES).optional()),
	niveau: z.preprocess(blankToUndefined, z.enum(LEVEL_CODES).optional()),
	/** A place: INSEE code, postal code or name; resolved by the server. */
	commune: z.preprocess(blankToUndefined, z.string().trim().max(100).optional()),
	page: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(10_000).default(1))
});

export type DirectoryQuery = z.infer<typeof DirectoryQuerySchema>;

/** Reads the directory filters from URL search params (repeated `type` allowed). */
export function readDirectoryQuery(params: URLSearchParams) {
	const types = params.getAll('type');
	return DirectoryQuerySchema.safeParse({
		q: params.get('q') ?? undefined,
		territoire: params.get('territoire') ?? undefined,
		type: types.length > 1 ? types : (types[0] ?? undefined),
		probleme: params.get('probleme') ?? undefined,
		niveau: params.get('niveau') ?? undefined,
		commune: params.get('commune') ?? undefined,
		page: params.get('page') ?? undefined
	});
}
