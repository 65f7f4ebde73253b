import { describe } from 'vitest';
import { expect, testAs } from '../fixtures';

/**
 * After a refusal the agent sees the refused record first and orients the person elsewhere from
 * it: « Réorienter » opens the form with the same request, the refusing structure left out of the
 * recommendations and named among the exclusions (contract §7). The demo's structures have no
 * members: the agent records the structure's refusal, with its coded reason.
 */

const test = testAs('agent');

describe('réorienter une demande refusée', () => {
	test('refused → listed first → Réorienter → the same request, the refuser left out', async ({
		page
	}) => {
		await page.goto('/orienter');
		await page.waitForSelector('html[data-hydrated="true"]');
		await page.fill('#place', '13212');
		await page.fill('#age', '79');
		await page.selectOption('#dominant', 'logement');
		await page.check('input[name=problems][value=finances]');
		await page.check('input[name=criteria][value=isolement]');
		const first = page.locator('.rec .name').first();
		await first.waitFor();
		const refuser = (await first.textContent()) ?? '';
		await page.check('#consent');
		await page.click('button[formaction="?/enregistrer"]');
		await page.waitForURL(/\/orientations\/[^/?]+\?enregistree=1/);
		const recordUrl = page.url().split('?')[0] as string;

		await page.selectOption('#refuser-motif', 'hors_missions');
		await page.fill('#refuser-precisions', 'Hors de nos missions pour ce quartier');
		await page.click('form[action^="?/refuser"] button[type=submit]');
		await expect.poll(() => page.locator('h1').textContent()).toContain('Refusée');

		// The list shows every state by default, refused first.
		await page.goto('/orientations');
		const firstRow = page.locator('table.data tbody tr').first();
		expect(await firstRow.textContent()).toContain('Refusée');

		await page.goto(recordUrl);
		await page.getByRole('link', { name: 'Réorienter' }).click();
		await page.waitForURL(/\/orienter\?depuis=/);
		await page.waitForSelector('html[data-hydrated="true"]');
		expect(await page.inputValue('#place')).toMatch(/Marseille 12e/i);
		expect(await page.inputValue('#age')).toBe('79');
		expect(await page.inputValue('#dominant')).toBe('logement');
		expect(await page.isChecked('input[name=problems][value=finances]')).toBe(true);
		expect(await page.isChecked('input[name=criteria][value=isolement]')).toBe(true);
		expect(await page.locator('.notice.info').textContent()).toContain(refuser);

		await page.click('button[formaction="?/evaluer"]');
		// No longer recommended, whatever its score: named among the exclusions, with its answer.
		const flagged = page.locator('details.excluded li', { hasText: refuser });
		await flagged.waitFor({ state: 'attached' });
		expect(await page.locator('.rec', { hasText: refuser }).count()).toBe(0);
		expect(await flagged.textContent()).toMatch(
			/A refusé l’orientation OR-\d{4}-\d{5} : Hors des missions/
		);
	});
});
