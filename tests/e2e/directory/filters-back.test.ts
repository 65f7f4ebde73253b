import { describe } from 'vitest';
import { demoStructures } from '../demo-data';
import { expect, testAs } from '../fixtures';
import { DirectoryPage } from './directory-page';

/**
 * The directory's filter form says what the URL says after a client-side navigation back to
 * other filters (browser Back, « Effacer les filtres »): a <select> the person changed keeps its
 * choice when only its options' `selected` change, so the form is made again on each new query.
 * Without that, the next « Rechercher » would send the stale filter.
 */

const test = testAs('partnerMarseille');

/** A kind and a problem of the demo that leave out some structures: a filter that shows. */
const kind = demoStructures
	.map((s) => s.kind)
	.find((k) => demoStructures.some((s) => s.kind !== k));
const problem = demoStructures
	.flatMap((s) => s.problems)
	.find((p) => demoStructures.some((s) => !s.problems.includes(p)));

describe('annuaire : le formulaire après Retour', () => {
	test('the form shows the URL’s filters after Back and after « Effacer les filtres »', async ({
		page
	}) => {
		expect(kind, 'un type qui ne couvre pas tout l’annuaire').toBeDefined();
		expect(problem, 'un problème qui ne couvre pas tout l’annuaire').toBeDefined();
		const directory = new DirectoryPage(page);
		const count = () => expect.poll(() => directory.countValue(), { timeout: 10_000 });
		/** The unfiltered directory is shown: every demo structure counted. */
		const everything = () => count().toBe(demoStructures.length);
		/** A filtered directory is shown (the page is rendered, not just its URL changed). */
		const filtered = () => count().toBeLessThan(demoStructures.length);

		await directory.goto();
		await page.waitForSelector('html[data-hydrated="true"]');
		await everything();

		// One kind, then Back: no kind in the URL, none in the form.
		await directory.searchFor({ type: kind });
		await filtered();
		await page.goBack();
		await page.waitForURL((url) => url.pathname === '/annuaire' && url.search === '');
		await everything();
		expect(await directory.kind.inputValue()).toBe('');

		// A problem sent, a level chosen but not sent, then « Effacer les filtres »: neither stays.
		await directory.searchFor({ probleme: problem });
		await filtered();
		await directory.level.selectOption({ index: 1 });
		await page.getByRole('link', { name: 'Effacer les filtres', exact: true }).click();
		await page.waitForURL((url) => url.pathname === '/annuaire' && url.search === '');
		await everything();
		expect(await directory.problem.inputValue()).toBe('');
		expect(await directory.level.inputValue()).toBe('');
		expect(await directory.kind.inputValue()).toBe('');

		// And what is sent next is what the form shows.
		await directory.searchFor({ q: 'clic' });
		const sent = new URL(page.url()).searchParams;
		expect(sent.get('type') ?? '').toBe('');
		expect(sent.get('probleme') ?? '').toBe('');
		expect(sent.get('niveau') ?? '').toBe('');
	});
});
