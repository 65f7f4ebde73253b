import { describe } from 'vitest';
import { describeHours } from '$lib/domain/hours';
import { KINDS, levelLabel, problemLabel, PROBLEMS } from '$lib/domain/taxonomy';
import {
	coversExplicitly,
	demoStructure,
	demoStructures,
	plain,
	type DemoStructure
} from '../demo-data';
import {
	contextOptions,
	expect,
	expectNoAxeViolations,
	screenshot,
	signIn,
	testAs,
	watchedPage
} from '../fixtures';
import { DirectoryPage, StructurePage } from './directory-page';

/** Marseille 4e: postal code 13004, INSEE code 13204, in the city 13055 and the département 13. */
const MARSEILLE_4E = { postalCode: '13004', code: '13204', commune: '13055', department: '13' };

/**
 * Every page needs a session: a partner (the least role that reads the directory) of the demo
 * territory only, so that the directory shows exactly the demo structures whatever other
 * territories the security tests add.
 */
const ACCOUNT = 'partnerMarseille';
const test = testAs(ACCOUNT);

const roseraie = demoStructure((s) => plain(s.name).includes('roseraie'), 'nom « Roseraie »');

/** A structure with every section filled in and a short list of places. */
const detailed = demoStructure(
	(s) =>
		!!s.phone &&
		!!s.email &&
		!!s.hours &&
		s.age_min !== undefined &&
		(s.coverage?.length ?? 0) >= 2 &&
		(s.coverage ?? []).every((code) => /^\d{5}$/.test(code)),
	'coordonnées complètes et plusieurs arrondissements couverts'
);

/** The most frequent kind and problem of the demo: filters with several expected results. */
function mostFrequent(values: string[]): string {
	const counts = new Map<string, number>();
	for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
	return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
}
const frequentKind = mostFrequent(demoStructures.map((s) => s.kind));
const frequentProblem = mostFrequent(demoStructures.flatMap((s) => s.problems));

function names(structures: DemoStructure[]): string[] {
	return structures.map((s) => s.name).sort((a, b) => a.localeCompare(b, 'fr'));
}

function sorted(values: string[]): string[] {
	return [...values].sort((a, b) => a.localeCompare(b, 'fr'));
}

describe('annuaire', () => {
	test('liste le territoire de démonstration avec un formulaire GET étiqueté', async ({ page }) => {
		const directory = new DirectoryPage(page);
		const response = await directory.goto();
		expect(response?.status()).toBe(200);

		expect(await directory.heading.isVisible()).toBe(true);
		expect(await directory.form.count()).toBe(1);
		// A GET form: without JavaScript the browser itself puts the filters in the URL.
		expect((await directory.form.getAttribute('method'))?.toLowerCase() ?? 'get').toBe('get');
		const fields: [string, string, string][] = [
			['Rechercher', 'q', 'input'],
			['Type de structure', 'type', 'select'],
			['Problème', 'probleme', 'select'],
			['Niveau de complexité', 'niveau', 'select'],
			['Commune ou arrondissement', 'commune', 'input'],
			['Territoire', 'territoire', 'select']
		];
		for (const [label, name, tag] of fields) {
			const field = directory.form.getByLabel(label, { exact: true });
			expect(await field.count(), `champ « ${label} »`).toBe(1);
			expect(await field.evaluate((el) => el.tagName.toLowerCase()), label).toBe(tag);
			expect(await field.getAttribute('name'), label).toBe(name);
		}
		expect(await directory.submit.count()).toBe(1);
		const types = await directory.kind
			.locator('option')
			.evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
		expect(types).toEqual(expect.arrayContaining(KINDS.map((k) => k.code)));
		const problems = await directory.problem
			.locator('option')
			.evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
		expect(problems).toEqual(expect.arrayContaining(PROBLEMS.map((p) => p.code)));
		const territories = await directory.territory
			.locator('option')
			.evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
		expect(territories).toContain('marseille-4-12');

		// Every demo structure is counted; each card links its structure page by the name.
		expect(await directory.countValue()).toBe(demoStructures.length);
		const cards = await directory.cards.evaluateAll((items) =>
			items.map((item) => {
				const link = item.querySelector('a[href*="/structures/"]') as HTMLAnchorElement;
				return {
					name: (link.textContent ?? '').replace(/\s+/g, ' ').trim(),
					path: new URL(link.href).pathname
				};
			})
		);
		expect(cards.length).toBeGreaterThan(0);
		expect(new Set(cards.map((c) => c.name)).size).toBe(cards.length);
		for (const card of cards) {
			const s = demoStructure((d) => d.name === card.name, card.name);
			expect(card.path).toMatch(/^\/structures\/[^/]+$/);
			expect(decodeURIComponent(card.path.slice('/structures/'.length))).toBe(s.id);
		}
		if (cards.length < demoStructures.length) {
			// One page of results: the next ones are a link away, and the count line says which page.
			expect(await page.locator('a[rel="next"]').count()).toBeGreaterThan(0);
			expect((await directory.count.textContent())?.replace(/\s+/g, ' ').trim()).toMatch(
				/^\d+ structures — page 1 sur \d+$/
			);
		} else {
			expect(sorted(cards.map((c) => c.name))).toEqual(names(demoStructures));
		}
	});

	test('la recherche tolère les accents manquants et les fautes de frappe', async ({ page }) => {
		const directory = new DirectoryPage(page);
		await directory.goto();
		for (const q of ['roseraie', 'rozeraie', 'ROSERAIE']) {
			await directory.searchFor({ q });
			expect(page.url(), q).toContain(`q=${q}`);
			expect(await directory.search.inputValue(), q).toBe(q);
			const found = await directory.resultNames();
			expect(found, q).toContain(roseraie.name);
			expect(found.length, `« ${q} » filtre l’annuaire`).toBeLessThan(demoStructures.length);
			expect(await directory.countValue(), q).toBe(found.length);
		}

		// A name typed without its accents finds every structure whose name has that word.
		const accented = demoStructure(
			(s) =>
				s.name.split(/\s+/).some((word) => word.length >= 8 && plain(word) !== word.toLowerCase()),
			'un mot accentué d’au moins 8 lettres dans le nom'
		);
		const word = accented.name
			.split(/\s+/)
			.find((w) => w.length >= 8 && plain(w) !== w.toLowerCase()) as string;
		const q = plain(word);
		await directory.searchFor({ q });
		const found = await directory.resultNames();
		for (const s of demoStructures.filter((s) => plain(s.name).includes(q))) {
			expect(found, `« ${q} » trouve « ${s.name} »`).toContain(s.name);
		}
	});

	test('une recherche sans résultat le dit', async ({ page }) => {
		const directory = new DirectoryPage(page);
		await directory.goto();
		await directory.searchFor({ q: 'xqzwkvj' });
		expect(page.url()).toContain('q=xqzwkvj');
		expect(await directory.emptyState.first().isVisible()).toBe(true);
		expect(await directory.cards.count()).toBe(0);
		expect(await directory.countValue()).toBe(0);
	});

	test('le filtre par commune (code postal 13004) ne garde que les structures qui la couvrent', async ({
		page
	}) => {
		const directory = new DirectoryPage(page);
		await directory.goto();
		await directory.searchFor({ commune: MARSEILLE_4E.postalCode });
		expect(page.url()).toContain(`commune=${MARSEILLE_4E.postalCode}`);

		const covering = demoStructures.filter((s) => coversExplicitly(s, MARSEILLE_4E) === true);
		const maybe = demoStructures.filter((s) => coversExplicitly(s, MARSEILLE_4E) === undefined);
		const present = demoStructure(
			(s) => (s.coverage ?? []).includes(MARSEILLE_4E.code),
			'couvre explicitement 13204'
		);
		const absent = demoStructure(
			(s) => coversExplicitly(s, MARSEILLE_4E) === false && (s.coverage?.length ?? 0) > 0,
			'ne couvre que d’autres arrondissements'
		);

		const found = await directory.resultNames();
		expect(found).toContain(present.name);
		expect(found).not.toContain(absent.name);
		for (const name of found) {
			const s = demoStructure((d) => d.name === name, name);
			expect(coversExplicitly(s, MARSEILLE_4E), `« ${name} » couvre-t-elle 13204 ?`).not.toBe(
				false
			);
		}
		for (const s of covering) expect(found, `« ${s.name} » couvre 13204`).toContain(s.name);
		const count = await directory.countValue();
		expect(count).toBeGreaterThanOrEqual(covering.length);
		expect(count).toBeLessThanOrEqual(covering.length + maybe.length);
		expect(count).toBe(found.length);

		// The INSEE code of the arrondissement gives the same list.
		await directory.searchFor({ commune: MARSEILLE_4E.code });
		expect(sorted(await directory.resultNames())).toEqual(sorted(found));
	});

	test('les filtres type et problème suivent les données', async ({ page }) => {
		const directory = new DirectoryPage(page);
		await directory.goto();
		await directory.searchFor({ type: frequentKind });
		expect(page.url()).toContain(`type=${frequentKind}`);
		expect(sorted(await directory.resultNames())).toEqual(
			names(demoStructures.filter((s) => s.kind === frequentKind))
		);

		await directory.goto();
		await directory.searchFor({ probleme: frequentProblem });
		expect(page.url()).toContain(`probleme=${frequentProblem}`);
		expect(sorted(await directory.resultNames())).toEqual(
			names(demoStructures.filter((s) => s.problems.includes(frequentProblem)))
		);
	});

	test('au clavier : Tab jusqu’au champ de recherche, saisie, Entrée', async ({ page }) => {
		const directory = new DirectoryPage(page);
		await directory.goto();
		// Typed text must not be reset by hydration.
		await page.waitForSelector('html[data-hydrated="true"]');
		let reached = false;
		for (let i = 0; i < 30 && !reached; i++) {
			await page.keyboard.press('Tab');
			reached = await directory.search.evaluate((el) => el === document.activeElement);
		}
		expect(reached, 'le champ « Rechercher » est atteint au clavier').toBe(true);
		await page.keyboard.type('rozeraie');
		await Promise.all([
			page.waitForURL((url) => url.searchParams.get('q') === 'rozeraie'),
			page.keyboard.press('Enter')
		]);
		expect(await directory.resultNames()).toContain(roseraie.name);
	});

	test('sans JavaScript, le formulaire filtre et les résultats s’affichent', async ({
		browser
	}) => {
		const context = await browser.newContext(contextOptions({ javaScriptEnabled: false }));
		try {
			await signIn(context, ACCOUNT);
			const { page, errors } = await watchedPage(context);
			const directory = new DirectoryPage(page);
			await directory.goto();
			expect(await directory.heading.isVisible()).toBe(true);
			await directory.searchFor({ q: 'rozeraie', commune: MARSEILLE_4E.postalCode });
			expect(page.url()).toContain('q=rozeraie');
			expect(await directory.search.inputValue()).toBe('rozeraie');
			expect(await directory.commune.inputValue()).toBe(MARSEILLE_4E.postalCode);
			expect(await directory.resultNames()).toContain(roseraie.name);
			expect(await directory.countValue()).toBeGreaterThan(0);
			errors.expectNone();
		} finally {
			await context.close();
		}
	});
});

describe('fiche structure', () => {
	test('s’ouvre depuis l’annuaire et montre contact, public, missions et territoire', async ({
		page
	}) => {
		const directory = new DirectoryPage(page);
		await directory.goto();
		await Promise.all([
			page.waitForURL((url) => url.pathname.startsWith('/structures/')),
			directory.link(detailed.name).click()
		]);
		expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/structures/${detailed.id}`);

		const structure = new StructurePage(page);
		expect(await structure.heading.count()).toBe(1);
		expect((await structure.heading.textContent())?.trim()).toBe(detailed.name);

		const contact = structure.section('Contact');
		expect(await contact.count(), 'section « Contact »').toBe(1);
		const contactText = (await contact.textContent()) ?? '';
		// The demo writes phones as shown (04 65 71 10 01); the link dials the stored E.164.
		expect(contactText).toContain(detailed.phone);
		expect(
			await contact.locator('a[href^="tel:"]').first().getAttribute('href'),
			'lien tel:'
		).toMatch(/^tel:\+33\d{9}$/);
		expect(contactText).toContain(detailed.email);
		// Hours in French, and whether it is open now (whichever it is when the test runs).
		for (const line of describeHours(detailed.hours ?? '') ?? ['(non décrites)']) {
			expect(contactText).toContain(line);
		}
		expect(contactText).toMatch(/(Ouvert|Fermé) maintenant/);

		const audience = structure.section('Public accueilli');
		expect(await audience.count(), 'section « Public accueilli »').toBe(1);
		expect(await audience.textContent()).toContain(String(detailed.age_min));

		const missions = structure.section('Missions');
		expect(await missions.count(), 'section « Missions »').toBe(1);
		const missionsText = (await missions.textContent()) ?? '';
		for (const problem of detailed.problems) expect(missionsText).toContain(problemLabel(problem));
		expect(missionsText).toContain(levelLabel(detailed.level_min));
		expect(missionsText).toContain(levelLabel(detailed.level_max));

		const coverage = structure.section('Territoire couvert');
		expect(await coverage.count(), 'section « Territoire couvert »').toBe(1);
		const places = await coverage.getByRole('listitem').allTextContents();
		for (const code of detailed.coverage ?? []) {
			expect(
				places.some((place) => place.includes(code)),
				`lieu ${code} dans ${JSON.stringify(places)}`
			).toBe(true);
		}
	});

	test('un identifiant inconnu donne une page 404 « introuvable »', async ({
		page,
		pageErrors
	}) => {
		// Chromium reports the 404 document itself as a console error.
		pageErrors.allow(/status of 404/);
		const response = await page.goto('/structures/structure-qui-n-existe-pas');
		expect(response?.status()).toBe(404);
		expect(await page.locator('body').textContent()).toMatch(/introuvable/i);
	});
});

describe('accessibilité et captures', () => {
	test('annuaire : aucune violation axe WCAG 2.1 A/AA', async ({ page }) => {
		const directory = new DirectoryPage(page);
		await directory.goto();
		await screenshot(page, 'directory');
		await expectNoAxeViolations(page);
	});

	test('fiche structure : aucune violation axe WCAG 2.1 A/AA', async ({ page }) => {
		await page.goto(`/structures/${encodeURIComponent(detailed.id)}`);
		expect((await new StructurePage(page).heading.textContent())?.trim()).toBe(detailed.name);
		await screenshot(page, 'structure');
		await expectNoAxeViolations(page);
	});
});
