import type { Page } from 'playwright-core';
import { describe } from 'vitest';
import { apiToken, request } from '../http';
import { expect, expectNoAxeViolations, screenshot, testAs } from '../fixtures';

/**
 * Issue 15, « done when »: a pilot bootstraps a territory of another département (the Gapençais,
 * Hautes-Alpes) from FINESS through the page — perimeter, establishments by kind with a map,
 * one unticked, import — confirms two remits, and a request there is oriented to them, the
 * others still flagged « à confirmer » among the reasons.
 */

const test = testAs('pilot');
const TERRITORY = { id: 'e2e-gapencais', name: 'Gapençais (e2e)', communes: ['05061', '05092'] };

async function hydrated(page: Page, url: string): Promise<void> {
	await page.goto(url);
	await page.waitForSelector('html[data-hydrated="true"]');
}

describe('amorcer un territoire depuis FINESS', () => {
	test('aperçu, import, deux missions confirmées, une orientation', async ({ page }) => {
		const put = await request(`/api/v1/territories/${TERRITORY.id}`, {
			method: 'PUT',
			token: apiToken('pilot'),
			json: { name: TERRITORY.name, communes: TERRITORY.communes }
		});
		expect(put.status).toBeLessThan(300);

		await hydrated(page, `/territoires/${TERRITORY.id}`);
		await page.getByRole('link', { name: 'Importer depuis FINESS' }).click();
		await page.waitForURL(`**/territoires/${TERRITORY.id}/finess`);
		await page.waitForSelector('html[data-hydrated="true"]');
		// A perimeter outside the territory is refused, naming the problem.
		await page.fill('#perimetre', '13001');
		await page.getByRole('button', { name: 'Voir les établissements' }).click();
		await expect
			.poll(() => page.locator('#perimetre-erreur').textContent())
			.toMatch(/hors du territoire/);
		await page.fill('#perimetre', '');
		await page.getByRole('button', { name: 'Voir les établissements' }).click();
		const heading = page.locator('#apercu');
		await expect.poll(() => heading.textContent()).toMatch(/\d+ établissements dans le périmètre/);
		const total = Number((await heading.textContent())?.match(/(\d+)/)?.[1]);
		expect(total).toBeGreaterThan(10);
		expect(await page.locator('details.kind summary').allTextContents()).toEqual(
			expect.arrayContaining([expect.stringMatching(/EHPAD/)])
		);
		await expectNoAxeViolations(page);
		// Untick one establishment of the first kind.
		await page.locator('details.kind').first().locator('summary').click();
		const first = page.locator('details.kind').first().locator('input[type=checkbox]').first();
		const skippedId = await first.getAttribute('value');
		await first.uncheck();
		await expect
			.poll(() => page.locator('.actions button[type=submit]').textContent())
			.toMatch(new RegExp(`Importer ${total - 1} établissements`));
		await screenshot(page, 'finess-apercu');
		await page.locator('.actions button[type=submit]').click();
		await page.waitForURL(`**/territoires/${TERRITORY.id}?finess=*`);
		await expect
			.poll(() => page.locator('[role=status]').first().textContent())
			.toMatch(new RegExp(`Import FINESS fait : ${total - 1} structure`));

		// The skipped one is not in the directory; the EHPAD are, « À confirmer ».
		await hydrated(page, `/annuaire?territoire=${TERRITORY.id}&type=ehpad`);
		const cards = page.locator('article.structure');
		await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(2);
		expect(await page.locator('article.structure .to-confirm').count()).toBe(await cards.count());
		const links = await cards.locator('h3 a').evaluateAll((as) =>
			as.map((a) => ({
				href: (a as HTMLAnchorElement).getAttribute('href') ?? '',
				name: a.textContent?.trim() ?? ''
			}))
		);
		expect(links.map((l) => l.href)).not.toContain(
			`/structures/${encodeURIComponent(skippedId ?? '')}`
		);
		const confirmed = links.slice(0, 2);
		for (const link of confirmed) {
			await hydrated(page, link.href);
			await expect.poll(() => page.locator('#a-confirmer').textContent()).toMatch(/à confirmer/);
			await page
				.getByRole('button', { name: 'Confirmer la mission telle qu’elle est décrite' })
				.click();
			await expect
				.poll(() => page.locator('[role=status]').first().textContent())
				.toMatch(/Mission confirmée/);
			expect(await page.locator('#a-confirmer').count()).toBe(0);
		}

		// A request in Gap: an entry into an establishment, at 84.
		await hydrated(page, '/orienter');
		await page.evaluate(() => {
			(document.getElementById('place') as HTMLInputElement).value = '05061';
			(document.getElementById('age') as HTMLInputElement).value = '84';
			(document.getElementById('dominant') as HTMLSelectElement).value = 'entree_etablissement';
		});
		await page.click('button[formaction="?/evaluer"]');
		await expect
			.poll(async () => page.locator('.rec .name').count(), { timeout: 15_000 })
			.toBeGreaterThan(0);
		const recs = await page.locator('.rec').evaluateAll((nodes) =>
			nodes.map((n) => ({
				name: n.querySelector('.name')?.textContent?.trim() ?? '',
				text: n.textContent ?? ''
			}))
		);
		const names = recs.map((r) => r.name);
		for (const link of confirmed) {
			const rec = recs.find((r) => r.name === link.name);
			expect(rec, `${link.name} parmi ${names.join(', ')}`).toBeDefined();
			expect(rec?.text).not.toMatch(/proposée d’après FINESS/);
		}
		expect(recs.some((r) => /proposée d’après FINESS/.test(r.text))).toBe(true);
		await screenshot(page, 'finess-orientation');
	});
});
