import type { Locator, Page } from 'playwright-core';

/** The three public notices (contract §4), each linked from every page's footer. */
export const LEGAL_PAGES = [
	{
		path: '/accessibilite',
		link: 'Accessibilité : partiellement conforme',
		title: 'Déclaration d’accessibilité'
	},
	{ path: '/mentions-legales', link: 'Mentions légales', title: 'Mentions légales' },
	{ path: '/donnees-personnelles', link: 'Données personnelles', title: 'Données personnelles' }
] as const;

/** Page object of the home page `/`, whose sections depend on the role. */
export class HomePage {
	readonly heading: Locator;
	readonly main: Locator;
	/** The agent's call to action. */
	readonly orient: Locator;
	readonly orientationsHeading: Locator;
	readonly orientationsSection: Locator;
	readonly orientationItems: Locator;
	readonly search: Locator;
	readonly searchInput: Locator;
	readonly searchButton: Locator;
	readonly adminLink: Locator;

	constructor(readonly page: Page) {
		this.main = page.locator('main');
		this.heading = page.getByRole('heading', { level: 1 });
		this.orient = this.main.getByRole('link', { name: 'Orienter une demande', exact: true });
		this.orientationsHeading = page.getByRole('heading', {
			level: 2,
			name: 'Mes orientations en cours'
		});
		this.orientationsSection = page.locator('section').filter({ has: this.orientationsHeading });
		this.orientationItems = this.orientationsSection.getByRole('listitem');
		this.search = this.main.getByRole('search');
		this.searchInput = this.search.getByLabel('Chercher une structure', { exact: true });
		this.searchButton = this.search.getByRole('button', { name: 'Rechercher', exact: true });
		this.adminLink = this.main.locator('a[href="/admin"]');
	}

	async goto(): Promise<void> {
		const response = await this.page.goto('/');
		if (response?.status() !== 200) throw new Error(`/ : HTTP ${response?.status()}`);
		if (new URL(this.page.url()).pathname !== '/') {
			throw new Error(`/ renvoie vers ${this.page.url()}`);
		}
	}

	/** The links of a territory's chart, map and desk, if the page shows them. */
	territoryLinks(id: string): { chart: Locator; map: Locator; desk: Locator } {
		return {
			chart: this.main.locator(`a[href="/territoires/${id}/axes"]`),
			map: this.main.locator(`a[href="/territoires/${id}/carte"]`),
			desk: this.main.locator(`a[href="/territoires/${id}/pilotage"]`)
		};
	}
}

/** The site footer and its links to the public notices. */
export class SiteFooter {
	readonly footer: Locator;

	constructor(readonly page: Page) {
		this.footer = page.getByRole('contentinfo');
	}

	link(name: string): Locator {
		return this.footer.getByRole('link', { name, exact: true });
	}
}
