import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A real OpenID Connect provider for the tests (panva's oidc-provider, the certified one), on a
 * loopback port: one confidential client, accounts from an in-memory map, and the library's own
 * development login page (any password; the login typed is the account's `sub`). As ProConnect
 * does, it puts the e-mail in the userinfo answer, not in the ID token.
 */

export interface TestAccount {
	email: string;
	/** Omitted: the provider sends no `email_verified` claim at all (as ProConnect). */
	emailVerified?: boolean;
}

export interface TestProvider {
	issuer: string;
	stop(): Promise<void>;
}

export async function startOidcProvider(options: {
	clientId: string;
	clientSecret: string;
	redirectUri: string;
	/** By `sub`, the login typed on the provider's page. */
	accounts: Map<string, TestAccount>;
}): Promise<TestProvider> {
	// The issuer names the port: listen first, then build the provider for that address.
	const server = http.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	const issuer = `http://127.0.0.1:${port}`;
	const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
		format: 'jwk'
	});

	const provider = new Provider(issuer, {
		clients: [
			{
				client_id: options.clientId,
				client_secret: options.clientSecret,
				redirect_uris: [options.redirectUri],
				response_types: ['code'],
				grant_types: ['authorization_code'],
				// What openid-client sends by default for a client secret.
				token_endpoint_auth_method: 'client_secret_post'
			}
		],
		jwks: { keys: [{ ...signingKey, kid: 'test', use: 'sig', alg: 'RS256' }] },
		cookies: { keys: [randomBytes(16).toString('hex')] },
		// Seconds, given so that the library does not warn about its defaults at every sign-in.
		ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
		claims: { openid: ['sub'], email: ['email', 'email_verified'] },
		features: { devInteractions: { enabled: true } },
		async findAccount(_ctx, sub) {
			const account = options.accounts.get(sub);
			if (!account) return undefined;
			return {
				accountId: sub,
				async claims() {
					return {
						sub,
						email: account.email,
						...(account.emailVerified === undefined
							? {}
							: { email_verified: account.emailVerified })
					};
				}
			};
		},
		// A first-party client: what it asks is granted without a consent page (the library's
		// documented recipe), so a sign-in is one login form.
		async loadExistingGrant(ctx: KoaContextWithOIDC) {
			const { client, session, result } = ctx.oidc;
			if (!client || !session?.accountId) return undefined;
			const grantId =
				(result?.consent as { grantId?: string } | undefined)?.grantId ??
				session.grantIdFor(client.clientId);
			if (grantId) return ctx.oidc.provider.Grant.find(grantId);
			const grant = new ctx.oidc.provider.Grant({
				clientId: client.clientId,
				accountId: session.accountId
			});
			grant.addOIDCScope('openid email');
			await grant.save();
			return grant;
		}
	});
	// Its development pages warn once on the console; the tests know.
	provider.on('server_error', (_ctx, error) => console.error('[oidc-provider]', error));
	server.on('request', provider.callback());

	return {
		issuer,
		stop: () =>
			new Promise<void>((resolve, reject) => {
				server.closeAllConnections();
				server.close((error) => (error ? reject(error) : resolve()));
			})
	};
}
