import type { Cookies } from '@sveltejs/kit';
import * as client from 'openid-client';
import { readConfig, type OidcConfig } from '$lib/server/config';

/**
 * Sign-in through ProConnect, or any OpenID Connect provider (contract §6): the authorization
 * code flow with PKCE, `state` and `nonce`, by openid-client. What it proves is an identity —
 * the provider's `sub` and a verified e-mail; finding or creating the account from it is the
 * service's (services/oidc-accounts.ts).
 */

/** The `auth_provider` of the accounts it signs in (one provider per instance). */
export const OIDC_PROVIDER = 'oidc';

/** What the provider vouches for, once every check has passed. */
export interface OidcIdentity {
	sub: string;
	email: string;
}

/** Why a sign-in through the provider did not go through; each code has its French message. */
export type OidcFailure =
	| 'not_configured'
	| 'cancelled'
	| 'expired'
	| 'unavailable'
	| 'failed'
	| 'email_missing'
	| 'email_unverified'
	| 'disabled';

export const OIDC_FAILURE_MESSAGES: Record<OidcFailure, string> = {
	not_configured: 'La connexion par ProConnect n’est pas activée sur cette instance.',
	cancelled: 'Connexion par ProConnect annulée : vous pouvez recommencer quand vous voulez.',
	expired:
		'La connexion par ProConnect a expiré, ou a été commencée dans un autre onglet : recommencez.',
	unavailable:
		'ProConnect ne répond pas pour le moment : réessayez dans quelques minutes, ou connectez-vous avec votre mot de passe.',
	failed:
		'La connexion par ProConnect a échoué : recommencez. Si cela se reproduit, prévenez un administrateur.',
	email_missing:
		'ProConnect n’a pas transmis votre adresse électronique : Bon Tiers en a besoin pour retrouver votre compte.',
	email_unverified:
		'Votre adresse électronique n’est pas vérifiée auprès de ProConnect : vérifiez-la, puis recommencez.',
	disabled: 'Ce compte est désactivé : adressez-vous à un administrateur de Bon Tiers.'
};

export function isOidcFailure(value: string | null): value is OidcFailure {
	return value !== null && Object.hasOwn(OIDC_FAILURE_MESSAGES, value);
}

export class OidcError extends Error {
	constructor(
		readonly failure: OidcFailure,
		options?: { cause?: unknown }
	) {
		super(OIDC_FAILURE_MESSAGES[failure], options);
		this.name = 'OidcError';
	}
}

/** The provider's settings, or null when the instance has none (no button, no route). */
export function oidcSettings(): OidcConfig | null {
	return readConfig().oidc;
}

// Discovery is one request to the provider's /.well-known/openid-configuration: done once per
// process and issuer, not at every sign-in. A failure is forgotten, so that a provider that was
// down at the first attempt is asked again at the next one.
const discovered = new Map<string, Promise<client.Configuration>>();

function configuration(settings: OidcConfig): Promise<client.Configuration> {
	const key = JSON.stringify([settings.issuer, settings.clientId, settings.clientSecret]);
	let pending = discovered.get(key);
	if (!pending) {
		const loopback = new URL(settings.issuer).protocol === 'http:';
		pending = client.discovery(
			new URL(settings.issuer),
			settings.clientId,
			settings.clientSecret,
			undefined,
			{
				// Plain http only for a provider on this machine's loopback (config.ts refuses any other).
				execute: loopback ? [client.allowInsecureRequests] : [],
				// Seconds: a provider that does not answer sends the person back to the sign-in page
				// rather than leaving the browser waiting on a blank page.
				timeout: 10
			}
		);
		discovered.set(key, pending);
		pending.catch(() => {
			if (discovered.get(key) === pending) discovered.delete(key);
		});
	}
	return pending;
}

/**
 * What is kept between the redirect to the provider and its answer: in a cookie of its own,
 * HttpOnly, SameSite=Lax (sent on the provider's top-level redirect back, not on a cross-site
 * post), limited to the two ProConnect routes and to ten minutes. The PKCE verifier proves that
 * the code is exchanged by whoever started the sign-in; `state` ties the answer to this browser
 * (no sign-in into someone else's account); `nonce` ties the ID token to this request.
 */
interface Transaction {
	state: string;
	nonce: string;
	verifier: string;
	/** Where to go once signed in: a path of this site (checked before it is stored). */
	next: string;
}

const TRANSACTION_COOKIE = 'bt_oidc';
const TRANSACTION_PATH = '/connexion/proconnect';
const TRANSACTION_SECONDS = 600;

function saveTransaction(cookies: Cookies, url: URL, transaction: Transaction): void {
	cookies.set(TRANSACTION_COOKIE, Buffer.from(JSON.stringify(transaction)).toString('base64url'), {
		path: TRANSACTION_PATH,
		httpOnly: true,
		sameSite: 'lax',
		// As the session cookie (auth/cookies.ts): Secure when the site is served over https.
		secure: url.protocol === 'https:',
		maxAge: TRANSACTION_SECONDS
	});
}

/** The transaction of this browser, taken once: a replayed callback finds none. */
function takeTransaction(cookies: Cookies): Transaction | null {
	const raw = cookies.get(TRANSACTION_COOKIE);
	if (!raw) return null;
	cookies.delete(TRANSACTION_COOKIE, { path: TRANSACTION_PATH });
	try {
		const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
		if (
			value &&
			typeof value === 'object' &&
			['state', 'nonce', 'verifier', 'next'].every(
				(k) => typeof (value as Record<string, unknown>)[k] === 'string'
			)
		) {
			return value as Transaction;
		}
	} catch {
		// A cookie this code did not write: the same as none.
	}
	return null;
}

/** A network failure or a timeout: the provider is down or unreachable, not wrong. */
function unreachable(error: unknown): boolean {
	if (error instanceof TypeError) return true;
	if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
		return true;
	}
	const cause = error instanceof Error ? error.cause : undefined;
	return cause instanceof Response && cause.status >= 500;
}

function logFailure(step: string, error: unknown): void {
	// For the operator: which step and what the library said; never a token or a code.
	const code = (error as { code?: unknown })?.code;
	const message = error instanceof Error ? error.message : String(error);
	console.error(`[bon-tiers] ProConnect (${step}) : ${message}${code ? ` [${code}]` : ''}`);
}

/**
 * Starts a sign-in: the address of the provider's authorization endpoint, with PKCE (S256),
 * `state` and `nonce`, the transaction saved in its cookie.
 */
export async function beginOidcSignIn(
	settings: OidcConfig,
	cookies: Cookies,
	url: URL,
	next: string
): Promise<URL> {
	let config: client.Configuration;
	try {
		config = await configuration(settings);
	} catch (error) {
		logFailure('découverte', error);
		throw new OidcError('unavailable', { cause: error });
	}
	const transaction: Transaction = {
		state: client.randomState(),
		nonce: client.randomNonce(),
		verifier: client.randomPKCECodeVerifier(),
		next
	};
	const authorizationUrl = client.buildAuthorizationUrl(config, {
		redirect_uri: settings.redirectUri,
		scope: settings.scopes.join(' '),
		code_challenge: await client.calculatePKCECodeChallenge(transaction.verifier),
		code_challenge_method: 'S256',
		state: transaction.state,
		nonce: transaction.nonce
	});
	saveTransaction(cookies, url, transaction);
	return authorizationUrl;
}

/**
 * The provider's answer at the callback: the code exchanged (PKCE verifier, state and nonce
 * checked by openid-client, the ID token's signature, issuer, audience and lifetime too), then
 * the e-mail — from the ID token, or from the userinfo endpoint when the ID token has none (as
 * ProConnect's, whose userinfo is a signed JWT, checked the same way). Throws an OidcError.
 */
export async function completeOidcSignIn(
	settings: OidcConfig,
	cookies: Cookies,
	url: URL
): Promise<{ identity: OidcIdentity; next: string }> {
	const transaction = takeTransaction(cookies);
	// The person declined at the provider (or the provider refused): said before anything else.
	const refused = url.searchParams.get('error');
	if (refused) throw new OidcError(refused === 'access_denied' ? 'cancelled' : 'failed');
	if (!transaction || url.searchParams.get('state') !== transaction.state) {
		throw new OidcError('expired');
	}
	let config: client.Configuration;
	try {
		config = await configuration(settings);
	} catch (error) {
		logFailure('découverte', error);
		throw new OidcError('unavailable', { cause: error });
	}
	// The answer as the provider addressed it: the redirect URI it was given, whatever host or
	// scheme the request reached this server with behind a proxy (it is sent again with the code).
	const answer = new URL(settings.redirectUri);
	answer.search = url.search;
	let claims: { sub: string; email?: unknown; email_verified?: unknown };
	try {
		const tokens = await client.authorizationCodeGrant(config, answer, {
			pkceCodeVerifier: transaction.verifier,
			expectedState: transaction.state,
			expectedNonce: transaction.nonce,
			idTokenExpected: true
		});
		const idToken = tokens.claims();
		if (!idToken) throw new Error('réponse sans ID token');
		claims = idToken;
		if (typeof idToken.email !== 'string' && config.serverMetadata().userinfo_endpoint) {
			claims = await client.fetchUserInfo(config, tokens.access_token, idToken.sub);
		}
	} catch (error) {
		logFailure('échange du code', error);
		throw new OidcError(unreachable(error) ? 'unavailable' : 'failed', { cause: error });
	}
	const email = typeof claims.email === 'string' ? claims.email.trim() : '';
	if (!email.includes('@')) throw new OidcError('email_missing');
	// `false` is always refused; a missing claim only when the provider is not trusted to send
	// verified addresses (OIDC_TRUST_EMAIL, for ProConnect which sends none).
	if (claims.email_verified === false || (claims.email_verified !== true && !settings.trustEmail)) {
		throw new OidcError('email_unverified');
	}
	return { identity: { sub: claims.sub, email }, next: transaction.next };
}
