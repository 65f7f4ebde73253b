import { KIND_CODES } from '$lib/domain/taxonomy';
import { ouiNon, z } from './zod';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/**
 * The chart's views: the coordination structures alone (default: the study's figure, readable in
 * a meeting), or every structure, prestations included (`vue=toutes`, on demand).
 */
export const AXES_VIEWS = ['coordination', 'toutes'] as const;
export type AxesView = (typeof AXES_VIEWS)[number];

/** Filters and view of the chart, in the URL (shareable). */
export const AxesQuerySchema = z.object({
	commune: z.preprocess(blank, z.string().trim().max(100).optional()),
	age: z.preprocess(blank, z.coerce.number().int().min(0).max(130).optional()),
	apa: ouiNon(),
	/** A person with (oui) or without (non) a recognised disability must be accepted. */
	handicap: ouiNon(),
	type: z.array(z.enum(KIND_CODES)).default([]),
	/** `vue=toutes`: prestations too; absent or `coordination`: the figure's own view. */
	vue: z.preprocess(blank, z.enum(AXES_VIEWS).optional()),
	/** The same as `vue=coordination` (now the default), kept for links shared before the views. */
	coordination: z.preprocess(blank, z.enum(['oui']).optional())
});

export type AxesQuery = z.infer<typeof AxesQuerySchema>;

/**
 * Whether the chart shows the coordination structures only: unless `vue=toutes` asks for every
 * structure. The old `coordination=oui` link wins over nothing, it is the default now.
 */
export function coordinationView(query: Pick<AxesQuery, 'vue' | 'coordination'>): boolean {
	return query.vue !== 'toutes' || query.coordination === 'oui';
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
