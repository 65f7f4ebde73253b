import { KIND_CODES } from '$lib/domain/taxonomy';
import { z } from './zod';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** Filters of the chart, in the URL (shareable). */
export const AxesQuerySchema = z.object({
	commune: z.preprocess(blank, z.string().trim().max(100).optional()),
	age: z.preprocess(blank, z.coerce.number().int().min(0).max(130).optional()),
	apa: z.preprocess(blank, z.enum(['oui', 'non']).optional()),
	type: z.array(z.enum(KIND_CODES)).default([]),
	coordination: z.preprocess(blank, z.enum(['oui']).optional())
});

export type AxesQuery = z.infer<typeof AxesQuerySchema>;

export function readAxesQuery(params: URLSearchParams) {
	return AxesQuerySchema.safeParse({
		commune: params.get('commune') ?? undefined,
		age: params.get('age') ?? undefined,
		apa: params.get('apa') ?? undefined,
		type: params.getAll('type').filter((t) => t !== ''),
		coordination: params.get('coordination') ?? undefined
	});
}
