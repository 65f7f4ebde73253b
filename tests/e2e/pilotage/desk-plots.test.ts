import { localMonth } from '$lib/domain/local-time';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe } from 'vitest';
import { OUTCOMES, monthLabel } from '$lib/domain/desk';
import { LEVELS, PROBLEMS } from '$lib/domain/taxonomy';
import { formatDate } from '$lib/format';
import { REFUSAL_REASONS } from '$lib/schemas/orientation';
import { apiToken, request, sessionOf } from '../http';
import { expect, expectNoAxeViolations, screenshot, testAs } from '../fixtures';

/**
 * The pilot's desk at a glance: a territory of its own (three communes of the Vaucluse, which no
 * other browser test uses), two services with a caseload, and orientations with known outcomes
 * recorded through the API — so each chart's table can be checked figure by figure: counts of 5
 * or more shown, 1 to 4 « < 5 », none 0. Each chart rendered an <svg> (Observable Plot, drawn in
 * the browser), suppressed counts draw no bar, and the printed desk has its header (territory,
 * period in French, print date). The desk's CSV is UTF-8 with BOM, `;`, French labels.
 */

const test = testAs('pilot');
const TERRITORY = { id: 'e2e-pilotage-graphiques', name: 'Graphiques du pilotage (e2e)' };
/** Avignon, Carpentras, Orange. */
const COMMUNES = { avignon: '84007', carpentras: '84031', orange: '84087' } as const;
const CCAS = 'e2e-graphiques:ccas';
const SSIAD = 'e2e-graphiques:ssiad';
const DESK = `/territoires/${TERRITORY.id}/pilotage`;
const SHOTS = fileURLToPath(new URL('../../../test-results/screenshots', import.meta.url));

function structures(ccasLoad: number, ssiadLoad: number) {
	return [
		{
			id: CCAS,
			name: 'CCAS des graphiques',
			kind: 'ccas',
			coverage: Object.values(COMMUNES),
			problems: ['droits', 'finances'],
			level_min: 'information',
			level_max: 'coordonnee',
			caseload_max: 40,
			caseload_current: ccasLoad
		},
		{
			id: SSIAD,
			name: 'SSIAD des graphiques',
			kind: 'ssiad',
			coverage: Object.values(COMMUNES),
			problems: ['soins_domicile'],
			level_min: 'simple',
			level_max: 'coordonnee',
			caseload_max: 20,
			caseload_current: ssiadLoad
		}
	];
}

async function importStructures(mode: 'replace' | 'upsert', ccasLoad: number, ssiadLoad: number) {
	const response = await request(`/api/v1/territories/${TERRITORY.id}/structures?mode=${mode}`, {
		token: apiToken('pilot'),
		json: structures(ccasLoad, ssiadLoad)
	});
	expect(response.status, await response.clone().text()).toBe(200);
	await response.arrayBuffer();
}

/** Records an orientation through the API; returns its id and the level it was given. */
async function orient(
	commune: string,
	problem: string,
	structure: string | null
): Promise<{ id: string; level: string; orphan: boolean }> {
	const response = await request('/api/v1/orientations', {
		token: apiToken('agent'),
		json: {
			territory: TERRITORY.id,
			commune,
			age: 82,
			apa: false,
			problems: [problem],
			criteria: [],
			request_type: 'accompagnement',
			consent: true,
			structure
		}
	});
	const text = await response.text();
	expect(response.status, text).toBe(201);
	const body = JSON.parse(text) as {
		id: string;
		orphan: boolean;
		complexity: { level: string };
	};
	return { id: body.id, level: body.complexity.level, orphan: body.orphan };
}

/** The agent records what a structure without members answered. */
async function answer(id: string, status: string, reasonCode?: string): Promise<void> {
	const response = await request(`/api/v1/orientations/${id}/status`, {
		token: apiToken('agent'),
		json: reasonCode ? { status, reason_code: reasonCode } : { status }
	});
	expect(response.status, await response.clone().text()).toBe(200);
	await response.arrayBuffer();
}

/** The orphans' level (the engine computes it): the heat grid's column. */
let orphanLevel = '';
// The desk counts months in Paris: at 00:30 on the 1st there, UTC is still on last month.
const thisMonth = localMonth(new Date());

beforeAll(async () => {
	const put = await request(`/api/v1/territories/${TERRITORY.id}`, {
		method: 'PUT',
		token: apiToken('pilot'),
		json: { name: TERRITORY.name, communes: Object.values(COMMUNES) }
	});
	expect(put.status, await put.clone().text()).toBeLessThan(300);
	// Two caseload figures each: the capacity chart has a history.
	await importStructures('replace', 10, 15);
	await importStructures('upsert', 30, 18);

	const { avignon, carpentras, orange } = COMMUNES;
	// The CCAS: 6 accepted, 5 refused (file active complète), 3 waitlisted, 1 left unanswered.
	for (let i = 0; i < 6; i++) await answer((await orient(avignon, 'droits', CCAS)).id, 'accepted');
	for (let i = 0; i < 5; i++) {
		await answer((await orient(avignon, 'droits', CCAS)).id, 'refused', 'file_active_complete');
	}
	for (let i = 0; i < 3; i++) {
		await answer((await orient(carpentras, 'finances', CCAS)).id, 'waitlisted');
	}
	await orient(orange, 'droits', CCAS);
	// The SSIAD: 2 refused, out of its area.
	for (let i = 0; i < 2; i++) {
		await answer((await orient(avignon, 'soins_domicile', SSIAD)).id, 'refused', 'hors_zone');
	}
	// Orphans (nobody takes housing): 5 in Carpentras, 2 in Orange.
	const levels = new Set<string>();
	for (const commune of [...Array(5).fill(carpentras), orange, orange] as string[]) {
		const o = await orient(commune, 'logement', null);
		expect(o.orphan).toBe(true);
		levels.add(o.level);
	}
	expect(levels.size).toBe(1);
	orphanLevel = [...levels][0] as string;
}, 120_000);

async function openDesk(page: Page): Promise<void> {
	await page.goto(DESK);
	await page.waitForSelector('html[data-hydrated="true"]');
}

/** A table's body, cell texts line by line (the row header first). */
async function bodyOf(table: Locator): Promise<string[][]> {
	return table
		.locator('tbody tr')
		.evaluateAll((rows) =>
			rows.map((row) =>
				[...row.querySelectorAll('th, td')].map((cell) => (cell.textContent ?? '').trim())
			)
		);
}

const PLOTS = [
	'issues',
	'motifs-refus',
	'delais',
	'orphelines-cases',
	'orphelines-communes',
	'capacite'
] as const;

describe('le pilotage en graphiques', () => {
	test('each chart is drawn, and its table gives the recorded figures', async ({ page }) => {
		await openDesk(page);
		for (const name of PLOTS) {
			const plot = page.locator(`[data-plot="${name}"]`);
			await expect
				.poll(() => plot.locator('svg').count(), { message: `graphique ${name}`, timeout: 10_000 })
				.toBeGreaterThan(0);
			// Its table follows it, with a caption.
			const table = page.locator(`table[data-table="${name}"]`);
			expect(await table.count(), `tableau ${name}`).toBe(1);
			expect((await table.locator('caption').textContent())?.trim(), name).not.toBe('');
		}

		// Outcomes per month: this month's line, the others all 0.
		const issues = page.locator('table[data-table="issues"]');
		const header = await issues.locator('thead th').allTextContents();
		expect(header).toEqual(['Mois', ...OUTCOMES.map((o) => o.label)]);
		const lines = await bodyOf(issues);
		const expected: Record<string, string> = {
			accepted: '6',
			waitlisted: '< 5',
			refused: '7',
			expired: '0',
			sent: '< 5',
			closed: '0',
			orphan: '7'
		};
		expect(lines.at(-1)).toEqual([monthLabel(thisMonth), ...OUTCOMES.map((o) => expected[o.code])]);
		for (const line of lines.slice(0, -1)) expect(line.slice(1)).toEqual(OUTCOMES.map(() => '0'));
		// Bars only for the counts shown (accepted, refused, orphan): none for « < 5 » or 0.
		expect(await page.locator('[data-plot="issues"] g[aria-label="bar"] rect').count()).toBe(3);

		// Refusal reasons, territory-wide.
		const reasons = new Map(
			(await bodyOf(page.locator('table[data-table="motifs-refus"]'))).map((r) => [r[0], r[1]])
		);
		const label = (code: string) =>
			(REFUSAL_REASONS.find((r) => r.code === code)?.label ?? code).replace(' (précisez)', '');
		expect(reasons.get(label('file_active_complete'))).toBe('5');
		expect(reasons.get(label('hors_zone'))).toBe('< 5');
		expect(reasons.get(label('refus_personne'))).toBe('0');

		// Time to answer, by month: this month's 16 answers and their median.
		const delays = await bodyOf(page.locator('table[data-table="delais"]'));
		const now = delays.at(-1) as string[];
		expect(now.slice(0, 2)).toEqual([monthLabel(thisMonth), '16']);
		expect(now[2]).not.toBe('—');
		for (const line of delays.slice(0, -1)) expect(line.slice(1)).toEqual(['0', '—']);

		// Orphans by problem × level: housing at the orphans' level, 0 everywhere else.
		const cells = await bodyOf(page.locator('table[data-table="orphelines-cases"]'));
		expect(cells.map((c) => c[0])).toEqual(PROBLEMS.map((p) => p.label));
		for (const [i, problem] of PROBLEMS.entries()) {
			expect(cells[i]?.slice(1), problem.code).toEqual(
				LEVELS.map((l) => (problem.code === 'logement' && l.code === orphanLevel ? '7' : '0'))
			);
		}

		// By commune: 0 in Avignon, 5 in Carpentras, « < 5 » in Orange; every commune on the map.
		expect(await bodyOf(page.locator('table[data-table="orphelines-communes"]'))).toEqual([
			['Avignon', '0'],
			['Carpentras', '5'],
			['Orange', '< 5']
		]);
		expect(
			await page.locator('[data-plot="orphelines-communes"] g[aria-label="geo"] path').count()
		).toBeGreaterThanOrEqual(3);

		// Capacity: both figures of each service, oldest first.
		const history = await bodyOf(page.locator('table[data-table="capacite"]'));
		const figures = (name: string) =>
			history.filter((r) => r[0] === name).map((r) => [r[2], r[3], r[4]]);
		expect(figures('CCAS des graphiques')).toEqual([
			['10', '40', '25 %'],
			['30', '40', '75 %']
		]);
		expect(figures('SSIAD des graphiques')).toEqual([
			['15', '20', '75 %'],
			['18', '20', '90 %']
		]);
		await expectNoAxeViolations(page);
		await screenshot(page, 'pilotage-graphiques');
		// Each chart alone, to look at.
		fs.mkdirSync(SHOTS, { recursive: true });
		for (const name of PLOTS) {
			await page
				.locator(`[data-plot="${name}"]`)
				.screenshot({ path: path.join(SHOTS, `pilotage-graphique-${name}.png`) });
		}
	});

	test('the printed desk has a header: territory, period in French, print date', async ({
		page
	}) => {
		await openDesk(page);
		const header = page.locator('[data-print-header]');
		expect(await header.isVisible()).toBe(false);
		const du = await page.inputValue('#du');
		const au = await page.inputValue('#au');
		await page.emulateMedia({ media: 'print' });
		await expect.poll(() => header.isVisible()).toBe(true);
		const text = (await header.innerText()).replace(/\s+/g, ' ');
		expect(text).toContain(TERRITORY.name);
		expect(text).toContain(`Période : du ${formatDate(du)} au ${formatDate(au)}`);
		expect(text).toContain(`Imprimé le ${formatDate(new Date())}`);
		// The period form is not printed; the charts are.
		expect(await page.locator('form.period').isVisible()).toBe(false);
		expect(await page.locator('[data-plot="issues"] svg').first().isVisible()).toBe(true);
		await screenshot(page, 'pilotage-impression');
		await page.emulateMedia({ media: 'screen' });
	});

	test('the desk’s CSV opens in a French spreadsheet: BOM, `;`, French labels, « < 5 »', async () => {
		const response = await request(`${DESK}/export.csv?tableau=issues`, {
			session: await sessionOf('pilot')
		});
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		const bytes = new Uint8Array(await response.arrayBuffer());
		expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
		const lines = new TextDecoder().decode(bytes.slice(3)).trim().split(/\r?\n/);
		expect(lines[0]).toBe(['mois', ...OUTCOMES.map((o) => o.label)].join(';'));
		expect(lines.at(-1)).toBe(`${monthLabel(thisMonth)};6;< 5;7;0;< 5;0;7`);

		const refusals = await request(`${DESK}/export.csv?tableau=refus`, {
			session: await sessionOf('pilot')
		});
		const text = (await refusals.text()).replace(/^\uFEFF/, '');
		// The share of answers as a French spreadsheet reads a decimal: a comma.
		expect(text).toMatch(/CCAS des graphiques;file_active_complete;File active complète;5;0,\d+/);
	});
});
