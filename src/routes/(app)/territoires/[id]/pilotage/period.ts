import { z } from '$lib/schemas/zod';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The period of the dashboards, in the URL: `du` and `au` (inclusive), 12 months by default. */
export const PeriodQuerySchema = z.object({
	du: z.preprocess(blank, z.iso.date().optional()),
	au: z.preprocess(blank, z.iso.date().optional())
});

export function readPeriod(params: URLSearchParams, today = new Date()) {
	const parsed = PeriodQuerySchema.safeParse({
		du: params.get('du') ?? undefined,
		au: params.get('au') ?? undefined
	});
	const q = parsed.success ? parsed.data : {};
	const end = q.au
		? new Date(`${q.au}T00:00:00Z`)
		: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
	const to = new Date(end.getTime() + 86_400_000);
	const from = q.du ? new Date(`${q.du}T00:00:00Z`) : new Date(to.getTime() - 365 * 86_400_000);
	return {
		period: { from, to },
		du: from.toISOString().slice(0, 10),
		au: end.toISOString().slice(0, 10),
		invalid: !parsed.success
	};
}
