import { KIND_CODES, LEVEL_CODES, PROBLEM_CODES } from '$lib/domain/taxonomy';
import { ouiNon, z } from './zod';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The map's state in the URL: filters, chosen cell, selection and view (shareable by link). */
export const MapQuerySchema = z.object({
	probleme: z.preprocess(blank, z.enum(PROBLEM_CODES).optional()),
	niveau: z.preprocess(blank, z.enum(LEVEL_CODES).optional()),
	age: z.preprocess(blank, z.coerce.number().int().min(0).max(130).optional()),
	apa: ouiNon(),
	/** A person with (oui) or without (non) a recognised disability must be accepted. */
	handicap: ouiNon(),
	type: z.array(z.enum(KIND_CODES)).default([]),
	/** Orphan orientations of the last N days (choropleth). */
	orphelines: z.preprocess(blank, z.coerce.number().int().min(1).max(3650).optional()),
	structure: z.preprocess(blank, z.string().max(100).optional()),
	/** View: "lon,lat,zoom". */
	vue: z.preprocess(
		blank,
		z
			.string()
			.regex(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?,\d+(\.\d+)?$/, 'lon,lat,zoom attendu')
			.optional()
	)
});

export type MapQuery = z.infer<typeof MapQuerySchema>;

export function readMapQuery(params: URLSearchParams) {
	return MapQuerySchema.safeParse({
		...Object.fromEntries(params),
		type: params.getAll('type').filter((t) => t !== '')
	});
}
