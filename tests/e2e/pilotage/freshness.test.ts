import type { Page } from 'playwright-core';
import { describe } from 'vitest';
import { account } from '../http';
import { DEMO_TERRITORY_ID, demoStructures } from '../demo-data';
import { expect, expectNoAxeViolations, screenshot, testAs } from '../fixtures';

/**
 * Freshness campaigns on the pilot's desk (issue 15): the pilot sends « vérifiez vos
 * informations » to the structures not verified for 12 months, sees the notice and one row « en
 * attente » per structure of the desk's freshness list; a structure is then verified (the
 * desk's « Vérifiée aujourd’hui »), and after a reload its row says who answered. A bad number
 * of months is refused at the field. No axe violation on the desk, campaign shown.
 */

const test = testAs('pilot');
const DESK = `/territoires/${DEMO_TERRITORY_ID}/pilotage`;

async function openDesk(page: Page, url = DESK): Promise<void> {
	await page.goto(url);
	await page.waitForSelector('html[data-hydrated="true"]');
}

describe('les campagnes de vérification', () => {
	test('the pilot sends a campaign, then sees a structure answer', async ({ page }) => {
		await openDesk(page);
		const section = page.locator('#verification');
		expect(await section.getByRole('heading', { level: 2 }).textContent()).toBe(
			'Campagne de vérification'
		);
		expect(await page.inputValue('#mois')).toBe('12');
		const staleNames = await page.locator('#fraicheur ul.stale > li > a').allTextContents();
		expect(staleNames.length).toBeGreaterThan(0);
		expect(await section.textContent()).toContain(
			`${staleNames.length} structure${staleNames.length >= 2 ? 's' : ''} à prévenir`
		);

		// A number of months out of range is refused at the field (the browser's own check lifted,
		// so that the server's is the one seen).
		await page.evaluate(() => {
			const input = document.getElementById('mois') as HTMLInputElement;
			input.removeAttribute('min');
			input.value = '0';
		});
		await section.getByRole('button', { name: 'Envoyer “vérifiez vos informations”' }).click();
		await expect
			.poll(() => page.locator('#mois-erreur').textContent(), { timeout: 10_000 })
			.toMatch(/entre 1 et 60/);
		expect(await page.getAttribute('#mois', 'aria-invalid')).toBe('true');

		await page.fill('#mois', '12');
		await section.getByRole('button', { name: 'Envoyer “vérifiez vos informations”' }).click();
		await page.waitForURL(/campagne=[\w-]+/);
		const campaignId = new URL(page.url()).searchParams.get('campagne') as string;
		await expect
			.poll(() => section.locator('[role=status]').textContent(), { timeout: 10_000 })
			.toMatch(/\d+ structures? prévenues?|sans membre à prévenir/);
		const campaign = section.locator(`article[data-campaign="${campaignId}"]`);
		// The latest campaign comes first.
		expect(await section.locator('article.campaign').first().getAttribute('data-campaign')).toBe(
			campaignId
		);
		const rows = campaign.locator('tbody tr');
		expect((await rows.locator('th a').allTextContents()).sort()).toEqual([...staleNames].sort());
		expect(new Set(await rows.locator('td.answer').allTextContents())).toEqual(
			new Set(['en attente'])
		);
		expect(await campaign.textContent()).toContain(`0 sur ${staleNames.length} ont répondu`);
		await expectNoAxeViolations(page);
		await screenshot(page, 'pilotage-campagne');

		// A structure is verified from the desk: one the rules test does not need (a medical one,
		// it looks for another), else the first.
		const medical = new Set(
			demoStructures.filter((s) => s.problems.includes('medical')).map((s) => s.name)
		);
		const name = staleNames.find((n) => medical.has(n)) ?? (staleNames[0] as string);
		const stale = page.locator('#fraicheur ul.stale > li');
		await stale
			.filter({ has: page.getByRole('link', { name, exact: true }) })
			.getByRole('button', { name: 'Vérifiée aujourd’hui' })
			.click();
		await expect
			.poll(() => page.locator('#fraicheur ul.stale > li > a').allTextContents(), {
				timeout: 10_000
			})
			.not.toContain(name);

		// Reloaded, the row says who answered, and when.
		await openDesk(page, `${DESK}?campagne=${campaignId}#verification`);
		const row = campaign.locator('tbody tr').filter({
			has: page.getByRole('link', { name, exact: true })
		});
		expect(await row.locator('td.answer').textContent()).toBe('informations confirmées');
		const cells = await row.locator('td').allTextContents();
		expect(cells).toContain(account('pilot').email);
		expect(cells.at(-1)).toMatch(/\d{4} à \d{1,2} h \d{2}/);
		expect(await campaign.textContent()).toContain(`1 sur ${staleNames.length} ont répondu`);
		await expectNoAxeViolations(page);
	});
});
