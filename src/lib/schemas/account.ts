import { ROLE_CODES, roleLabel } from '$lib/domain/roles';
import { TerritoryIdSchema } from './territory';
import { z } from './zod';

const role = z.enum(ROLE_CODES, {
	// Codes are what the CLI and the API take; the labels say what each one is.
	error: (issue) =>
		`rôle inconnu « ${String(issue.input)} » (rôles : ${ROLE_CODES.map((r) => `${r} — ${roleLabel(r)}`).join(', ')})`
});

export const UserCreateSchema = z.strictObject({
	email: z
		.email()
		.max(254)
		.transform((e) => e.trim()),
	role,
	territories: z.array(TerritoryIdSchema).default([]),
	password: z.string().optional(),
	/** The structures the account answers for (contract §7: a member). */
	structures: z.array(z.string().trim().min(1).max(100)).default([])
});

export const UserUpdateSchema = z.strictObject({
	role,
	territories: z.array(TerritoryIdSchema).default([])
});

export const TokenCreateSchema = z.strictObject({
	name: z.string().trim().min(1).max(100),
	role,
	territories: z.array(TerritoryIdSchema).default([]),
	/** A structure's token (contract §7): it acts as a member of that structure. */
	structure: z.string().trim().min(1).max(100).optional()
});

export const LoginSchema = z.object({
	email: z.string().trim().min(1, 'indiquez votre adresse électronique').max(254),
	password: z.string().min(1, 'indiquez votre mot de passe').max(1024)
});
