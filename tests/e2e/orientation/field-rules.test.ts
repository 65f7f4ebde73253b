import { describe } from 'vitest';
import type { Page } from 'playwright-core';
import { apiToken, request } from '../http';
import { expect, expectNoAxeViolations, screenshot, testAs } from '../fixtures';

/**
 * Two rules of issue 13 as the guichet agent meets them in /orienter: a disabled adult of 45 in
 * the 4e is oriented (not left orphan), and a complex situation below the MAIA gate shows the
 * three conditions, names case management « à proposer si … », and lets the agent propose it
 * with a reason. Each answer on the page is compared with the API's answer to the same request.
 */

const test = testAs('agent');

interface Answer {
	complexity: {
		level: string;
		case_management: { met: boolean; conditions: { label: string; met: boolean }[] };
	};
	recommendations: { structure: { name: string; kind: string } }[];
	excluded: { structure: { kind: string }; reasons: string[] }[];
	orphan: boolean;
}

async function apiAnswer(json: Record<string, unknown>): Promise<Answer> {
	const response = await request('/api/v1/recommendations', { token: apiToken('agent'), json });
	expect(response.status).toBe(200);
	return (await response.json()) as Answer;
}

async function open(page: Page): Promise<void> {
	await page.goto('/orienter');
	await page.waitForSelector('html[data-hydrated="true"]');
	await page.locator('#place').fill('13004');
}

/** Waits until the panel lists the API's recommendations, in its order. */
async function expectPanel(page: Page, expected: Answer): Promise<void> {
	await expect
		.poll(() => page.locator('.rec .name').allTextContents(), { timeout: 10_000 })
		.toEqual(expected.recommendations.map((r) => r.structure.name));
}

describe('the field’s rules in /orienter', () => {
	test('a disabled adult of 45 in the 4e is oriented', async ({ page }) => {
		await open(page);
		await page.locator('#age').fill('45');
		await page.locator('input[name=handicap][value=oui]').check();
		await page.selectOption('#dominant', 'perte_autonomie');
		const expected = await apiAnswer({
			commune: '13204',
			age: 45,
			handicap: true,
			problems: ['perte_autonomie']
		});
		expect(expected.orphan).toBe(false);
		expect(expected.recommendations.length).toBeGreaterThan(0);
		await expectPanel(page, expected);
		expect(await page.locator('.orphan').count()).toBe(0);
		await expectNoAxeViolations(page);
		await screenshot(page, 'orienter-handicap-45');
	});

	test('complex below the MAIA gate: the checklist, « à proposer si … », and the agent’s reason', async ({
		page
	}) => {
		await open(page);
		await page.locator('#age').fill('80');
		await page.selectOption('#dominant', 'perte_autonomie');
		for (const problem of ['medical'])
			await page.locator(`input[name=problems][value=${problem}]`).check();
		for (const criterion of ['isolement', 'refus_aide', 'conflit_familial'])
			await page.locator(`input[name=criteria][value=${criterion}]`).check();
		const base = {
			commune: '13204',
			age: 80,
			problems: ['perte_autonomie', 'medical'],
			criteria: ['isolement', 'conflit_familial', 'refus_aide']
		};
		const expected = await apiAnswer(base);
		expect(expected.complexity.level).toBe('complexe');
		expect(expected.complexity.case_management.met).toBe(false);
		await expectPanel(page, expected);

		// The checklist: each condition, held or missing, as the API says.
		const items = page.locator('ul.gate li');
		expect(await items.count()).toBe(3);
		for (const [i, condition] of expected.complexity.case_management.conditions.entries()) {
			const item = items.nth(i);
			expect(await item.textContent()).toContain(condition.label);
			expect((await item.getAttribute('class'))?.split(' ')).toContain(
				condition.met ? 'met' : 'missing'
			);
		}
		// Case management among the set-aside, « à proposer si … ».
		await page.locator('details.excluded summary').click();
		expect(await page.locator('details.excluded').textContent()).toMatch(
			/Gestion de cas : à proposer si/
		);
		expect(expected.recommendations.map((r) => r.structure.kind)).not.toContain('gestion_cas');
		await screenshot(page, 'orienter-porte-maia');

		// The agent proposes it anyway, saying why: case management comes into the answer.
		await page
			.locator('#case_management_reason')
			.fill('Vu en concertation : épuisement de la fille, seule aidante');
		const proposed = await apiAnswer({
			...base,
			case_management_reason: 'Vu en concertation : épuisement de la fille, seule aidante'
		});
		expect(proposed.recommendations.map((r) => r.structure.kind)).toContain('gestion_cas');
		await expectPanel(page, proposed);
		await expectNoAxeViolations(page);
	});
});
