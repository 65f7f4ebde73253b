import { expect, test } from './fixtures';

test('pageerror fails', async ({ page }) => {
	await page.goto('/annuaire');
	await page.evaluate(() => {
		console.error('console-sanity');
	});
	await page.waitForTimeout(200);
	expect(1).toBe(1);
});
