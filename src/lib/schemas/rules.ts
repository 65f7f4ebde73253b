import { LEVEL_CODES, PROBLEM_CODES } from '$lib/domain/taxonomy';
import { INSEE_CODE } from '$lib/geo/places';
import { z } from './zod';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** A rule agreed in concertation, as a pilot enters it. */
export const RuleInputSchema = z.strictObject({
	effect: z.enum(['prefer', 'never'], {
		error: 'choisissez « privilégier » ou « ne jamais orienter »'
	}),
	structure: z.string().trim().min(1, 'choisissez la structure').max(100),
	problem: z.preprocess(blank, z.enum(PROBLEM_CODES).optional()),
	level: z.preprocess(blank, z.enum(LEVEL_CODES).optional()),
	commune: z.preprocess(blank, z.string().regex(INSEE_CODE, 'code INSEE attendu').optional()),
	reason: z.string().trim().min(3, 'dites pourquoi (la concertation qui l’a décidé)').max(500),
	agreed_on: z.preprocess(blank, z.iso.date().optional())
});

export type RuleInput = z.infer<typeof RuleInputSchema>;
