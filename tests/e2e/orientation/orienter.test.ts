import fs from 'node:fs';
import path from 'node:path';
import { describe } from 'vitest';
import type { Page } from 'playwright-core';
import { expect, expectNoAxeViolations, screenshot, testAs } from '../fixtures';

/**
 * The guichet intégré in a browser, keyboard only: a request typed in, the answer read on the
 * page (complexity explained, structures ranked with reasons), the orientation recorded, then
 * moved to « acceptée ». Expectations come from the demo data, not from a fixed list.
 */

const test = testAs('agent');

interface DemoStructure {
	id: string;
	name: string;
	kind: string;
	problems: string[];
	age_min?: number;
	coverage?: string[];
}
const demo = JSON.parse(
	fs.readFileSync(path.resolve('src/lib/server/seed/demo-marseille-4-12.json'), 'utf8')
) as DemoStructure[];

/** Focuses a control and chooses an option of a <select> with the arrow keys. */
async function chooseWithKeys(page: Page, selector: string, value: string): Promise<void> {
	const select = page.locator(selector);
	await select.focus();
	const values = await select
		.locator('option')
		.evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
	const current = await select.inputValue();
	const steps = values.indexOf(value) - values.indexOf(current);
	for (let i = 0; i < Math.abs(steps); i++)
		await page.keyboard.press(steps > 0 ? 'ArrowDown' : 'ArrowUp');
	expect(await select.inputValue()).toBe(value);
}

async function typeInto(page: Page, selector: string, text: string): Promise<void> {
	await page.locator(selector).focus();
	await page.keyboard.type(text);
}

describe('orienter une demande', () => {
	test('keyboard only: request → recommendation → record → accepted', async ({ page }) => {
		await page.goto('/orienter');
		await page.waitForSelector('html[data-hydrated="true"]');
		await expectNoAxeViolations(page);

		// A medical problem at 82 in the 4th arrondissement, one criterion: the study's rule sends it
		// to the health network (over 75 only).
		await typeInto(page, '#place', '13004');
		await page.keyboard.press('Tab');
		await typeInto(page, '#age', '82');
		await chooseWithKeys(page, '#dominant', 'medical');
		await page.locator('input[name=criteria][value=isolement]').focus();
		await page.keyboard.press('Space');
		await page.locator('input[name=consent]').focus();
		await page.keyboard.press('Space');
		await page.locator('#age').focus();
		await page.keyboard.press('Enter');

		const network = demo.find((s) => s.kind === 'reseau_sante') as DemoStructure;
		const firstName = page.locator('.rec .name').first();
		await firstName.waitFor();
		await expect.poll(() => firstName.textContent(), { timeout: 10_000 }).toBe(network.name);
		const answer = page.locator('section.answer');
		expect(await answer.getByRole('heading', { level: 3 }).textContent()).toContain(
			'Situation à coordonner'
		);
		expect(await answer.textContent()).toContain('Isolement (aucun proche impliqué) : +1');
		expect(await page.locator('.rec').first().textContent()).toContain(
			'Prend le problème dominant'
		);
		// Every structure taking the medical problem in 13204 is either recommended or excluded.
		const takers = demo.filter((s) => s.problems.includes('medical'));
		const shown = await page.locator('.rec .name').allTextContents();
		const excludedText = (await page.locator('details.excluded').textContent()) ?? '';
		for (const s of takers) {
			expect(shown.includes(s.name) || excludedText.includes(s.name)).toBe(true);
		}
		await expectNoAxeViolations(page);
		await screenshot(page, 'orienter');

		// The first structure is chosen by default; record with the keyboard.
		await page.locator('#note').focus();
		await page.keyboard.type('Appel de la fille, suivi par le médecin traitant.');
		await page.locator('button[formaction="?/enregistrer"]').focus();
		await page.keyboard.press('Enter');
		await page.waitForURL(/\/orientations\/[^/?]+\?enregistree=1/);
		// Named by its short reference, in the title and in the confirmation.
		const title = (await page.locator('h1').textContent()) ?? '';
		expect(title).toMatch(/^Orientation OR-\d{4}-\d{5,} : Envoyée$/);
		const reference = /OR-\d{4}-\d{5,}/.exec(title)?.[0] as string;
		expect(await page.locator('.notice.info', { hasText: 'enregistrée' }).textContent()).toContain(
			`Orientation ${reference} enregistrée`
		);
		expect(await page.locator('main').textContent()).toContain(network.name);

		// The network has no members: the agent records its answer, one button per answer.
		await page.locator('button[formaction^="?/accepter"]').focus();
		await page.keyboard.press('Enter');
		await expect
			.poll(() => page.locator('h1').textContent(), { timeout: 10_000 })
			.toContain('Acceptée');
		const history = await page.locator('ol.history li').allTextContents();
		expect(history.map((h) => h.split('—')[0]?.trim())).toEqual(['Envoyée', 'Acceptée']);
		await screenshot(page, 'orientation');

		// It is in the agent's orientations (every status by default), by its reference.
		await page.goto('/orientations');
		const row = page.locator('table.data tbody tr', { hasText: reference });
		expect(await row.textContent()).toContain(network.name);
		expect(await row.textContent()).toContain('Acceptée');
		expect(await row.locator(`a[href="/orientations/${reference}"]`).count()).toBe(1);
	});

	test('the same request at 70: the network is excluded for its age limit', async ({ page }) => {
		await page.goto('/orienter');
		await page.waitForSelector('html[data-hydrated="true"]');
		await page.fill('#place', '13004');
		await page.fill('#age', '70');
		await page.selectOption('#dominant', 'medical');
		await page.check('input[name=criteria][value=isolement]');
		await page.click('button[formaction="?/evaluer"]');
		await page.locator('.rec').first().waitFor();
		const network = demo.find((s) => s.kind === 'reseau_sante') as DemoStructure;
		await expect
			.poll(async () => (await page.locator('.rec .name').allTextContents()).includes(network.name))
			.toBe(false);
		const excluded = page.locator('details.excluded');
		await excluded.locator('summary').click();
		expect(await excluded.textContent()).toMatch(new RegExp(`${network.name}.*Âge`));
	});
});
