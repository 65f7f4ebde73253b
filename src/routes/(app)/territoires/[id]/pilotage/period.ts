import { addDays, localDay, localMidnight } from '$lib/domain/local-time';
import { z } from '$lib/schemas/zod';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The period of the dashboards, in the URL: `du` and `au` (inclusive), 12 months by default. */
export const PeriodQuerySchema = z.object({
	du: z.preprocess(blank, z.iso.date().optional()),
	au: z.preprocess(blank, z.iso.date().optional())
});

/**
 * The period of `du` to `au` (days in Europe/Paris, as the pilots count them): from midnight in
 * Paris on `du` to midnight in Paris after `au`. Without `au`, today in Paris; without `du`, the
 * 365 days up to `au`. A date that is not one is ignored, and said (`invalid`).
 */
export function readPeriod(params: URLSearchParams, today = new Date()) {
	const parsed = PeriodQuerySchema.safeParse({
		du: params.get('du') ?? undefined,
		au: params.get('au') ?? undefined
	});
	const q = parsed.success ? parsed.data : {};
	const au = q.au ?? localDay(today);
	const du = q.du ?? addDays(au, -364);
	return {
		period: { from: localMidnight(du), to: localMidnight(addDays(au, 1)) },
		du,
		au,
		invalid: !parsed.success
	};
}
