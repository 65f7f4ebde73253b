import { localDay } from '$lib/domain/local-time';
import type { Page } from 'playwright-core';
import { beforeAll, describe } from 'vitest';
import { formatDate } from '$lib/format';
import { apiToken, request, sessionOf } from '../http';
import {
	contextOptions,
	expect,
	expectNoAxeViolations,
	screenshot,
	signIn,
	testAs
} from '../fixtures';

/**
 * The one-page synthesis for a concertation meeting: a pilot opens it from the territory page,
 * reads the territory, the period in French and the day; the cells by status are the API's grid;
 * orientation counts under 5 read « < 5 », none reads 0; an empty period says so; it prints on one
 * A4 page and reads without JavaScript. A partner is refused it as the pilot's desk refuses him.
 * Its own territory (two communes of the Gard), structures and orientations.
 */

const test = testAs('pilot');
const TERRITORY = {
	id: 'e2e-synthese-gard',
	name: 'Nîmes et Alès (e2e)',
	communes: ['30189', '30007']
};
const STRUCTURES = [
	{
		id: 'e2e-synthese-ccas-nimes',
		name: 'CCAS de Nîmes (e2e)',
		kind: 'ccas',
		commune: '30189',
		coverage: ['30189'],
		problems: ['droits', 'finances'],
		level_min: 'information',
		level_max: 'coordonnee'
	},
	{
		id: 'e2e-synthese-clic-gard',
		name: 'CLIC du Gard rhodanien (e2e)',
		kind: 'clic',
		commune: '30007',
		coverage: ['30189', '30007'],
		problems: ['droits'],
		level_min: 'information',
		level_max: 'simple'
	}
];
/**
 * The fullest page: six structures with long names all taking rights everywhere (fifteen pairs,
 * five shown), six destinations (five shown) and orphans in six gaps (five shown).
 */
const FULL = {
	id: 'e2e-synthese-camargue',
	name: 'Petite Camargue gardoise et Costières de Nîmes (e2e)',
	communes: ['30003', '30258'],
	structures: [1, 2, 3, 4, 5, 6].map((n) => ({
		id: `e2e-synthese-camargue-${n}`,
		name: `Dispositif d’appui à la coordination des parcours complexes de Petite Camargue, antenne ${n} (e2e)`,
		kind: 'dac',
		coverage: ['30003', '30258'],
		problems: ['droits', 'finances', 'gestion_courante'],
		level_min: 'information',
		level_max: 'complexe'
	}))
};
const FULL_GAPS = [
	'medical',
	'sante_mentale',
	'troubles_cognitifs',
	'soins_domicile',
	'logement',
	'aidants'
];
const PAGE = `/territoires/${TERRITORY.id}/synthese`;
const DU = '2025-01-01';

interface Cell {
	problem: string;
	level: string;
	structures: string[];
	status: 'gap' | 'single' | 'overlap';
}

async function orient(
	territory: string,
	commune: string,
	problems: string[],
	structure: string | null
): Promise<void> {
	const response = await request('/api/v1/orientations', {
		token: apiToken('agent'),
		json: {
			territory,
			commune,
			age: 80,
			apa: false,
			problems,
			criteria: [],
			request_type: 'information',
			level: null,
			consent: true,
			structure
		}
	});
	const text = await response.text();
	expect(response.status, text).toBe(201);
}

async function hydrated(page: Page, url: string): Promise<void> {
	await page.goto(url);
	await page.waitForSelector('html[data-hydrated="true"]');
}

/** The number of pages of a PDF as Chromium writes it (one `/Type /Page` object a page). */
function pdfPages(pdf: Buffer): number {
	return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
}

async function putTerritory(
	id: string,
	name: string,
	communes: string[],
	structures: object[]
): Promise<void> {
	const put = await request(`/api/v1/territories/${id}`, {
		method: 'PUT',
		token: apiToken('pilot'),
		json: { name, communes }
	});
	expect(put.status, await put.text()).toBeLessThan(300);
	const imported = await request(`/api/v1/territories/${id}/structures?mode=replace`, {
		method: 'POST',
		token: apiToken('pilot'),
		json: structures
	});
	expect(imported.status, await imported.text()).toBeLessThan(300);
}

beforeAll(async () => {
	await putTerritory(TERRITORY.id, TERRITORY.name, TERRITORY.communes, STRUCTURES);
	// One orientation to a structure (rights, in Nîmes), one orphan (nobody takes medical).
	await orient(TERRITORY.id, '30189', ['droits'], 'e2e-synthese-ccas-nimes');
	await orient(TERRITORY.id, '30007', ['medical'], null);
});

describe('la synthèse du territoire', () => {
	test('a pilot reads it from the territory page; the cells are the API’s grid', async ({
		page
	}) => {
		await hydrated(page, `/territoires/${TERRITORY.id}`);
		await page.getByRole('link', { name: 'Synthèse pour la réunion' }).click();
		await page.waitForURL(`**${PAGE}`);
		await page.waitForSelector('html[data-hydrated="true"]');

		const au = localDay(new Date());
		await hydrated(page, `${PAGE}?du=${DU}&au=${au}`);
		expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
			'Synthèse du territoire'
		);
		expect(await page.getByTestId('territoire').textContent()).toBe(TERRITORY.name);
		expect(await page.getByTestId('periode').textContent()).toBe(
			`Période du 1er janvier 2025 au ${formatDate(au)}`
		);
		expect(await page.getByTestId('date').textContent()).toBe(
			`établie le ${formatDate(new Date())}`
		);
		expect(await page.inputValue('#du')).toBe(DU);
		expect(await page.inputValue('#au')).toBe(au);

		const response = await request(`/api/v1/territories/${TERRITORY.id}/coverage`, {
			token: apiToken('pilot')
		});
		expect(response.status).toBe(200);
		const { cells } = (await response.json()) as { cells: Cell[] };
		const count = (status: Cell['status']) => cells.filter((c) => c.status === status).length;
		// The data give the three statuses: rights at the first two levels are taken twice in Nîmes.
		expect(count('gap')).toBeGreaterThan(0);
		expect(count('single')).toBeGreaterThan(0);
		expect(count('overlap')).toBe(2);
		for (const status of ['gap', 'single', 'overlap'] as const) {
			expect(await page.locator(`#couverture dd[data-status=${status}]`).textContent()).toBe(
				String(count(status))
			);
		}
		expect(await page.locator('#couverture svg[role=img]').getAttribute('aria-label')).toBe(
			`Répartition des cases : ${count('gap')} trou, ${count('single')} pris, ${count('overlap')} chevauchement`
		);

		// One orphan, one orientation sent and none answered: « < 5 », and 0 as 0.
		expect(await page.getByTestId('orphelines').textContent()).toBe('< 5');
		const gaps = page.locator('#trous tbody tr');
		expect(await gaps.count()).toBe(1);
		expect(await gaps.first().textContent()).toContain('Problème médical à évaluer');
		expect(await page.getByTestId('envoyees').textContent()).toBe('< 5');
		expect(await page.getByTestId('acceptees').textContent()).toBe('0');
		expect(await page.getByTestId('refusees').textContent()).toBe('0');
		expect(await page.locator('#flux tbody tr').allTextContents()).toEqual([
			expect.stringContaining('CCAS de Nîmes (e2e)')
		]);
		const pair = await page.locator('#chevauchements tbody tr').allTextContents();
		expect(pair).toHaveLength(1);
		expect(pair[0]).toContain('CCAS de Nîmes (e2e)');
		expect(pair[0]).toContain('CLIC du Gard rhodanien (e2e)');
		expect(await page.getByTestId('vide').count()).toBe(0);
		expect(await page.getByRole('button', { name: 'Imprimer' }).count()).toBe(1);
		await expectNoAxeViolations(page);
		await screenshot(page, 'synthese');

		// Printed: no navigation, one A4 page.
		await page.emulateMedia({ media: 'print' });
		expect(await page.locator('header.site').isVisible()).toBe(false);
		expect(await page.locator('form.period').isVisible()).toBe(false);
		// page.pdf prints with the emulated media: print, as set above.
		const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
		expect(pdfPages(pdf)).toBe(1);
	});

	test('every list full, long names and all, it still prints on one page', async ({ page }) => {
		await putTerritory(FULL.id, FULL.name, FULL.communes, FULL.structures);
		// One orientation to each structure (six destinations), and orphans in six gaps.
		for (const s of FULL.structures) await orient(FULL.id, '30003', ['droits'], s.id);
		for (const problem of FULL_GAPS) await orient(FULL.id, '30258', [problem], null);

		await hydrated(page, `/territoires/${FULL.id}/synthese`);
		expect(await page.locator('#chevauchements tbody tr').count()).toBe(5);
		expect(await page.locator('#flux tbody tr').count()).toBe(5);
		expect(await page.locator('#flux').textContent()).toContain('… et 1 autre structure');
		expect(await page.locator('#trous tbody tr').count()).toBe(5);
		expect(await page.getByTestId('envoyees').textContent()).toBe('6');
		expect(await page.getByTestId('orphelines').textContent()).toBe('6');
		await expectNoAxeViolations(page);
		await page.emulateMedia({ media: 'print' });
		await screenshot(page, 'synthese-pleine-impression');
		const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
		expect(pdfPages(pdf)).toBe(1);
	});

	test('an empty period says so, its counts at 0', async ({ page }) => {
		await hydrated(page, `${PAGE}?du=2020-01-01&au=2020-01-31`);
		expect(await page.getByTestId('vide').textContent()).toContain(
			'Aucune orientation enregistrée sur la période.'
		);
		expect(await page.getByTestId('orphelines').textContent()).toBe('0');
		expect(await page.getByTestId('envoyees').textContent()).toBe('0');
		expect(await page.locator('#flux').textContent()).toContain(
			'Aucune orientation vers une structure sur la période.'
		);
		expect(await page.locator('#trous').textContent()).toContain(
			'Aucune demande sur la période dans les'
		);
		// The overlap is the grid's, whatever the period; nobody was oriented to either.
		expect(await page.locator('#chevauchements tbody tr td').last().textContent()).toBe('0 / 0');
	});

	test('it reads without JavaScript', async ({ browser }) => {
		const context = await browser.newContext(contextOptions({ javaScriptEnabled: false }));
		try {
			await signIn(context, 'pilot');
			const page = await context.newPage();
			await page.goto(`${PAGE}?du=${DU}`);
			expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
				'Synthèse du territoire'
			);
			expect(await page.locator('#couverture dd[data-status=overlap]').textContent()).toBe('2');
			expect(await page.getByTestId('orphelines').textContent()).toBe('< 5');
		} finally {
			await context.close();
		}
	});

	test('a partner is refused it, as he is the pilot’s desk', async () => {
		const session = await sessionOf('partner');
		const synthese = await request(PAGE, { session });
		const desk = await request(`/territoires/${TERRITORY.id}/pilotage`, { session });
		await synthese.arrayBuffer();
		await desk.arrayBuffer();
		expect(synthese.status).toBe(403);
		expect(synthese.status).toBe(desk.status);
		// And the pilot gets it.
		const pilot = await request(PAGE, { session: await sessionOf('pilot') });
		expect(pilot.status).toBe(200);
		expect(await pilot.text()).toContain('Synthèse du territoire');
	});
});
