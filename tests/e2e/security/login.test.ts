import { describe } from 'vitest';
import {
	contextOptions,
	expect,
	expectNoAxeViolations,
	screenshot,
	signIn,
	test,
	watchedPage
} from '../fixtures';
import type { Page } from 'playwright-core';
import { account } from '../http';

/**
 * The sign-in page in a browser: sent there from any page, keyboard only, the wrong-password
 * message, the app working under its own Content-Security-Policy, accessibility.
 */

/** Tabs from the top of the page until `selector` has the focus (at most 30 presses). */
async function tabTo(page: Page, selector: string): Promise<boolean> {
	for (let i = 0; i < 30; i++) {
		if (await page.locator(selector).evaluate((el) => el === document.activeElement)) return true;
		await page.keyboard.press('Tab');
	}
	return false;
}

/** From a protected page to the sign-in form and back, then out again (header button). */
async function signInAndOut(page: Page): Promise<void> {
	const response = await page.goto('/annuaire?q=roseraie');
	expect(response?.status()).toBe(200);
	const url = new URL(page.url());
	expect(url.pathname).toBe('/connexion');
	expect(url.searchParams.get('suite')).toBe('/annuaire?q=roseraie');
	expect(await page.getByRole('heading', { level: 1, name: 'Connexion' }).isVisible()).toBe(true);
	// Nothing of the directory leaks onto the sign-in page.
	expect(
		await page.getByRole('navigation', { name: 'Navigation principale' }).textContent()
	).not.toContain('Annuaire');

	const who = account('pilot');
	await page.getByLabel('Adresse électronique').fill(who.email);
	await page.getByLabel('Mot de passe').fill(who.password);
	await Promise.all([
		page.waitForURL((u) => u.pathname === '/annuaire'),
		page.getByRole('button', { name: 'Se connecter' }).click()
	]);
	expect(new URL(page.url()).searchParams.get('q')).toBe('roseraie');
	expect(
		await page.getByRole('heading', { level: 1, name: 'Annuaire des structures' }).isVisible()
	).toBe(true);
	expect(await page.locator('header.site').textContent()).toContain(who.email);

	// Sign-out from the header, and the directory is closed again.
	await Promise.all([
		page.waitForURL((u) => u.pathname === '/connexion'),
		page.getByRole('button', { name: 'Se déconnecter' }).click()
	]);
	await page.goto('/annuaire');
	expect(new URL(page.url()).pathname).toBe('/connexion');
}

describe('page de connexion', () => {
	test('une page protégée renvoie vers la connexion, puis y revient', async ({ browser }) => {
		// A context of its own: it signs in, the file's shared context stays anonymous.
		const context = await browser.newContext(contextOptions());
		try {
			const { page, errors } = await watchedPage(context);
			await signInAndOut(page);
			errors.expectNone();
		} finally {
			await context.close();
		}
	});

	test('au clavier seul, sous la CSP de l’application (sans contournement)', async ({
		browser
	}) => {
		// The shared contexts bypass the CSP (axe is injected inline); this one enforces it, so a
		// script the policy blocks would show as a console error and fail the test.
		const context = await browser.newContext(contextOptions({ bypassCSP: false }));
		try {
			const { page, errors } = await watchedPage(context);
			const violations: string[] = [];
			page.on('console', (message) => {
				if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
			});
			await page.goto('/connexion');
			// Hydrated: the form is enhanced (the page is not reloaded on submit), and what is typed
			// now is not reset by hydration.
			await page.waitForSelector('html[data-hydrated="true"]');
			await page.evaluate(() => {
				(window as unknown as { __samePage?: boolean }).__samePage = true;
			});

			const who = account('agent');
			expect(await tabTo(page, '#email'), 'champ « Adresse électronique » atteint').toBe(true);
			await page.keyboard.type(who.email);
			await page.keyboard.press('Tab');
			expect(await page.locator('#password').evaluate((el) => el === document.activeElement)).toBe(
				true
			);
			await page.keyboard.type(who.password);
			await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.keyboard.press('Enter')]);
			expect(await page.locator('header.site').textContent()).toContain(who.email);
			expect(
				await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage),
				'navigation côté client : le JavaScript de l’application tourne sous sa CSP'
			).toBe(true);

			await page.goto('/annuaire');
			expect(
				await page.getByRole('heading', { level: 1, name: 'Annuaire des structures' }).isVisible()
			).toBe(true);
			expect(violations).toEqual([]);
			errors.expectNone();
		} finally {
			await context.close();
		}
	});

	test('ce qui est tapé avant que la page soit prête est gardé', async ({ page, pageErrors }) => {
		// On a slow line the form is there before the app's script: a quick typist starts early.
		// The script is held back until both fields are typed, then the page hydrates.
		pageErrors.allow(/status of 400/);
		let release: () => void = () => {};
		const held = new Promise<void>((resolve) => (release = resolve));
		await page.route('**/_app/immutable/**/*.js', async (route) => {
			await held;
			await route.continue();
		});
		await page.goto('/connexion', { waitUntil: 'domcontentloaded' });
		const who = account('partner');
		await page.getByLabel('Adresse électronique').fill(who.email);
		await page.getByLabel('Mot de passe').fill('pas-le-bon-mot-de-passe-du-tout');
		release();
		await page.waitForSelector('html[data-hydrated="true"]');
		expect(await page.getByLabel('Adresse électronique').inputValue()).toBe(who.email);
		expect(await page.getByLabel('Mot de passe').inputValue()).toBe(
			'pas-le-bon-mot-de-passe-du-tout'
		);
		await page.unrouteAll({ behavior: 'wait' });
		await page.getByRole('button', { name: 'Se connecter' }).click();
		await expect
			.poll(async () => (await page.getByRole('alert').textContent())?.trim())
			.toBe('Adresse électronique ou mot de passe incorrect.');
	});

	test('un mauvais mot de passe affiche le message d’erreur en français', async ({
		page,
		pageErrors
	}) => {
		// The refused sign-in is answered 400, which Chromium reports on the console.
		pageErrors.allow(/status of 400/);
		await page.goto('/connexion');
		const who = account('partner');
		await page.getByLabel('Adresse électronique').fill(who.email);
		await page.getByLabel('Mot de passe').fill('pas-le-bon-mot-de-passe-du-tout');
		await page.getByRole('button', { name: 'Se connecter' }).click();
		const alert = page.getByRole('alert');
		await alert.waitFor();
		expect((await alert.textContent())?.trim()).toBe(
			'Adresse électronique ou mot de passe incorrect.'
		);
		expect(new URL(page.url()).pathname).toBe('/connexion');
		// The email is kept for the next try.
		expect(await page.getByLabel('Adresse électronique').inputValue()).toBe(who.email);
		await screenshot(page, 'connexion-erreur');
		await expectNoAxeViolations(page);
	});
});

describe('accessibilité et captures', () => {
	test('connexion : aucune violation axe WCAG 2.1 A/AA', async ({ page }) => {
		await page.goto('/connexion');
		await screenshot(page, 'connexion');
		await expectNoAxeViolations(page);
	});

	test('administration des comptes : aucune violation axe WCAG 2.1 A/AA', async ({ browser }) => {
		const context = await browser.newContext(contextOptions());
		try {
			await signIn(context, 'admin');
			const { page, errors } = await watchedPage(context);
			const response = await page.goto('/admin/utilisateurs');
			expect(response?.status()).toBe(200);
			expect(await page.getByRole('heading', { level: 1, name: 'Comptes' }).isVisible()).toBe(true);
			expect(await page.locator('main').textContent()).toContain(account('partner').email);
			await screenshot(page, 'admin-utilisateurs');
			await expectNoAxeViolations(page);
			errors.expectNone();
		} finally {
			await context.close();
		}
	});
});
