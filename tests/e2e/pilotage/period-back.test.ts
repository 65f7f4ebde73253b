import { describe } from 'vitest';
import { DEMO_TERRITORY_ID } from '../demo-data';
import { expect, testAs } from '../fixtures';

/**
 * The pilot's desk: its period form says the page's period after browser Back. A date the pilot
 * changed without applying keeps its text when the page's `value` for it stays the same (Back
 * changed only the other date), so the form is made again on each new query; without that, the
 * next « Appliquer » would send the stale date.
 */

const test = testAs('pilot');
const DESK = `/territoires/${DEMO_TERRITORY_ID}/pilotage`;

/** `day` moved by `days` days (ISO dates, UTC). */
function shifted(day: string, days: number): string {
	return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

describe('pilotage : la période après Retour', () => {
	test('the period form shows the URL’s period after Back, even a date changed unsent', async ({
		page
	}) => {
		await page.goto(DESK);
		await page.waitForSelector('html[data-hydrated="true"]');
		const form = page.getByRole('form', { name: 'Période' });
		const du = form.getByLabel('Du', { exact: true });
		const au = form.getByLabel('Au', { exact: true });
		/** The desk shows that period: its link to the synthesis carries it. */
		const shows = (from: string, to: string) =>
			page
				.locator(`a[href="/territoires/${DEMO_TERRITORY_ID}/synthese?du=${from}&au=${to}"]`)
				.waitFor({ state: 'attached' });
		const du0 = await du.inputValue();
		const au0 = await au.inputValue();
		expect(du0).toMatch(/^\d{4}-\d{2}-\d{2}$/);
		expect(au0).toMatch(/^\d{4}-\d{2}-\d{2}$/);

		// A shorter period, applied: the URL and the desk say it.
		const du1 = shifted(au0, -30);
		await du.fill(du1);
		await form.getByRole('button', { name: 'Appliquer' }).click();
		await page.waitForURL((url) => url.searchParams.get('du') === du1);
		await shows(du1, au0);

		// The end changed but not applied, then Back: the default period, in the form too.
		await au.fill(shifted(au0, -1));
		await page.goBack();
		await page.waitForURL((url) => url.pathname === DESK && url.search === '');
		await shows(du0, au0);
		expect(await du.inputValue()).toBe(du0);
		expect(await au.inputValue()).toBe(au0);
	});
});
