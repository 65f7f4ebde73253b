import { INSEE_CODE } from '$lib/geo/places';
import { z } from './zod';

export const TerritoryIdSchema = z
	.string()
	.trim()
	.min(1)
	.max(64)
	.regex(/^[a-z0-9][a-z0-9-]*$/, 'minuscules, chiffres et tirets seulement (ex. marseille-4-12)');

const days = (what: string) =>
	z
		.int({ error: `${what} : un nombre entier de jours` })
		.min(1, `${what} : 1 jour au moins`)
		.max(365, `${what} : 365 jours au plus`);

export const TerritoryPutSchema = z
	.strictObject({
		name: z.string().trim().min(1).max(200),
		communes: z
			.array(z.string().trim().regex(INSEE_CODE, 'code INSEE de 5 caractères attendu'))
			.min(1, 'au moins une commune ou un arrondissement'),
		/**
		 * The referral loop's delays (contract §7): days without an answer before the structure is
		 * reminded, and before the orientation expires. Absent: kept (10 and 30 for a new one).
		 */
		reminder_days: days('le délai de relance').optional(),
		expiry_days: days('le délai d’expiration').optional()
	})
	.refine(
		(t) =>
			t.reminder_days === undefined ||
			t.expiry_days === undefined ||
			t.reminder_days < t.expiry_days,
		{
			path: ['reminder_days'],
			message: 'la relance vient avant l’expiration : un délai de relance plus court attendu'
		}
	);

/** The referral loop's delays of a territory, set by its pilots (contract §7). */
export const ReferralDelaysSchema = z
	.strictObject({
		reminder_days: z.coerce
			.number({ error: 'le délai de relance : un nombre entier de jours' })
			.int('le délai de relance : un nombre entier de jours')
			.min(1, 'le délai de relance : 1 jour au moins')
			.max(365, 'le délai de relance : 365 jours au plus'),
		expiry_days: z.coerce
			.number({ error: 'le délai d’expiration : un nombre entier de jours' })
			.int('le délai d’expiration : un nombre entier de jours')
			.min(2, 'le délai d’expiration : 2 jours au moins')
			.max(365, 'le délai d’expiration : 365 jours au plus')
	})
	.refine((t) => t.reminder_days < t.expiry_days, {
		path: ['reminder_days'],
		message: 'la relance vient avant l’expiration : un délai de relance plus court attendu'
	});

export type TerritoryPut = z.infer<typeof TerritoryPutSchema>;
