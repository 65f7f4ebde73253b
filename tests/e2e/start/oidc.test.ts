import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/checkout';
import { startOidcProvider, type TestAccount, type TestProvider } from '../../setup/oidc-provider';
import { launchBrowser, PageErrors } from '../fixtures';

/**
 * Sign-in through ProConnect, the whole way, in Chromium: the built app started with OIDC_* set
 * (a server of its own: the shared one of app-server.ts has no provider), a real OpenID Connect
 * provider on a loopback port (tests/setup/oidc-provider.ts), the button, the provider's login
 * page, and back on Bon Tiers, signed in — a new account, unplaced, told so on the home page.
 */

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const START_TIMEOUT_MS = 150_000;
const CLIENT_ID = 'bon-tiers-e2e';
const CLIENT_SECRET = 'secret-du-client-de-test-e2e';

const accounts = new Map<string, TestAccount>([
	['nouvelle-partenaire', { email: 'Nouvelle.Partenaire@example.fr', emailVerified: true }],
	['adresse-non-verifiee', { email: 'non.verifiee@example.fr', emailVerified: false }],
	// No email_verified claim at all: refused too, unless OIDC_TRUST_EMAIL (not set here).
	['sans-verification', { email: 'sans.verification@example.fr' }]
]);

let provider: TestProvider;
let app: ChildProcess;
let appUrl: string;
let dataDir: string;
let output = '';
let browser: Browser;

async function waitUntilReady(url: string): Promise<void> {
	const deadline = Date.now() + START_TIMEOUT_MS;
	while (Date.now() < deadline) {
		if (app.exitCode !== null) throw new Error(`le serveur s'est arrêté :\n${output}`);
		try {
			const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
			await response.arrayBuffer();
			if (response.status < 500) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`le serveur ne répond pas :\n${output}`);
}

beforeAll(async () => {
	const port = await freePort();
	appUrl = `http://127.0.0.1:${port}`;
	provider = await startOidcProvider({
		clientId: CLIENT_ID,
		clientSecret: CLIENT_SECRET,
		redirectUri: `${appUrl}/connexion/proconnect/retour`,
		accounts
	});
	dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bon-tiers-oidc-'));
	const env: NodeJS.ProcessEnv = {
		...process.env,
		NODE_ENV: 'production',
		DATA_DIR: dataDir,
		HOST: '127.0.0.1',
		PORT: String(port),
		SEED_DEMO: 'false',
		OIDC_ISSUER: provider.issuer,
		OIDC_CLIENT_ID: CLIENT_ID,
		OIDC_CLIENT_SECRET: CLIENT_SECRET
	};
	delete env.DATABASE_URL;
	delete env.ORIGIN;
	app = spawn(process.execPath, [path.join(ROOT, 'build', 'index.js')], {
		cwd: ROOT,
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	app.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	app.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	browser = await launchBrowser();
	await waitUntilReady(`${appUrl}/connexion`);
}, START_TIMEOUT_MS + 30_000);

afterAll(async () => {
	await browser?.close();
	if (app && app.exitCode === null) {
		const exited = new Promise((resolve) => app.once('exit', resolve));
		app.kill('SIGTERM');
		await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
		if (app.exitCode === null) app.kill('SIGKILL');
	}
	await provider?.stop();
	if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function newContext(): Promise<BrowserContext> {
	return browser.newContext({
		baseURL: appUrl,
		locale: 'fr-FR',
		timezoneId: 'Europe/Paris',
		viewport: { width: 1280, height: 900 }
	});
}

describe('connexion par ProConnect', () => {
	it('crée le compte à la première connexion, le ramène à la page demandée, sans territoire', async () => {
		const context = await newContext();
		const page = await context.newPage();
		const errors = new PageErrors(page);
		await page.goto('/territoires');
		await page.waitForURL(/\/connexion\?suite=%2Fterritoires$/);
		const button = page.getByRole('link', { name: 'Se connecter avec ProConnect' });
		expect(await button.isVisible()).toBe(true);

		await button.click();
		await page.waitForURL((url) => url.href.startsWith(provider.issuer));
		await page.locator('input[name=login]').fill('nouvelle-partenaire');
		await page.locator('input[name=password]').fill('peu-importe');
		await page.getByRole('button', { name: 'Sign-in' }).click();

		await page.waitForURL(`${appUrl}/territoires`);
		const session = (await context.cookies()).find((c) => c.name === 'bt_session');
		expect(session?.httpOnly).toBe(true);
		expect(session?.sameSite).toBe('Lax');
		// The transaction cookie is gone once used.
		expect((await context.cookies()).some((c) => c.name === 'bt_oidc')).toBe(false);

		await page.goto('/');
		await expect
			.poll(() => page.getByRole('status').textContent())
			.toContain(
				'Votre compte n’a encore accès à aucun territoire : un administrateur doit vous l’attribuer'
			);
		// Signed in as the account the provider vouched for.
		expect(await page.textContent('body')).toContain('Nouvelle.Partenaire@example.fr');
		// Bon Tiers' pages only: the provider's development pages ask for a web font and a favicon
		// that this machine cannot fetch.
		const ours = errors.errors.filter(
			(e) => !e.includes(provider.issuer) && !e.includes('fonts.googleapis.com')
		);
		expect(ours, 'erreurs JavaScript ou console des pages de Bon Tiers').toEqual([]);
		await context.close();
	});

	it('revient sur la page de connexion, avec un message, quand la personne annule', async () => {
		const context = await newContext();
		const page = await context.newPage();
		// What the provider answers when the person declines.
		const response = await page.goto('/connexion/proconnect/retour?error=access_denied&state=x');
		expect(response?.status()).toBe(200);
		expect(new URL(page.url()).pathname).toBe('/connexion');
		expect(await page.getByRole('alert').textContent()).toContain(
			'Connexion par ProConnect annulée'
		);
		await context.close();
	});

	it('refuse une réponse qui ne suit pas une connexion commencée dans ce navigateur', async () => {
		const context = await newContext();
		const page = await context.newPage();
		await page.goto('/connexion/proconnect/retour?code=forge&state=forge');
		expect(new URL(page.url()).pathname).toBe('/connexion');
		expect(await page.getByRole('alert').textContent()).toContain('a expiré');
		expect((await context.cookies()).some((c) => c.name === 'bt_session')).toBe(false);
		await context.close();
	});

	it.each(['adresse-non-verifiee', 'sans-verification'])(
		'refuse une adresse électronique que le fournisseur ne dit pas vérifiée (%s)',
		async (login) => {
			const context = await newContext();
			const page = await context.newPage();
			await page.goto('/connexion');
			await page.getByRole('link', { name: 'Se connecter avec ProConnect' }).click();
			await page.waitForURL((url) => url.href.startsWith(provider.issuer));
			await page.locator('input[name=login]').fill(login);
			await page.locator('input[name=password]').fill('peu-importe');
			await page.getByRole('button', { name: 'Sign-in' }).click();
			await page.waitForURL(/\/connexion\?erreur=email_unverified$/);
			expect(await page.getByRole('alert').textContent()).toContain('n’est pas vérifiée');
			expect((await context.cookies()).some((c) => c.name === 'bt_session')).toBe(false);
			await context.close();
		}
	);
});
