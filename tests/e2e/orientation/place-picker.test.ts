import { describe } from 'vitest';
import { expect, testAs } from '../fixtures';

/**
 * The place field of /orienter, as an agent on the phone uses it: a typo still finds the
 * arrondissement, chosen with the arrows and Enter; a city lists its arrondissements; a place
 * outside the agent's territories says so, and what to do.
 */

const test = testAs('agent');
const scopedTest = testAs('pilotMarseille');

describe('le lieu de vie, au clavier', () => {
	test('« marseile 4 » offers Marseille 4e, picked with ↓ and Enter, then answered', async ({
		page
	}) => {
		await page.goto('/orienter');
		await page.waitForSelector('html[data-hydrated="true"]');
		await page.locator('#place').focus();
		await page.keyboard.type('marseile 4', { delay: 80 });
		const options = page.locator('[role=option]');
		await options.first().waitFor();
		expect(await options.first().textContent()).toContain('Marseille 4e');
		expect(await page.locator('#place').getAttribute('aria-expanded')).toBe('true');
		await page.keyboard.press('ArrowDown');
		await page.keyboard.press('Enter');
		expect(await page.inputValue('#place')).toMatch(/Marseille 4e.*\(13204\)/);
		expect(await page.evaluate(() => document.activeElement?.id)).toBe('place');
		await page.selectOption('#dominant', 'logement');
		await expect
			.poll(() => page.locator('.recommendations legend').textContent(), { timeout: 10_000 })
			.toMatch(/Marseille 4e/);
	});

	test('« Marseille » lists its arrondissements to pick from', async ({ page }) => {
		await page.goto('/orienter');
		await page.waitForSelector('html[data-hydrated="true"]');
		await page.locator('#place').focus();
		await page.keyboard.type('Marseille', { delay: 60 });
		const options = page.locator('[role=option]');
		await options.first().waitFor();
		const texts = await options.allTextContents();
		expect(texts.filter((t) => /Marseille \d+e/.test(t)).length).toBeGreaterThanOrEqual(10);
	});
});

describe('un lieu hors des territoires de l’agent', () => {
	scopedTest('says that the place is outside, and what to do', async ({ page }) => {
		await page.goto('/orienter');
		await page.waitForSelector('html[data-hydrated="true"]');
		await page.fill('#place', '13001');
		await page.selectOption('#dominant', 'droits');
		await page.locator('button[formaction="?/evaluer"]').click();
		const message = page.locator('#place-erreur');
		await message.waitFor();
		expect(await message.textContent()).toMatch(/n.appartient à aucun de vos territoires/);
		expect(await page.locator('.rec').count()).toBe(0);
	});
});
