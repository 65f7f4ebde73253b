import { describe, expect, it } from 'vitest';
import { readConfig } from './config';

const OIDC = {
	OIDC_ISSUER: 'https://auth.agentconnect.gouv.fr/api/v2',
	OIDC_CLIENT_ID: 'client',
	OIDC_CLIENT_SECRET: 'secret'
};

describe('readConfig: sign-in through OpenID Connect', () => {
	it('is off with none of the three variables, or with them blank', () => {
		expect(readConfig({}).oidc).toBeNull();
		expect(
			readConfig({ OIDC_ISSUER: '', OIDC_CLIENT_ID: ' ', OIDC_CLIENT_SECRET: '' }).oidc
		).toBeNull();
	});

	it('is on with the three, its redirect URI on the public address', () => {
		expect(readConfig({ ...OIDC, ORIGIN: 'https://bontiers.cd13.fr' }).oidc).toEqual({
			issuer: OIDC.OIDC_ISSUER,
			clientId: 'client',
			clientSecret: 'secret',
			scopes: ['openid', 'email'],
			trustEmail: false,
			redirectUri: 'https://bontiers.cd13.fr/connexion/proconnect/retour'
		});
		expect(readConfig({ ...OIDC, PORT: '4000' }).oidc?.redirectUri).toBe(
			'http://localhost:4000/connexion/proconnect/retour'
		);
		expect(
			readConfig({
				...OIDC,
				OIDC_SCOPES: 'openid email given_name usual_name',
				OIDC_TRUST_EMAIL: 'true'
			}).oidc
		).toMatchObject({ scopes: ['openid', 'email', 'given_name', 'usual_name'], trustEmail: true });
	});

	it('names the variable missing when only some are given', () => {
		expect(() => readConfig({ OIDC_ISSUER: OIDC.OIDC_ISSUER, OIDC_CLIENT_ID: 'client' })).toThrow(
			/^Configuration invalide : OIDC_CLIENT_SECRET manquante : .*les trois variables OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, ou aucune/
		);
		expect(() => readConfig({ OIDC_CLIENT_SECRET: 'secret' })).toThrow(/OIDC_ISSUER manquante/);
	});

	it('wants https, plain http only on the loopback, and the openid and email scopes', () => {
		expect(() => readConfig({ ...OIDC, OIDC_ISSUER: 'http://auth.example.fr' })).toThrow(
			/OIDC_ISSUER une adresse https attendue/
		);
		expect(() => readConfig({ ...OIDC, OIDC_ISSUER: 'pas une adresse' })).toThrow(/OIDC_ISSUER/);
		expect(readConfig({ ...OIDC, OIDC_ISSUER: 'http://127.0.0.1:9000' }).oidc?.issuer).toBe(
			'http://127.0.0.1:9000'
		);
		expect(() => readConfig({ ...OIDC, OIDC_SCOPES: 'email' })).toThrow(
			/OIDC_SCOPES doit contenir openid/
		);
		expect(() => readConfig({ ...OIDC, OIDC_SCOPES: 'openid profile' })).toThrow(
			/OIDC_SCOPES doit contenir email/
		);
	});
});

describe('readConfig: the background load of the boundaries', () => {
	it('is on unless BOUNDARIES_BACKGROUND says false', () => {
		expect(readConfig({}).boundariesInBackground).toBe(true);
		expect(readConfig({ BOUNDARIES_BACKGROUND: 'false' }).boundariesInBackground).toBe(false);
		expect(() => readConfig({ BOUNDARIES_BACKGROUND: 'non' })).toThrow(
			/BOUNDARIES_BACKGROUND true ou false attendu/
		);
	});
});
