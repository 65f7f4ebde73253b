import { describe } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { MEMBER_STRUCTURES } from '../../setup/e2e-accounts';
import { account, apiToken, request } from '../http';
import {
	contextOptions,
	expect,
	expectNoAxeViolations,
	screenshot,
	testAs,
	watchedPage
} from '../fixtures';

/**
 * The referral loop in the browser (issue 14): the agent orients a medical request to the
 * hospital's geriatric centre, whose member signs in through the sign-in page, finds it in the
 * structure's inbox and refuses it with a coded reason; the agent sees the refusal on the record,
 * re-orients (the hospital left out, named among the exclusions) to the geriatric mobile team,
 * whose member accepts. Both structures have members (tests/setup/e2e-accounts.ts); the agent
 * cannot answer for them.
 */

const test = testAs('agent');

const REQUEST = {
	commune: '13204',
	age: 82,
	apa: false,
	problems: ['medical', 'troubles_cognitifs'],
	criteria: ['isolement']
};

interface Recommendation {
	structure: { id: string; name: string };
}

async function recommended(): Promise<Recommendation[]> {
	const response = await request('/api/v1/recommendations', {
		token: apiToken('agent'),
		json: REQUEST
	});
	expect(response.status).toBe(200);
	return ((await response.json()) as { recommendations: Recommendation[] }).recommendations;
}

/** A member's own browser context, signed in through the sign-in page as a person would. */
async function memberPage(browser: Browser, name: 'memberHospital' | 'memberEmg') {
	const context = await browser.newContext(contextOptions());
	const { page, errors } = await watchedPage(context);
	const who = account(name);
	await page.goto('/connexion');
	await page.waitForSelector('html[data-hydrated="true"]');
	await page.fill('#email', who.email);
	await page.fill('#password', who.password);
	await page.getByRole('button', { name: 'Se connecter' }).click();
	await page.waitForURL((url) => !url.pathname.startsWith('/connexion'));
	return { page, errors, close: () => context.close() };
}

async function openRequestInInbox(page: Page, structureId: string, reference: string) {
	// The navigation names the member's structure; its inbox lists the request.
	await page
		.getByRole('link', { name: /Demandes reçues/ })
		.first()
		.click();
	await page.waitForURL(new RegExp(`/structures/${encodeURIComponent(structureId)}/demandes`));
	const row = page.locator('tr', { hasText: reference });
	await row.waitFor();
	await row.getByRole('link').first().click();
	await page.waitForURL(/orientation=/);
	await page.waitForSelector('html[data-hydrated="true"]');
}

describe('the referral loop', () => {
	test('orient → the member refuses in its inbox → re-orient → the second structure accepts', async ({
		page,
		context
	}) => {
		const ranked = await recommended();
		const hospital = ranked.find((r) => r.structure.id === MEMBER_STRUCTURES.hospital);
		const emg = ranked.find((r) => r.structure.id === MEMBER_STRUCTURES.emg);
		expect(hospital, 'le centre gérontologique est recommandé').toBeDefined();
		expect(emg, 'l’équipe mobile gériatrique est recommandée').toBeDefined();

		// The agent orients to the hospital.
		await page.goto('/orienter');
		await page.waitForSelector('html[data-hydrated="true"]');
		await page.fill('#place', '13204');
		await page.fill('#age', '82');
		await page.check('input[name=apa][value=non]');
		await page.selectOption('#dominant', 'medical');
		await page.check('input[name=problems][value=troubles_cognitifs]');
		await page.check('input[name=criteria][value=isolement]');
		await page.locator('.rec .name').first().waitFor();
		await page.check(`input[name=structure][value="${MEMBER_STRUCTURES.hospital}"]`);
		await page.fill('#note', 'Appel du médecin traitant, troubles de la mémoire récents.');
		await page.check('#consent');
		await page.click('button[formaction="?/enregistrer"]');
		await page.waitForURL(/\/orientations\/[^/?]+\?enregistree=1/);
		const title = (await page.locator('h1').textContent()) ?? '';
		const reference = /OR-\d{4}-\d{5,}/.exec(title)?.[0] as string;
		expect(reference).toBeDefined();
		const recordUrl = page.url().split('?')[0] as string;
		// The hospital has members: the agent does not answer for it.
		expect(await page.locator('main').textContent()).toContain('répond sur Bon Tiers');
		expect(await page.locator('#refuser-motif').count()).toBe(0);

		// The hospital's member signs in, finds it in the inbox — the age as a band — and refuses.
		const browser = context.browser() as Browser;
		const hospitalMember = await memberPage(browser, 'memberHospital');
		try {
			const p = hospitalMember.page;
			await openRequestInInbox(p, MEMBER_STRUCTURES.hospital, reference);
			const shown = (await p.locator('main').textContent()) ?? '';
			expect(shown).toContain('80–84 ans');
			expect(shown).not.toMatch(/\b82 ans\b/);
			expect(shown).toContain('troubles de la mémoire récents');
			await expectNoAxeViolations(p);
			await screenshot(p, 'boite-de-reception');
			await p.selectOption('#refuser-motif', 'file_active_complete');
			await p.fill('#refuser-precisions', 'Plus de place avant janvier');
			await p.getByRole('button', { name: 'Refuser', exact: true }).click();
			await p.waitForURL(/reponse=refused/);
			expect(await p.locator('main').textContent()).toContain('Réponse enregistrée');
			hospitalMember.errors.expectNone();
		} finally {
			await hospitalMember.close();
		}

		// The agent sees the answer on the record, given by the structure, and re-orients.
		await page.goto(recordUrl);
		expect(await page.locator('h1').textContent()).toContain('Refusée');
		const history = (await page.locator('ol.history').textContent()) ?? '';
		expect(history).toContain('File active complète');
		expect(history).toContain('réponse de la structure');
		await page.getByRole('link', { name: 'Réorienter', exact: true }).click();
		await page.waitForURL(/\/orienter\?depuis=/);
		await page.waitForSelector('html[data-hydrated="true"]');
		await page.click('button[formaction="?/evaluer"]');
		await page.locator('.rec .name').first().waitFor();
		await expect
			.poll(() => page.locator('.rec', { hasText: hospital!.structure.name }).count())
			.toBe(0);
		expect(
			await page.locator('details.excluded li', { hasText: hospital!.structure.name }).textContent()
		).toMatch(new RegExp(`A refusé l’orientation ${reference} : File active complète`));
		await page.check(`input[name=structure][value="${MEMBER_STRUCTURES.emg}"]`);
		await page.check('#consent');
		await page.click('button[formaction="?/enregistrer"]');
		await page.waitForURL(/\/orientations\/[^/?]+\?enregistree=1/);
		const second = /OR-\d{4}-\d{5,}/.exec((await page.locator('h1').textContent()) ?? '')?.[0];
		expect(second).toBeDefined();
		expect(second).not.toBe(reference);
		expect(await page.locator('main').textContent()).toContain(reference);

		// The mobile team's member accepts.
		const emgMember = await memberPage(browser, 'memberEmg');
		try {
			const p = emgMember.page;
			await openRequestInInbox(p, MEMBER_STRUCTURES.emg, second as string);
			await p.getByRole('button', { name: 'Accepter', exact: true }).click();
			await p.waitForURL(/reponse=accepted/);
			emgMember.errors.expectNone();
		} finally {
			await emgMember.close();
		}

		// The agent's records show both answers; the first links to its re-orientation.
		await page.goto(recordUrl);
		expect(await page.locator('main').textContent()).toContain(second as string);
		await page.goto('/orientations');
		const row = page.locator('table.data tbody tr', { hasText: second as string });
		expect(await row.textContent()).toContain('Acceptée');
		// The API tells the same: history with the coded reason, by the structure, linked both ways.
		const response = await request(`/api/v1/orientations/${reference}`, {
			token: apiToken('agent')
		});
		const first = (await response.json()) as {
			status: string;
			next: string | null;
			history: { status: string; reason_code: string | null; by_structure: boolean }[];
		};
		expect(first.status).toBe('refused');
		expect(first.next).not.toBeNull();
		expect(first.history.at(-1)).toMatchObject({
			status: 'refused',
			reason_code: 'file_active_complete',
			by_structure: true
		});
	});
});
