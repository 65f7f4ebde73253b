import { describe } from 'vitest';
import { DEMO_TERRITORY_ID } from '../demo-data';
import { expect, expectNoAxeViolations, screenshot, testAs } from '../fixtures';
import { apiToken, request } from '../http';
import { CHANGE_STEPS, OFFLINE_STYLE } from '$lib/components/map/style';
import { CANVAS, instrumentMap, mapIdle } from '../map/map-page';
import { blend, decodePng, hex, shareOf } from '../map/png';

/**
 * Issue 16, « Done when »: a pilot runs a what-if from the chart — a structure that alone takes a
 * cell closes —, sees the cell turn into a gap, adopts it as a rule, and the chart then shows the
 * gap. The rule is undone from the desk's history at the end, so the other files see the demo as
 * it was. The cell is chosen from the API's grid, not hard-coded.
 */

const test = testAs('pilot');

interface Cell {
	problem: string;
	level: string;
	structures: string[];
	status: string;
}

async function coverage(): Promise<Cell[]> {
	const response = await request(`/api/v1/territories/${DEMO_TERRITORY_ID}/coverage`, {
		token: apiToken('pilotMarseille')
	});
	expect(response.status).toBe(200);
	return ((await response.json()) as { cells: Cell[] }).cells;
}

describe('et si… ?', () => {
	test('closing the lone structure of a cell makes it a gap; adopted, the chart shows it', async ({
		page
	}) => {
		const lone = (await coverage()).find((c) => c.status === 'single' && c.structures.length === 1);
		expect(lone).toBeDefined();
		const cell = lone as Cell;
		const key = `${cell.problem}|${cell.level}`;
		const structure = cell.structures[0] as string;

		// The API says what the page will say.
		const simulated = await request(`/api/v1/territories/${DEMO_TERRITORY_ID}/simulations`, {
			method: 'POST',
			token: apiToken('pilotMarseille'),
			json: { close: [structure] }
		});
		expect(simulated.status).toBe(200);
		const answer = (await simulated.json()) as {
			cells: { problem: string; level: string; before: string; after: string }[];
			communes: { code: string; gaps_before: number; gaps_after: number }[];
		};
		expect(answer.cells.find((c) => `${c.problem}|${c.level}` === key)).toMatchObject({
			before: 'single',
			after: 'gap'
		});

		await instrumentMap(page);
		await page.goto(`/territoires/${DEMO_TERRITORY_ID}/axes`);
		await page.waitForSelector('html[data-hydrated="true"]');
		await page.getByRole('link', { name: /Simuler un changement/ }).click();
		await page.waitForURL(/\/simulation/);
		await page.waitForSelector('html[data-hydrated="true"]');
		await expectNoAxeViolations(page);
		await page.selectOption('#fermer-structure', structure);
		await page.getByRole('button', { name: 'Simuler la fermeture' }).click();
		await page.waitForURL(/fermer=/);
		const td = page.locator(`td[data-cell="${key}"]`);
		await expect.poll(() => td.getAttribute('data-after'), { timeout: 10_000 }).toBe('gap');
		expect(await td.getAttribute('data-before')).toBe('single');
		expect(await td.textContent()).toContain('Prise → Trou');
		expect(await page.getByTestId('summary').textContent()).toMatch(
			/\d+\s*case\(s\) deviendraient des trous/
		);
		await expectNoAxeViolations(page);
		await screenshot(page, 'what-if');

		// The map paints each commune by the gaps it gains: the API's communes say which colour.
		const worse = answer.communes.filter((c) => c.gaps_after > c.gaps_before);
		expect(worse.length).toBeGreaterThan(0);
		for (const c of worse) {
			expect(await page.locator(`tr[data-commune="${c.code}"]`).count(), c.code).toBe(1);
		}
		await page.locator(CANVAS).scrollIntoViewIfNeeded();
		await mapIdle(page);
		const image = decodePng(await page.locator(CANVAS).screenshot());
		const background = hex(
			(OFFLINE_STYLE.layers[0] as { paint: { 'background-color': string } }).paint[
				'background-color'
			]
		);
		const stepOf = (v: number) => [...CHANGE_STEPS].reverse().find((s) => v >= s.from);
		for (const c of worse) {
			const colour = blend(
				hex(stepOf(c.gaps_after - c.gaps_before)?.colour as string),
				0.65,
				background
			);
			expect(
				shareOf(image, colour),
				`commune ${c.code} : couleur des trous gagnés`
			).toBeGreaterThan(0.005);
		}

		// Shareable: the same URL in a new page gives the same answer.
		const shared = page.url();
		await page.goto(shared);
		expect(await page.locator(`td[data-cell="${key}"]`).getAttribute('data-after')).toBe('gap');

		// Adopted as a rule: the chart shows the gap.
		await page.fill('#reason', 'Concertation du 3 décembre : fermeture annoncée');
		await page.getByRole('button', { name: 'Adopter le scénario' }).click();
		await page.waitForURL(/adopte=1-0-0/);
		expect(await page.getByRole('status').textContent()).toContain('1 règle(s)');
		expect((await coverage()).find((c) => `${c.problem}|${c.level}` === key)?.status).toBe('gap');
		await page.goto(`/territoires/${DEMO_TERRITORY_ID}/axes?vue=toutes`);
		expect(await page.locator(`td[data-cell="${key}"]`).getAttribute('class')).toContain('gap');

		// Undone from the desk's history: as before.
		await page.goto(`/territoires/${DEMO_TERRITORY_ID}/pilotage`);
		await page.waitForSelector('html[data-hydrated="true"]');
		await page
			.locator('#regles ol.history li', { hasText: 'Ajoutée' })
			.first()
			.getByRole('button', { name: 'Annuler cette modification' })
			.click();
		await expect
			.poll(async () => (await coverage()).find((c) => `${c.problem}|${c.level}` === key)?.status, {
				timeout: 10_000
			})
			.toBe('single');
	});
});
