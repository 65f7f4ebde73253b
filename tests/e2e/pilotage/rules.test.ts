import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { describe } from 'vitest';
import { DEMO_TERRITORY_ID, demoStructures } from '../demo-data';
import { expect, expectNoAxeViolations, screenshot, testAs } from '../fixtures';

/**
 * The pilot's desk in a browser (issue 7, "Done when"): a pilot adds a territory rule agreed in
 * concertation, the guichet's recommendation changes because of it (the rule among its reasons),
 * the pilot undoes the change from the history and the recommendation comes back as before. Also:
 * no axe violation, a CSV export downloaded, « Vérifiée aujourd’hui » on a stale structure.
 * Independent of the other files: every rule added here is undone.
 */

const test = testAs('pilot');
const DESK = `/territoires/${DEMO_TERRITORY_ID}/pilotage`;
const REASON = 'Concertation MAIA du 12 mars : le réseau de proximité d’abord';

interface Answer {
	names: string[];
	firstReasons: string[];
}

/**
 * The guichet's answer to one request: medical at 82 in Marseille 4e, isolated person.
 *
 * The form is filled without events, then evaluated once: the page also evaluates itself 350 ms
 * after each change, and a submission while another is in flight is sent with the place and age
 * emptied (the pending re-render resets the text inputs to the last answer's values), so the usual
 * fill-then-click would race with that second submission.
 */
async function recommendation(page: Page): Promise<Answer> {
	await page.goto('/orienter');
	await page.waitForSelector('html[data-hydrated="true"]');
	await page.evaluate(() => {
		const field = (id: string) => document.getElementById(id) as HTMLInputElement;
		field('place').value = '13004';
		field('age').value = '82';
		(document.getElementById('dominant') as HTMLSelectElement).value = 'medical';
		(document.querySelector('input[name=criteria][value=isolement]') as HTMLInputElement).checked =
			true;
	});
	await page.click('button[formaction="?/evaluer"]');
	const answer = page.locator('section.answer');
	await expect
		.poll(
			async () =>
				(await answer.getAttribute('aria-busy')) === 'false' &&
				(await page.locator('.rec .name').count()) > 0,
			{ timeout: 15_000 }
		)
		.toBe(true);
	expect(await answer.getByRole('heading', { level: 3 }).textContent()).toContain(
		'Situation à coordonner'
	);
	expect(await page.inputValue('#place')).toBe('13004');
	return {
		names: await page.locator('.rec .name').allTextContents(),
		firstReasons: await page.locator('.rec').first().locator('.reasons li').allTextContents()
	};
}

async function openDesk(page: Page): Promise<void> {
	await page.goto(DESK);
	await page.waitForSelector('html[data-hydrated="true"]');
}

/** The value of the option of a <select> whose text is exactly this name. */
async function optionValue(page: Page, select: string, name: string): Promise<string> {
	const options = await page
		.locator(`${select} option`)
		.evaluateAll((nodes) =>
			nodes.map((n) => ({ value: (n as HTMLOptionElement).value, text: n.textContent?.trim() }))
		);
	const found = options.filter((o) => o.text === name);
	expect(found, `option « ${name} » de ${select}`).toHaveLength(1);
	return found[0]?.value as string;
}

describe('le bureau du pilote', () => {
	test('a territory rule changes the recommendation, with its reason; undone, it comes back', async ({
		page
	}) => {
		const before = await recommendation(page);
		expect(before.names.length).toBeGreaterThanOrEqual(3);
		expect(before.firstReasons.some((r) => r.startsWith('Règle du territoire'))).toBe(false);
		// Another recommended structure, not the first: the last one.
		const chosen = before.names[before.names.length - 1] as string;
		expect(chosen).not.toBe(before.names[0]);

		await openDesk(page);
		await expectNoAxeViolations(page);
		const rules = page.locator('#regles');
		expect(await rules.textContent()).toContain('Aucune règle en vigueur.');
		await rules.locator('summary', { hasText: 'Ajouter une règle' }).click();
		await page.selectOption('#effect', { label: 'Privilégier' });
		const structureId = await optionValue(page, '#structure', chosen);
		expect(demoStructures.find((s) => s.name === chosen)?.id).toBe(structureId);
		await page.selectOption('#structure', structureId);
		await page.selectOption('#problem', 'medical');
		await page.fill('#reason', REASON);
		await page.click('button:has-text("Ajouter la règle")');
		const active = rules.locator(`li[data-rule]`);
		await expect.poll(() => active.count(), { timeout: 10_000 }).toBe(1);
		expect(await active.textContent()).toContain(`À privilégier ${chosen}`);
		expect(await active.textContent()).toContain(REASON);
		const added = rules
			.locator('ol.history li', { hasText: 'Ajoutée' })
			.filter({ hasText: chosen });
		expect(await added.count()).toBe(1);
		await expectNoAxeViolations(page);
		await screenshot(page, 'pilotage');

		// The guichet now puts that structure first, and says why.
		const during = await recommendation(page);
		expect(during.names[0]).toBe(chosen);
		expect(during.firstReasons[0]).toMatch(/^Règle du territoire/);
		expect(during.firstReasons[0]).toContain(REASON);
		expect([...during.names].sort()).toEqual([...before.names].sort());

		// « Retirer », with a reason: the page says what was removed and offers the undo at once,
		// on the desk as it was — its period kept, as every action of the desk keeps it.
		const period = { du: '2025-03-01', au: '2026-02-28' };
		await page.goto(`${DESK}?du=${period.du}&au=${period.au}`);
		await page.waitForSelector('html[data-hydrated="true"]');
		const periodOf = () => {
			const params = new URL(page.url()).searchParams;
			return { du: params.get('du'), au: params.get('au') };
		};
		const rule = rules.locator('li[data-rule]');
		await rule.getByRole('textbox', { name: 'Motif du retrait' }).fill('Essai de retrait');
		await rule.getByRole('button', { name: 'Retirer' }).click();
		const removal = page.getByTestId('regle-retiree');
		await removal.waitFor();
		expect(await removal.getAttribute('role')).toBe('status');
		expect(await removal.innerText()).toContain(`Règle retirée : À privilégier ${chosen}.`);
		expect(await rules.locator('li[data-rule]').count()).toBe(0);
		expect(periodOf()).toEqual(period);
		await expectNoAxeViolations(page);
		await removal.getByRole('button', { name: 'Annuler le retrait' }).click();
		await expect.poll(() => rules.locator('li[data-rule]').count(), { timeout: 10_000 }).toBe(1);
		await removal.waitFor({ state: 'detached' });
		expect(periodOf()).toEqual(period);
		// The history says who removed it and why, apart.
		expect(
			await rules.locator('ol.history li', { hasText: 'Essai de retrait' }).textContent()
		).toMatch(/par .+\S — Essai de retrait/);
		expect(await rules.locator('li[data-rule]').textContent()).toContain(REASON);

		// Undo the addition from the history.
		await openDesk(page);
		const undo = rules
			.locator('ol.history li', { hasText: 'Ajoutée' })
			.filter({ hasText: chosen })
			.getByRole('button', { name: 'Annuler cette modification' });
		await undo.click();
		await expect.poll(() => rules.locator('li[data-rule]').count(), { timeout: 10_000 }).toBe(0);
		expect(await rules.textContent()).toContain('Aucune règle en vigueur.');
		const removed = rules
			.locator('ol.history li', { hasText: 'Retirée' })
			.filter({ hasText: chosen });
		// The removal of the step above, and the undoing of the addition.
		expect(await removed.allTextContents()).toEqual([
			expect.stringContaining('annulation de la modification'),
			expect.stringContaining('Essai de retrait')
		]);

		const after = await recommendation(page);
		expect(after.names).toEqual(before.names);
		expect(after.firstReasons).toEqual(before.firstReasons);
	});

	test('the overlaps export downloads as CSV with its header', async ({ page }) => {
		await openDesk(page);
		const link = page.locator('#chevauchements a', { hasText: 'Exporter (CSV)' });
		expect(await link.getAttribute('href')).toMatch(
			/export\.csv\?tableau=chevauchements&du=.+&au=/
		);
		const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
		expect(download.suggestedFilename()).toMatch(
			new RegExp(
				`^chevauchements-${DEMO_TERRITORY_ID}-\\d{4}-\\d{2}-\\d{2}-\\d{4}-\\d{2}-\\d{2}\\.csv$`
			)
		);
		const text = fs.readFileSync(await download.path(), 'utf8');
		// For a French spreadsheet: UTF-8 with a BOM, `;` between cells.
		expect(text.startsWith('\uFEFF')).toBe(true);
		const [header, ...rows] = text.slice(1).trim().split('\n');
		expect(header).toBe(
			'structure_a;structure_b;cases;communes;surface;orientations_a;orientations_b;regle_de_fait'
		);
		// The demo territory has overlapping structures; each row names two of them.
		const rowCount = await page.locator('#chevauchements tbody tr').count();
		expect(rowCount).toBeGreaterThan(0);
		// The page shows the largest pairs; the export gives them all, the page's first.
		expect(rows.length).toBeGreaterThanOrEqual(rowCount);
		const shown = await page.locator('#chevauchements tbody tr td:first-child').allInnerTexts();
		for (const [i, cell] of shown.entries()) {
			const [a, b] = cell.split('\n');
			expect(rows[i], `ligne ${i + 1}`).toContain(a ?? '');
			expect(rows[i], `ligne ${i + 1}`).toContain(b ?? '');
		}
		const names = new Set(demoStructures.map((s) => s.name));
		const first = rows[0] as string;
		expect([...names].some((n) => first.startsWith(n) || first.startsWith(`"${n}`))).toBe(true);
	});

	test('« Vérifiée aujourd’hui » removes a stale structure from the list', async ({ page }) => {
		await openDesk(page);
		const stale = page.locator('#fraicheur ul.stale > li');
		const count = await stale.count();
		expect(count).toBeGreaterThan(0);
		// A structure the rule test does not look at: not a medical one.
		const names = await stale.locator('a').allTextContents();
		const medical = new Set(
			demoStructures.filter((s) => s.problems.includes('medical')).map((s) => s.name)
		);
		const name = names.find((n) => !medical.has(n)) as string;
		expect(name).toBeDefined();
		await stale
			.filter({ has: page.getByRole('link', { name, exact: true }) })
			.getByRole('button', { name: 'Vérifiée aujourd’hui' })
			.click();
		await expect.poll(() => stale.count(), { timeout: 10_000 }).toBe(count - 1);
		expect(await stale.locator('a').allTextContents()).not.toContain(name);
		// It stays verified after a reload.
		await openDesk(page);
		expect(await page.locator('#fraicheur ul.stale > li a').allTextContents()).not.toContain(name);
		await expectNoAxeViolations(page);
	});
});
