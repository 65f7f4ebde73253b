import { KIND_CODES } from '$lib/domain/taxonomy';
import { ouiNon, z } from './zod';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The chart's views: every structure (default), or the coordination structures alone. */
export const AXES_VIEWS = ['coordination'] as const;
export type AxesView = (typeof AXES_VIEWS)[number];

/** Filters and view of the chart, in the URL (shareable). */
export const AxesQuerySchema = z.object({
	commune: z.preprocess(blank, z.string().trim().max(100).optional()),
	age: z.preprocess(blank, z.coerce.number().int().min(0).max(130).optional()),
	apa: ouiNon(),
	/** A person with (oui) or without (non) a recognised disability must be accepted. */
	handicap: ouiNon(),
	type: z.array(z.enum(KIND_CODES)).default([]),
	/** `vue=coordination`: the figure's own view, the structures of coordination only. */
	vue: z.preprocess(blank, z.enum(AXES_VIEWS).optional()),
	/** The same as `vue=coordination`, kept for the links shared before the views. */
	coordination: z.preprocess(blank, z.enum(['oui']).optional())
});

export type AxesQuery = z.infer<typeof AxesQuerySchema>;

/** Whether the chart shows the coordination structures only (`vue=coordination`, or the old link). */
export function coordinationView(query: Pick<AxesQuery, 'vue' | 'coordination'>): boolean {
	return query.vue === 'coordination' || query.coordination === 'oui';
}

export function readAxesQuery(params: URLSearchParams) {
	return AxesQuerySchema.safeParse({
		commune: params.get('commune') ?? undefined,
		age: params.get('age') ?? undefined,
		apa: params.get('apa') ?? undefined,
		handicap: params.get('handicap') ?? undefined,
		type: params.getAll('type').filter((t) => t !== ''),
		vue: params.get('vue') ?? undefined,
		coordination: params.get('coordination') ?? undefined
	});
}
