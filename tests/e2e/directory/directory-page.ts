import type { Locator, Page, Response } from 'playwright-core';

/** Filters of the directory form, by URL parameter name. */
export interface DirectoryFilters {
	q?: string;
	type?: string;
	probleme?: string;
	niveau?: string;
	commune?: string;
	territoire?: string;
}

/** Page object of `/annuaire`: the search form (a GET form) and the result cards. */
export class DirectoryPage {
	readonly heading: Locator;
	readonly form: Locator;
	readonly search: Locator;
	readonly kind: Locator;
	readonly problem: Locator;
	readonly level: Locator;
	readonly commune: Locator;
	readonly territory: Locator;
	readonly submit: Locator;
	readonly count: Locator;
	readonly results: Locator;
	readonly cards: Locator;
	readonly resultLinks: Locator;
	readonly emptyState: Locator;

	constructor(readonly page: Page) {
		this.heading = page.getByRole('heading', { level: 1, name: 'Annuaire des structures' });
		this.search = page.getByLabel('Rechercher', { exact: true });
		this.form = page.locator('form').filter({ has: this.search });
		this.kind = this.form.getByLabel('Type de structure', { exact: true });
		this.problem = this.form.getByLabel('Problème', { exact: true });
		this.level = this.form.getByLabel('Niveau de complexité', { exact: true });
		this.commune = this.form.getByLabel('Commune ou arrondissement', { exact: true });
		this.territory = this.form.getByLabel('Territoire', { exact: true });
		this.submit = this.form.getByRole('button', { name: 'Rechercher', exact: true });
		this.count = page.locator('#resultats-compte');
		// The result list is the list whose items link to structure pages.
		this.results = page
			.getByRole('list')
			.filter({ has: page.locator('a[href*="/structures/"]') })
			.filter({ hasNot: page.getByRole('navigation') });
		this.cards = this.results.getByRole('listitem').filter({
			has: page.locator('a[href*="/structures/"]')
		});
		this.resultLinks = this.cards.locator('a[href*="/structures/"]');
		this.emptyState = page.getByText(/Aucune structure/);
	}

	async goto(filters: DirectoryFilters = {}): Promise<Response | null> {
		const params = new URLSearchParams(
			Object.entries(filters).filter((entry): entry is [string, string] => !!entry[1])
		);
		const query = params.size > 0 ? `?${params}` : '';
		return this.page.goto(`/annuaire${query}`);
	}

	/** Fills the form (text fields typed, selects by value), submits it, waits for the new URL. */
	async searchFor(filters: DirectoryFilters): Promise<void> {
		if (filters.q !== undefined) await this.search.fill(filters.q);
		if (filters.commune !== undefined) await this.commune.fill(filters.commune);
		if (filters.type !== undefined) await this.kind.selectOption(filters.type);
		if (filters.probleme !== undefined) await this.problem.selectOption(filters.probleme);
		if (filters.niveau !== undefined) await this.level.selectOption(filters.niveau);
		if (filters.territoire !== undefined) await this.territory.selectOption(filters.territoire);
		await Promise.all([this.page.waitForURL((url) => matches(url, filters)), this.submit.click()]);
		await this.page.waitForLoadState('load');
	}

	/** The structure names of the listed cards (one link per card to its structure page). */
	async resultNames(): Promise<string[]> {
		const names = await this.cards.evaluateAll((items) =>
			items.map((item) => item.querySelector('a[href*="/structures/"]')?.textContent ?? '')
		);
		return names.map((name) => name.replace(/\s+/g, ' ').trim());
	}

	/** The number in the status line "N structures". */
	async countValue(): Promise<number> {
		const text = (await this.count.textContent()) ?? '';
		const match = /(\d[\d\s\u202f\u00a0]*)\s*structures?/i.exec(text);
		if (!match?.[1]) throw new Error(`ligne de résultats illisible : « ${text.trim()} »`);
		return Number(match[1].replace(/\D/g, ''));
	}

	link(name: string): Locator {
		return this.results.getByRole('link', { name, exact: true });
	}
}

function matches(url: URL, filters: DirectoryFilters): boolean {
	if (url.pathname !== '/annuaire') return false;
	return Object.entries(filters).every(
		([key, value]) => !value || url.searchParams.get(key) === value
	);
}

/** Page object of `/structures/{id}`. */
export class StructurePage {
	readonly heading: Locator;

	constructor(readonly page: Page) {
		this.heading = page.getByRole('heading', { level: 1 });
	}

	/** A section, found by its heading: the innermost `section` (or region) that holds it. */
	section(title: string): Locator {
		const heading = this.page.getByRole('heading', { name: title, exact: true });
		return this.page.locator('section, [role="region"]').filter({ has: heading }).last();
	}
}
