import { describe } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_TERRITORY_ID, OTHER_TERRITORY, type AccountName } from '../../setup/e2e-accounts';
import {
	contextOptions,
	expect,
	expectNoAxeViolations,
	screenshot,
	signIn,
	test,
	watchedPage
} from '../fixtures';
import { account, postLogin, request, SESSION_COOKIE, sessionOf, setCookie } from '../http';
import { DirectoryPage } from '../directory/directory-page';
import { HomePage, LEGAL_PAGES, SiteFooter } from './pages';

/**
 * The home page of each role, the three public notices (accessibility, legal notice, privacy) and
 * the header on a phone. The file's shared context is anonymous (`test`); a role's pages open in
 * a context of their own, signed in as that account.
 */

/** Runs `body` on a page of a fresh context signed in as `who` (or anonymous), then checks errors. */
async function withPage(
	browser: Browser,
	who: AccountName | null,
	body: (page: Page, context: BrowserContext) => Promise<void>,
	options: Parameters<typeof contextOptions>[0] = {}
): Promise<void> {
	const context = await browser.newContext(contextOptions(options));
	try {
		if (who) await signIn(context, who);
		const { page, errors } = await watchedPage(context);
		await body(page, context);
		errors.expectNone();
	} finally {
		await context.close();
	}
}

// « 1 décembre 2026 », « 14 juillet 2026 »: dateStyle long in French.
const FRENCH_LONG_DATE =
	/^(1er|\d{1,2}) (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}$/;

describe('page d’accueil selon le rôle', () => {
	test('agent : « Orienter une demande » et ses orientations en cours', async ({ browser }) => {
		await withPage(browser, 'agent', async (page) => {
			const home = new HomePage(page);
			await home.goto();
			expect(await home.orient.isVisible()).toBe(true);
			expect(await home.orient.getAttribute('href')).toBe('/orienter');

			expect(await home.orientationsHeading.isVisible()).toBe(true);
			const items = await home.orientationItems.count();
			expect(items).toBeLessThanOrEqual(5);
			if (items === 0) {
				expect(await home.orientationsSection.textContent()).toContain(
					'Aucune orientation en cours'
				);
			} else {
				// Each open orientation links its record, with its status and a date in French.
				for (let i = 0; i < items; i++) {
					const item = home.orientationItems.nth(i);
					expect(await item.locator('a').first().getAttribute('href')).toMatch(
						/^\/orientations\/[^/]+$/
					);
					expect((await item.locator('.tag').textContent())?.trim(), 'statut').not.toBe('');
					const time = item.locator('time');
					expect((await time.textContent())?.trim()).toMatch(FRENCH_LONG_DATE);
					expect(Number.isNaN(Date.parse((await time.getAttribute('datetime')) ?? ''))).toBe(false);
				}
			}
			expect(await home.orientationsSection.locator('a[href="/orientations"]').count()).toBe(1);

			// The call to action leads to the guichet's form.
			await Promise.all([page.waitForURL((u) => u.pathname === '/orienter'), home.orient.click()]);
			await screenshot(page, 'accueil-agent-orienter');
		});
	});

	test('pilote : graphique, carte et bureau de marseille-4-12', async ({ browser }) => {
		await withPage(browser, 'pilotMarseille', async (page) => {
			const home = new HomePage(page);
			await home.goto();
			const links = home.territoryLinks(DEMO_TERRITORY_ID);
			for (const [name, link] of Object.entries(links)) {
				expect(await link.count(), name).toBe(1);
				expect(await link.isVisible(), name).toBe(true);
			}
			// Scoped to its territory: nothing of the other one.
			expect(await home.territoryLinks(OTHER_TERRITORY.id).chart.count()).toBe(0);
			// A pilot is an agent too.
			expect(await home.orient.isVisible()).toBe(true);
			expect(await home.adminLink.count()).toBe(0);
			await screenshot(page, 'accueil-pilote');
			await expectNoAxeViolations(page);

			await Promise.all([
				page.waitForURL((u) => u.pathname === `/territoires/${DEMO_TERRITORY_ID}/axes`),
				links.chart.click()
			]);
		});
	});

	test('partenaire : la recherche dans l’annuaire et les territoires, rien de plus', async ({
		browser
	}) => {
		await withPage(browser, 'partner', async (page) => {
			const home = new HomePage(page);
			await home.goto();
			expect(await home.searchInput.isVisible()).toBe(true);
			expect(
				await page.getByRole('heading', { level: 2, name: 'Territoires', exact: true }).isVisible()
			).toBe(true);
			expect(await home.main.locator(`a[href="/territoires/${DEMO_TERRITORY_ID}"]`).count()).toBe(
				1
			);
			expect(await home.orient.count()).toBe(0);
			expect(await home.orientationsHeading.count()).toBe(0);
			expect(await home.territoryLinks(DEMO_TERRITORY_ID).desk.count()).toBe(0);
			expect(await home.adminLink.count()).toBe(0);
			await screenshot(page, 'accueil-partenaire');
			await expectNoAxeViolations(page);

			await home.searchInput.fill('roseraie');
			await Promise.all([
				page.waitForURL(
					(u) => u.pathname === '/annuaire' && u.searchParams.get('q') === 'roseraie'
				),
				home.searchButton.click()
			]);
			const directory = new DirectoryPage(page);
			expect(await directory.heading.isVisible()).toBe(true);
			expect(await directory.search.inputValue()).toBe('roseraie');
		});
	});

	test('administrateur : un lien vers l’administration', async ({ browser }) => {
		await withPage(browser, 'admin', async (page) => {
			const home = new HomePage(page);
			await home.goto();
			expect(await home.adminLink.count()).toBe(1);
			expect(await home.orient.isVisible()).toBe(true);
			expect(await home.territoryLinks(DEMO_TERRITORY_ID).map.count()).toBe(1);
			await expectNoAxeViolations(page);
		});
	});
});

describe('pages publiques : accessibilité, mentions légales, données personnelles', () => {
	test.for(LEGAL_PAGES)(
		'$path s’ouvre sans compte, sans violation axe',
		async (legal, { page }) => {
			const response = await page.goto(legal.path);
			expect(response?.status()).toBe(200);
			expect(new URL(page.url()).pathname).toBe(legal.path);
			expect(
				await page.getByRole('heading', { level: 1, name: legal.title, exact: true }).isVisible()
			).toBe(true);
			// An anonymous visitor can go and sign in from there.
			expect(
				await page
					.getByRole('navigation', { name: 'Navigation principale' })
					.getByRole('link', { name: 'Se connecter', exact: true })
					.isVisible()
			).toBe(true);
			await screenshot(page, `public${legal.path.replace(/\//g, '-')}`);
			await expectNoAxeViolations(page);
		}
	);

	test('la déclaration d’accessibilité donne son état, ses mesures et le recours', async ({
		page
	}) => {
		await page.goto('/accessibilite');
		const text = (await page.locator('main').textContent()) ?? '';
		expect(text).toContain('partiellement conforme');
		expect(text).toContain('axe-core');
		expect(text).toContain('Défenseur des droits');
		for (const path of [
			'/connexion',
			'/annuaire',
			'/orienter',
			'/orientations',
			`/territoires/${DEMO_TERRITORY_ID}/axes`
		]) {
			expect(text, path).toContain(path);
		}
		expect(await page.locator('main time[datetime]').count()).toBeGreaterThan(0);
	});

	test('le pied de page de /connexion mène aux trois pages', async ({ page }) => {
		for (const legal of LEGAL_PAGES) {
			await page.goto('/connexion');
			const link = new SiteFooter(page).link(legal.link);
			expect(await link.getAttribute('href'), legal.link).toBe(legal.path);
			await Promise.all([page.waitForURL((u) => u.pathname === legal.path), link.click()]);
			expect(
				await page.getByRole('heading', { level: 1, name: legal.title, exact: true }).isVisible()
			).toBe(true);
		}
	});

	test('le pied de page d’une page connectée y mène aussi, sans perdre la session', async ({
		browser
	}) => {
		await withPage(browser, 'partner', async (page) => {
			for (const legal of LEGAL_PAGES) {
				await page.goto('/annuaire');
				const link = new SiteFooter(page).link(legal.link);
				expect(await link.getAttribute('href'), legal.link).toBe(legal.path);
				await Promise.all([page.waitForURL((u) => u.pathname === legal.path), link.click()]);
				expect(
					await page.getByRole('heading', { level: 1, name: legal.title, exact: true }).isVisible()
				).toBe(true);
				expect(await page.locator('header.site').textContent()).toContain(account('partner').email);
			}
		});
	});

	test('un compte au mot de passe à usage unique les lit sans être renvoyé vers /compte', async () => {
		// A new account from the admin's form: it gets a one-time password (answered in JSON, as
		// to `use:enhance`, so the password is read from data rather than from the markup).
		const email = `usage-unique-${Date.now()}@example.org`;
		const created = await request('/admin/utilisateurs?/create', {
			form: { email, role: 'partner' },
			session: await sessionOf('admin'),
			headers: { accept: 'application/json' }
		});
		expect(created.status).toBe(200);
		const result = (await created.json()) as { type: string; data: string };
		expect(result.type).toBe('success');
		const values = JSON.parse(result.data) as unknown[];
		const oneTimePassword = values.find(
			(v): v is string => typeof v === 'string' && /^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/.test(v)
		);
		expect(oneTimePassword, 'mot de passe à usage unique dans la réponse').toBeDefined();

		const login = await postLogin(email, oneTimePassword as string);
		await login.arrayBuffer();
		const session = setCookie(login, SESSION_COOKIE);
		expect(session).toBeDefined();

		// Control: a page that needs an account sends them to change it first.
		const protectedPage = await request('/annuaire', { session });
		await protectedPage.arrayBuffer();
		expect(protectedPage.status).toBe(303);
		expect(protectedPage.headers.get('location')).toBe('/compte?premiere=1');

		for (const legal of LEGAL_PAGES) {
			const response = await request(legal.path, { session });
			const html = await response.text();
			expect(response.status, legal.path).toBe(200);
			// Rendered for this account (its header), not as an anonymous page.
			expect(html, legal.path).toContain(email);
		}
	});
});

describe('en-tête sur un téléphone (390 px)', () => {
	const PHONE = { viewport: { width: 390, height: 844 } };

	test('l’en-tête de l’administrateur tient dans la largeur de /, /annuaire et /orienter', async ({
		browser
	}) => {
		await withPage(
			browser,
			'admin',
			async (page) => {
				for (const path of ['/', '/annuaire', '/orienter']) {
					const response = await page.goto(path);
					expect(response?.status(), path).toBe(200);
					expect(new URL(page.url()).pathname, path).toBe(path);
					await page.waitForLoadState('load');
					const widths = await page.evaluate(() => ({
						document: document.documentElement.scrollWidth,
						header: (document.querySelector('header.site') as HTMLElement).scrollWidth
					}));
					expect(widths.header, `${path} : largeur de l’en-tête`).toBeLessThanOrEqual(390);
					expect(widths.document, `${path} : largeur de la page`).toBeLessThanOrEqual(390);
				}
				await screenshot(page, 'entete-telephone');
			},
			PHONE
		);
	});

	test('le menu s’ouvre au clavier, avec un focus visible, et donne tous les liens', async ({
		browser
	}) => {
		await withPage(
			browser,
			'admin',
			async (page) => {
				await page.goto('/annuaire');
				await page.waitForSelector('html[data-hydrated="true"]');
				const navigation = page.getByRole('navigation', { name: 'Navigation principale' });
				const toggle = page.locator('header.site summary');
				expect(await toggle.textContent()).toContain('Menu');
				expect(await navigation.isVisible(), 'menu replié').toBe(false);

				let reached = false;
				for (let i = 0; i < 10 && !reached; i++) {
					await page.keyboard.press('Tab');
					reached = await toggle.evaluate((el) => el === document.activeElement);
				}
				expect(reached, '« Menu » atteint au clavier').toBe(true);
				const focus = await toggle.evaluate((el) => ({
					visible: el.matches(':focus-visible'),
					outline: getComputedStyle(el).outlineStyle
				}));
				expect(focus.visible).toBe(true);
				expect(focus.outline).not.toBe('none');

				await page.keyboard.press('Enter');
				expect(await navigation.isVisible(), 'menu déplié').toBe(true);
				expect(await page.locator('header.site details').getAttribute('open')).not.toBeNull();
				for (const name of ['Annuaire', 'Territoires', 'Orienter', 'Orientations']) {
					expect(await navigation.getByRole('link', { name, exact: true }).isVisible(), name).toBe(
						true
					);
				}
				expect(
					await page.getByRole('button', { name: 'Se déconnecter', exact: true }).isVisible()
				).toBe(true);
				const width = await page.evaluate(() => document.documentElement.scrollWidth);
				expect(width, 'menu déplié : largeur de la page').toBeLessThanOrEqual(390);
				await screenshot(page, 'entete-telephone-menu');

				// Escape folds it back and the focus returns to « Menu ».
				await page.keyboard.press('Tab');
				await page.keyboard.press('Escape');
				expect(await navigation.isVisible(), 'replié par Échap').toBe(false);
				expect(await toggle.evaluate((el) => el === document.activeElement)).toBe(true);

				// A followed link folds it too.
				await page.keyboard.press('Enter');
				await Promise.all([
					page.waitForURL((u) => u.pathname === '/territoires'),
					navigation.getByRole('link', { name: 'Territoires', exact: true }).click()
				]);
				expect(await navigation.isVisible(), 'replié après navigation').toBe(false);
			},
			PHONE
		);
	});

	test('sans JavaScript, le menu s’ouvre quand même', async ({ browser }) => {
		await withPage(
			browser,
			'admin',
			async (page) => {
				await page.goto('/annuaire');
				const navigation = page.getByRole('navigation', { name: 'Navigation principale' });
				expect(await navigation.isVisible()).toBe(false);
				await page.locator('header.site summary').click();
				expect(await navigation.isVisible()).toBe(true);
				expect(
					await navigation.getByRole('link', { name: 'Administration', exact: true }).isVisible()
				).toBe(true);
			},
			{ ...PHONE, javaScriptEnabled: false }
		);
	});

	test('sur un grand écran, les liens restent en ligne, sans bouton « Menu »', async ({
		browser
	}) => {
		await withPage(browser, 'admin', async (page) => {
			await page.goto('/annuaire');
			expect(await page.locator('header.site summary').isVisible()).toBe(false);
			const navigation = page.getByRole('navigation', { name: 'Navigation principale' });
			expect(await navigation.isVisible()).toBe(true);
			expect(
				await navigation.getByRole('link', { name: 'Administration', exact: true }).isVisible()
			).toBe(true);
			expect(
				await page.getByRole('button', { name: 'Se déconnecter', exact: true }).isVisible()
			).toBe(true);
		});
	});
});
