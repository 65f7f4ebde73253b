import type { Role } from '$lib/domain/roles';

/**
 * The accounts, API tokens and second territory the browser tests run with: created by
 * e2e-data.ts before the server starts, handed to the tests by app-server.ts (`inject('e2e')`).
 */

export const DEMO_TERRITORY_ID = 'marseille-4-12';

/** The second territory: Aix-en-Provence, outside the demo territory. */
export const OTHER_TERRITORY = {
	id: 'autre-13',
	name: 'Autre territoire',
	communes: ['13001'],
	structure: {
		id: 'e2e-autre-aix',
		name: 'Structure témoin d’Aix-en-Provence',
		kind: 'ccas',
		commune: '13001',
		coverage: ['13001'],
		problems: ['droits', 'finances'],
		level_min: 'information',
		level_max: 'coordonnee'
	}
} as const;

/**
 * The demo structures given members in the browser tests: recommended for a medical request in
 * the 4e, and answered by nobody else in the suite (the agent's own tests answer for the network,
 * which keeps no members).
 */
export const MEMBER_STRUCTURES = {
	hospital: 'finess:130809015',
	emg: 'demo:emg-marseille-est'
} as const;

export interface E2eAccount {
	id: string;
	email: string;
	password: string;
	role: Role;
	territories: string[];
}

export interface E2eToken {
	id: string;
	token: string;
	role: Role;
	territories: string[];
}

/** Accounts by purpose; the role accounts act on every territory. */
export const ACCOUNT_SPECS = {
	partner: { role: 'partner', territories: [] },
	agent: { role: 'agent', territories: [] },
	pilot: { role: 'pilot', territories: [] },
	admin: { role: 'admin', territories: [] },
	partnerMarseille: { role: 'partner', territories: [DEMO_TERRITORY_ID] },
	pilotMarseille: { role: 'pilot', territories: [DEMO_TERRITORY_ID] },
	/** Only for the brute-force test: it ends up blocked. */
	throttled: { role: 'partner', territories: [] },
	/** Only for the "disabled account" test. */
	disabled: { role: 'partner', territories: [] },
	/**
	 * One per role, only for the authorization test's posts at the required role: a post may end
	 * every session of its account ("log out everywhere"), which must not sign the others out.
	 */
	throwawayPartner: { role: 'partner', territories: [] },
	throwawayAgent: { role: 'agent', territories: [] },
	throwawayPilot: { role: 'pilot', territories: [] },
	throwawayAdmin: { role: 'admin', territories: [] },
	/** Members of two demo structures (contract §7), for the referral loop's browser test. */
	memberHospital: {
		role: 'partner',
		territories: [DEMO_TERRITORY_ID],
		structures: [MEMBER_STRUCTURES.hospital]
	},
	memberEmg: {
		role: 'partner',
		territories: [DEMO_TERRITORY_ID],
		structures: [MEMBER_STRUCTURES.emg]
	}
} as const satisfies Record<
	string,
	{ role: Role; territories: string[]; structures?: readonly string[] }
>;

export const TOKEN_SPECS = {
	partner: { role: 'partner', territories: [] },
	agent: { role: 'agent', territories: [] },
	pilot: { role: 'pilot', territories: [] },
	admin: { role: 'admin', territories: [] },
	partnerMarseille: { role: 'partner', territories: [DEMO_TERRITORY_ID] },
	pilotMarseille: { role: 'pilot', territories: [DEMO_TERRITORY_ID] },
	/** Only for the "revoked token" test. */
	revocable: { role: 'partner', territories: [] }
} as const satisfies Record<string, { role: Role; territories: string[] }>;

export type AccountName = keyof typeof ACCOUNT_SPECS;
export type TokenName = keyof typeof TOKEN_SPECS;

export interface E2eData {
	accounts: Record<AccountName, E2eAccount>;
	tokens: Record<TokenName, E2eToken>;
}

/** `partnerMarseille` ⇒ `partner-marseille@example.org`; `admin` is the instance's first admin. */
export function emailOf(name: AccountName): string {
	return `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}@example.org`;
}
