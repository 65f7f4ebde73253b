import { z } from './zod';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** Filters of the audit log page, from the URL. */
export const AuditQuerySchema = z.object({
	action: z.preprocess(blank, z.string().trim().max(64).optional()),
	qui: z.preprocess(blank, z.string().trim().max(254).optional()),
	resultat: z.preprocess(blank, z.enum(['success', 'failure', 'denied']).optional()),
	du: z.preprocess(blank, z.iso.date().optional()),
	au: z.preprocess(blank, z.iso.date().optional()),
	page: z.preprocess(blank, z.coerce.number().int().min(1).max(100_000).default(1))
});
