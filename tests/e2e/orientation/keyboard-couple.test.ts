import { describe } from 'vitest';
import type { Page } from 'playwright-core';
import { levelLabel } from '$lib/domain/taxonomy';
import { apiToken, request } from '../http';
import { expect, expectNoAxeViolations, screenshot, testAs } from '../fixtures';

/**
 * The study's couple, oriented by a guichet agent on the phone, with the keyboard alone and at a
 * person's pace: both with Alzheimer's, a family conflict, alleged maltreatment, a legal
 * protection to set up, services overwhelmed, nobody around them able to coordinate, APA
 * beneficiaries. After every step the live answer has had time to come back: the focus must still
 * be where the agent left it, inside the form, and every input must still hold what was typed.
 */

const test = testAs('agent');

/** A person's pace: about eight keys a second. */
const KEY_DELAY_MS = 120;
/** Long enough for the live answer to come back (it waits for typing to pause). */
const SETTLE_MS = 1_200;

const PLACE = '13004';
const AGE = '84';
const DOMINANT = 'troubles_cognitifs';
const OTHERS = ['maltraitance', 'protection_juridique'];
// In the order of the form, since the agent tabs forward through it.
const CRITERIA = ['conflit_familial', 'sans_coordinateur', 'services_depasses'];

interface Typed {
	place?: string;
	age?: string;
	apa?: string;
	dominant?: string;
	problems: string[];
	criteria: string[];
}

async function focusDescription(page: Page): Promise<{ inForm: boolean; what: string }> {
	return page.evaluate(() => {
		const active = document.activeElement as HTMLInputElement | null;
		return {
			inForm: !!active?.closest('form.orienter'),
			what: active
				? `${active.tagName.toLowerCase()}#${active.id}[name=${active.name ?? ''}][value=${active.value ?? ''}]`
				: 'aucun'
		};
	});
}

/** Tabs forward until the focus is on `selector`, each stop inside the form. */
async function tabTo(page: Page, selector: string): Promise<void> {
	for (let i = 0; i < 80; i++) {
		if (await page.locator(selector).evaluate((el) => el === document.activeElement)) return;
		await page.keyboard.press('Tab');
		const focus = await focusDescription(page);
		expect(focus.inForm, `Tab est sorti du formulaire (${focus.what})`).toBe(true);
	}
	throw new Error(`${selector} jamais atteint avec Tab`);
}

/** What the form holds now, read from the inputs themselves. */
async function formState(page: Page): Promise<Typed> {
	return page.evaluate(() => {
		const form = document.querySelector('form.orienter') as HTMLFormElement;
		const data = new FormData(form);
		return {
			place: String(data.get('place') ?? ''),
			age: String(data.get('age') ?? ''),
			apa: String(data.get('apa') ?? ''),
			dominant: String(data.get('dominant') ?? ''),
			problems: data.getAll('problems').map(String),
			criteria: data.getAll('criteria').map(String)
		};
	});
}

/** Waits as a person would, then checks that focus and inputs are as the agent left them. */
async function settleAndCheck(page: Page, focused: string, typed: Typed): Promise<void> {
	await page.waitForTimeout(SETTLE_MS);
	const focus = await focusDescription(page);
	expect(focus.inForm, `le focus a quitté le formulaire (${focus.what})`).toBe(true);
	expect(
		await page.locator(focused).evaluate((el) => el === document.activeElement),
		`le focus devait rester sur ${focused}, il est sur ${focus.what}`
	).toBe(true);
	const state = await formState(page);
	expect(state.place).toBe(typed.place ?? '');
	expect(state.age).toBe(typed.age ?? '');
	expect(state.apa).toBe(typed.apa ?? '');
	expect(state.dominant).toBe(typed.dominant ?? '');
	expect(state.problems.sort()).toEqual([...typed.problems].sort());
	expect(state.criteria.sort()).toEqual([...typed.criteria].sort());
}

describe('the study’s couple, keyboard only', () => {
	test('every step keeps focus and input; the answer matches the API; recorded', async ({
		page
	}) => {
		await page.goto('/orienter');
		await page.waitForSelector('html[data-hydrated="true"]');
		const typed: Typed = { problems: [], criteria: [] };

		await page.locator('#place').focus();
		await page.keyboard.type(PLACE, { delay: KEY_DELAY_MS });
		typed.place = PLACE;
		await settleAndCheck(page, '#place', typed);

		await tabTo(page, '#age');
		await page.keyboard.type(AGE, { delay: KEY_DELAY_MS });
		typed.age = AGE;
		await settleAndCheck(page, '#age', typed);

		// The APA radios are one Tab stop; the arrows move the choice (« Ne sait pas » → « Oui »).
		await tabTo(page, 'input[name=apa]:checked');
		while ((await formState(page)).apa !== 'oui') {
			await page.keyboard.press('ArrowUp');
			await page.waitForTimeout(KEY_DELAY_MS);
		}
		typed.apa = 'oui';
		await settleAndCheck(page, 'input[name=apa][value=oui]', typed);

		await tabTo(page, '#dominant');
		const options = await page
			.locator('#dominant option')
			.evaluateAll((list) => list.map((o) => (o as HTMLOptionElement).value));
		for (let i = 0; i < options.indexOf(DOMINANT); i++) {
			await page.keyboard.press('ArrowDown');
			await page.waitForTimeout(KEY_DELAY_MS);
		}
		typed.dominant = DOMINANT;
		await settleAndCheck(page, '#dominant', typed);

		for (const problem of OTHERS) {
			const box = `input[name=problems][value=${problem}]`;
			await tabTo(page, box);
			await page.keyboard.press('Space');
			typed.problems.push(problem);
			await settleAndCheck(page, box, typed);
		}
		for (const criterion of CRITERIA) {
			const box = `input[name=criteria][value=${criterion}]`;
			await tabTo(page, box);
			await page.keyboard.press('Space');
			typed.criteria.push(criterion);
			await settleAndCheck(page, box, typed);
		}

		// The panel answers the form as it stands: the same request through the API gives the same
		// level and the same first structure.
		const api = await request('/api/v1/recommendations', {
			token: apiToken('agent'),
			json: {
				commune: '13204',
				age: Number(AGE),
				apa: true,
				problems: [DOMINANT, ...OTHERS],
				criteria: CRITERIA
			}
		});
		expect(api.status).toBe(200);
		const expected = (await api.json()) as {
			complexity: { level: string };
			recommendations: { structure: { name: string } }[];
		};
		const heading = page.locator('section.answer .complexity h3');
		await expect
			.poll(() => heading.textContent(), { timeout: 10_000 })
			.toBe(`Complexité : ${levelLabel(expected.complexity.level)}`);
		expect(await page.locator('.rec .name').allTextContents()).toEqual(
			expected.recommendations.map((r) => r.structure.name)
		);
		expect(await page.locator('section.answer [role=status]').textContent()).toContain(
			levelLabel(expected.complexity.level)
		);
		await expectNoAxeViolations(page);

		// Saving without consent: the summary takes focus, next to the button, and names consent.
		await tabTo(page, 'button[formaction="?/enregistrer"]');
		await page.keyboard.press('Enter');
		const summary = page.locator('.summary');
		await summary.waitFor();
		await expect.poll(() => summary.evaluate((el) => el === document.activeElement)).toBe(true);
		expect(await summary.textContent()).toContain('consentement');
		expect(await page.locator('#consent-erreur').textContent()).toContain('consentement');
		const state = await formState(page);
		expect(state.criteria.sort()).toEqual([...CRITERIA].sort());
		await screenshot(page, 'orienter-consentement');

		// Consent, then record: keyboard again (Tab from the summary reaches its link, then on).
		await page.locator('#consent').focus();
		await page.keyboard.press('Space');
		await tabTo(page, 'button[formaction="?/enregistrer"]');
		await page.keyboard.press('Enter');
		await page.waitForURL(/\/orientations\/[^/?]+\?enregistree=1/);
		expect(await page.locator('main').textContent()).toContain(
			expected.recommendations[0]?.structure.name ?? ''
		);
	});

	test('consent is asked only when the situation is transmitted', async ({ page }) => {
		await page.goto('/orienter');
		await page.waitForSelector('html[data-hydrated="true"]');
		expect(await page.locator('#consent').count()).toBe(0);
		await page.locator('#place').focus();
		await page.keyboard.type(PLACE, { delay: 30 });
		await page.selectOption('#dominant', 'medical');
		await page.locator('.rec').first().waitFor();
		expect(await page.locator('#consent').count()).toBe(1);
	});
});
