import path from 'node:path';
import { z } from 'zod';
import { publicOrigin } from './origin';

/**
 * Runtime configuration from the environment (contract §6), read here and nowhere else: every
 * variable has its schema, its default and a French message when it is wrong. Read with
 * process.env rather than $env/dynamic/private because the CLI and the benchmarks run the same
 * code outside SvelteKit.
 */

const minutesOrHours = (name: string) =>
	z.coerce
		.number({ error: `${name} : un nombre entier attendu` })
		.int(`${name} : un nombre entier attendu`)
		.positive(`${name} : un nombre positif attendu`);
/** Unset and empty alike: a variable left blank in a service file means « not configured ». */
const optionalText = z
	.string()
	.optional()
	.transform((value) => (value?.trim() ? value.trim() : undefined));

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The provider's address. https, as every real provider is; plain http only on this machine's
 * loopback, for a provider started beside the app (the tests, a developer's own).
 */
const issuerUrl = optionalText.refine(
	(value) => {
		if (value === undefined) return true;
		try {
			const url = new URL(value);
			return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
		} catch {
			return false;
		}
	},
	{ error: 'une adresse https attendue (http seulement sur localhost)' }
);

/** OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together: all three, or none. */
const OIDC_TRIO = ['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const;

const EnvFields = z.object({
	DATABASE_URL: z
		.string()
		.regex(/^postgres(ql)?:\/\//, 'doit commencer par postgres:// ou postgresql://')
		.optional()
		.or(z.literal('').transform(() => undefined)),
	DATA_DIR: z.string().min(1).default('./data'),
	MIGRATIONS_DIR: z.string().min(1).default('drizzle'),
	SEED_DEMO: z.enum(['true', 'false']).default('true'),
	SEED_DIR: z.string().min(1).default('src/lib/server/seed'),
	BOUNDARIES_BACKGROUND: z
		.enum(['true', 'false'], { error: 'true ou false attendu' })
		.default('true'),
	MAP_STYLE_URL: z
		.url({ error: 'MAP_STYLE_URL : une adresse http(s) attendue' })
		.optional()
		.or(z.literal('').transform(() => undefined)),
	SESSION_IDLE_MINUTES: minutesOrHours('SESSION_IDLE_MINUTES').default(60),
	SESSION_MAX_HOURS: minutesOrHours('SESSION_MAX_HOURS').default(12),
	SMTP_URL: z
		.string()
		// The message never quotes the value: it holds the SMTP password.
		.refine(isSmtpUrl, {
			error: 'doit être une adresse smtp:// ou smtps:// (smtp://utilisateur:mot-de-passe@hôte:587)'
		})
		.optional()
		.or(z.literal('').transform(() => undefined)),
	MAIL_FROM: z
		.string()
		.regex(
			/^(?:[^<>@]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/,
			'doit être une adresse (ne-pas-repondre@exemple.fr ou Bon Tiers <ne-pas-repondre@exemple.fr>)'
		)
		.optional()
		.or(z.literal('').transform(() => undefined)),
	OIDC_ISSUER: issuerUrl,
	OIDC_CLIENT_ID: optionalText,
	OIDC_CLIENT_SECRET: optionalText,
	OIDC_SCOPES: optionalText
		.transform((value) => (value ?? 'openid email').split(/\s+/))
		.refine((scopes) => scopes.includes('openid'), {
			error: 'doit contenir openid (par exemple « openid email given_name usual_name »)'
		})
		.refine((scopes) => scopes.includes('email'), {
			error: 'doit contenir email : les comptes sont retrouvés par leur adresse électronique'
		}),
	OIDC_TRUST_EMAIL: z.enum(['true', 'false'], { error: 'true ou false attendu' }).default('false')
});

const EnvSchema = EnvFields.superRefine((env, ctx) => {
	const given = OIDC_TRIO.filter((name) => env[name] !== undefined);
	if (given.length === 0 || given.length === OIDC_TRIO.length) return;
	for (const name of OIDC_TRIO.filter((n) => env[n] === undefined)) {
		ctx.addIssue({
			code: 'custom',
			path: [name],
			message: `manquante : la connexion par ProConnect (OpenID Connect) demande les trois variables ${OIDC_TRIO.join(', ')}, ou aucune (${given.join(', ')} ${given.length > 1 ? 'sont données' : 'est donnée'})`
		});
	}
});

function isSmtpUrl(value: string): boolean {
	try {
		const url = new URL(value);
		return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
	} catch {
		return false;
	}
}

/**
 * The sender when MAIL_FROM is unset: a no-reply address at the public origin's host, or at
 * `localhost` when that host is not a domain name (localhost, an IP address), which no mail
 * server would accept as a sender domain anyway.
 */
function defaultMailFrom(origin: string): string {
	let host = 'localhost';
	try {
		const hostname = new URL(origin).hostname;
		const isIp = /^[\d.]+$/.test(hostname) || hostname.startsWith('[');
		if (hostname.includes('.') && !isIp) host = hostname;
	} catch {
		// An unparsable ORIGIN: keep localhost; the server reports the origin itself elsewhere.
	}
	return `Bon Tiers <ne-pas-repondre@${host}>`;
}

export type AppConfig = {
	databaseUrl: string | undefined;
	dataDir: string;
	migrationsDir: string;
	seedDemo: boolean;
	/** Where the shipped seed files (demo territory, boundaries) are read from. */
	seedDir: string;
	/**
	 * Whether the server loads, after it starts, the boundaries of the départements that have
	 * none yet (all of France, in the background). Off: each loads when a territory needs it.
	 */
	boundariesInBackground: boolean;
	/** A background map style, when the deployment has a tile server. */
	mapStyleUrl: string | undefined;
	session: { idleMinutes: number; maxHours: number };
	/** The public address (ORIGIN, or its default): what the server prints and signs in on. */
	origin: string;
	/** The referral loop's e-mail (contract §6): no SMTP server ⇒ written to the log instead. */
	mail: { smtpUrl: string | undefined; from: string };
	/** Sign-in through ProConnect or another OpenID Connect provider; null when not configured. */
	oidc: OidcConfig | null;
};

export interface OidcConfig {
	issuer: string;
	clientId: string;
	clientSecret: string;
	scopes: string[];
	/**
	 * Whether an e-mail that comes without `email_verified` is taken as verified. ProConnect sends
	 * no such claim (its identity providers give professional addresses they vouch for); a
	 * provider that says `email_verified: false` is refused whatever this says.
	 */
	trustEmail: boolean;
	/** Where the provider sends the browser back: fixed by the public address, declared to it. */
	redirectUri: string;
}

/** The callback route, relative to the public address (declared to the provider as is). */
export const OIDC_CALLBACK_PATH = '/connexion/proconnect/retour';

export function readConfig(env: Record<string, string | undefined> = process.env): AppConfig {
	const parsed = EnvSchema.safeParse(env);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new Error(`Configuration invalide : ${issue?.path.join('.')} ${issue?.message}`);
	}
	const origin = publicOrigin(env);
	return {
		databaseUrl: parsed.data.DATABASE_URL,
		dataDir: path.resolve(parsed.data.DATA_DIR),
		migrationsDir: path.resolve(parsed.data.MIGRATIONS_DIR),
		seedDemo: parsed.data.SEED_DEMO === 'true',
		seedDir: path.resolve(parsed.data.SEED_DIR),
		boundariesInBackground: parsed.data.BOUNDARIES_BACKGROUND === 'true',
		mapStyleUrl: parsed.data.MAP_STYLE_URL,
		session: {
			idleMinutes: parsed.data.SESSION_IDLE_MINUTES,
			maxHours: parsed.data.SESSION_MAX_HOURS
		},
		origin,
		mail: {
			smtpUrl: parsed.data.SMTP_URL,
			from: parsed.data.MAIL_FROM ?? defaultMailFrom(origin)
		},
		oidc: oidcConfig(parsed.data, origin)
	};
}

function oidcConfig(env: z.infer<typeof EnvFields>, origin: string): OidcConfig | null {
	const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret } = env;
	if (issuer === undefined || clientId === undefined || clientSecret === undefined) return null;
	return {
		issuer,
		clientId,
		clientSecret,
		scopes: env.OIDC_SCOPES,
		trustEmail: env.OIDC_TRUST_EMAIL === 'true',
		redirectUri: new URL(OIDC_CALLBACK_PATH, origin).href
	};
}
