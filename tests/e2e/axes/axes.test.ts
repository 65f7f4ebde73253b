import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Download, Page } from 'playwright-core';
import { beforeAll, describe } from 'vitest';
import { CELL_STATUS_LABELS } from '$lib/domain/coverage';
import { LEVELS, PROBLEMS } from '$lib/domain/taxonomy';
import { DEMO_TERRITORY_ID } from '../demo-data';
import { expect, expectNoAxeViolations, screenshot, testAs } from '../fixtures';
import { apiToken } from '../http';
import {
	apiCoverage,
	apiStructures,
	cellKey,
	expectZonesMatchRemits,
	expectedMarkers,
	readChart,
	runsOf,
	structureIds,
	type ApiCoverage,
	type ApiStructure
} from './axes-page';

/**
 * The complexity × problem chart of the demo territory in a browser (issue 5), signed in as a
 * partner of that territory: what it draws is compared with the coverage API (gaps, overlaps,
 * zones), then the arrondissement filter, highlight, click-through, exports and the accessible
 * table. Nothing is hard-coded: the API and the structures' records say what to expect.
 */

const test = testAs('partnerMarseille');
const TOKEN = () => apiToken('partnerMarseille');
// Every structure, prestations included: what the coverage API answers (the chart's default view
// is the coordination structures alone, tested in tests/e2e/chart/exports.test.ts).
const PAGE = `/territoires/${DEMO_TERRITORY_ID}/axes?vue=toutes`;

/** A CSV row's cell and status, back to the API's codes (the file speaks French). */
function csvCell(row: Record<string, string>): { key: string; status: string } {
	const problem = PROBLEMS.find((p) => p.label === row.probleme)?.code;
	const level = LEVELS.find((l) => l.label === row.niveau)?.code;
	const status = Object.entries(CELL_STATUS_LABELS).find(([, label]) => label === row.statut)?.[0];
	return { key: `${problem}|${level}`, status: status ?? `?${row.statut}` };
}
const ARRONDISSEMENT = '13212';

let whole: ApiCoverage;
let only12: ApiCoverage;
let structures: Map<string, ApiStructure>;

beforeAll(async () => {
	whole = await apiCoverage(DEMO_TERRITORY_ID, TOKEN());
	only12 = await apiCoverage(DEMO_TERRITORY_ID, TOKEN(), ARRONDISSEMENT);
	structures = await apiStructures(structureIds(whole), TOKEN());
});

async function open(page: Page, path = PAGE): Promise<void> {
	const response = await page.goto(path);
	expect(response?.status()).toBe(200);
	await page.waitForSelector('html[data-hydrated="true"]');
}

async function download(
	page: Page,
	click: () => Promise<void>
): Promise<{ file: Download; bytes: Buffer }> {
	const [file] = await Promise.all([page.waitForEvent('download'), click()]);
	const saved = await file.path();
	return { file, bytes: fs.readFileSync(saved) };
}

/** A point of the viewport where the zone is the topmost element (scrolled into view). */
async function pointOnZone(page: Page, id: string): Promise<{ x: number; y: number } | null> {
	return page.evaluate((id) => {
		const zone = document.querySelector(`svg.axes a[data-structure="${CSS.escape(id)}"]`);
		if (!zone) return null;
		zone.scrollIntoView({ block: 'center', inline: 'center' });
		for (const rect of zone.querySelectorAll('rect')) {
			const b = rect.getBoundingClientRect();
			for (let i = 1; i < 12; i++) {
				for (let j = 1; j < 12; j++) {
					const x = b.left + (b.width * i) / 12;
					const y = b.top + (b.height * j) / 12;
					if (document.elementFromPoint(x, y)?.closest('a[data-structure]') === zone)
						return { x, y };
				}
			}
		}
		return null;
	}, id);
}

/** A zone the pointer can reach, and where. */
async function reachableZone(page: Page): Promise<{ id: string; x: number; y: number }> {
	const ids = (await readChart(page)).zones.map((z) => z.id);
	// The last drawn first: smaller zones are drawn over larger ones.
	for (const id of ids.reverse()) {
		const point = await pointOnZone(page, id);
		if (point) return { id, ...point };
	}
	throw new Error('aucune zone atteignable au pointeur');
}

/** The zones not at full opacity, and whether the others are at 0.25 exactly. */
async function dimmed(page: Page): Promise<{ bright: string[]; othersAtQuarter: boolean }> {
	const zones = (await readChart(page)).zones;
	return {
		bright: zones.filter((z) => z.opacity === '1').map((z) => z.id),
		othersAtQuarter: zones.every((z) => z.opacity === '1' || z.opacity === '0.25')
	};
}

/** Exactly one zone highlighted (the others at opacity 0.25), or none (`null`: all at 1). */
async function expectHighlighted(page: Page, id: string | null): Promise<void> {
	const all = (await readChart(page)).zones.map((z) => z.id);
	await expect
		.poll(() => dimmed(page), { timeout: 5_000 })
		.toEqual({ bright: id === null ? all : [id], othersAtQuarter: true });
}

describe('carte complexité × problème du territoire de démonstration', () => {
	test('draws exactly the gaps and overlaps of the API, every structure a zone, remits truthfully', async ({
		page
	}) => {
		await open(page);
		const chart = await readChart(page);

		// 64 cells, each with the API's status.
		expect(chart.cells).toHaveLength(PROBLEMS.length * LEVELS.length);
		expect(Object.fromEntries(chart.cells.map((c) => [c.cell, c.status]))).toEqual(
			Object.fromEntries(whole.cells.map((c) => [cellKey(c), c.status]))
		);
		// One marker per gap and overlap, with its count; the data has both.
		expect(chart.markers).toEqual(expectedMarkers(whole));
		expect(chart.markers.some((m) => m.startsWith('gap '))).toBe(true);
		expect(chart.markers.some((m) => m.startsWith('overlap '))).toBe(true);

		// Every structure of the API's cells has its zone, and no other.
		expect(chart.zones.map((z) => z.id).sort()).toEqual(structureIds(whole));
		expect(await page.locator('p.hint').first().textContent()).toContain(
			`${structureIds(whole).length} structures`
		);

		// Non-contiguous remits: the data has some, drawn as one rectangle per run of problems.
		const split = [...structures.values()].filter((s) => runsOf(s.problems).length > 1);
		expect(
			split.length,
			'une structure du jeu de démonstration à compétences disjointes'
		).toBeGreaterThan(0);
		expectZonesMatchRemits(chart, structures);
		for (const s of split) {
			const zone = chart.zones.find((z) => z.id === s.id);
			expect(zone?.rects.length, s.id).toBe(runsOf(s.problems).length);
		}
		await expectNoAxeViolations(page);
		await screenshot(page, 'axes');
	});

	test('filters by one arrondissement through the form: the URL says so, the chart follows the API', async ({
		page
	}) => {
		await open(page);
		const value = await page
			.locator('#commune option')
			.evaluateAll(
				(options, code) =>
					options.map((o) => (o as HTMLOptionElement).value).find((v) => v.endsWith(`(${code})`)),
				ARRONDISSEMENT
			);
		expect(value, `option de l’arrondissement ${ARRONDISSEMENT}`).toBeTruthy();
		await page.selectOption('#commune', value as string);
		await page.getByRole('button', { name: 'Appliquer' }).click();
		await page.waitForURL((url) => url.searchParams.get('commune') === value);

		// The filtered grid differs from the whole territory's, so the check below means something.
		expect(expectedMarkers(only12)).not.toEqual(expectedMarkers(whole));
		await expect.poll(async () => (await readChart(page)).markers).toEqual(expectedMarkers(only12));
		const chart = await readChart(page);
		expect(Object.fromEntries(chart.cells.map((c) => [c.cell, c.status]))).toEqual(
			Object.fromEntries(only12.cells.map((c) => [cellKey(c), c.status]))
		);
		expect(chart.zones.map((z) => z.id).sort()).toEqual(structureIds(only12));
		expect(await page.locator('#commune').inputValue()).toBe(value);

		// The same URL loaded afresh (server render) draws the same.
		await open(page, page.url());
		expect((await readChart(page)).markers).toEqual(expectedMarkers(only12));

		// The CSV of the filtered chart is the filtered grid.
		const csv = await download(page, () =>
			page.getByRole('link', { name: 'Grille en CSV' }).click()
		);
		// For a French spreadsheet: UTF-8 with a BOM, `;` between cells.
		const table = csv.bytes.toString('utf8');
		expect(table.startsWith('\uFEFF')).toBe(true);
		const rows = parse(table.slice(1), { columns: true, delimiter: ';' }) as Record<
			string,
			string
		>[];
		expect(
			rows.map((r) => `${csvCell(r).status} ${csvCell(r).key} ${r.structures}`).sort()
		).toEqual(only12.cells.map((c) => `${c.status} ${cellKey(c)} ${c.structures.length}`).sort());
	});

	test('hover and keyboard focus highlight one zone; a click opens the structure', async ({
		page
	}) => {
		await open(page);
		await expectHighlighted(page, null);

		const target = await reachableZone(page);
		await page.mouse.move(target.x, target.y);
		await expectHighlighted(page, target.id);
		await page.mouse.move(1, 1);
		await expectHighlighted(page, null);

		// Keyboard: focus a zone, then Tab to the next one; the highlight follows.
		const [first, second] = (await readChart(page)).zones.map((z) => z.id);
		await page.locator(`svg.axes a[data-structure="${first}"]`).focus();
		await expectHighlighted(page, first as string);
		await page.keyboard.press('Tab');
		expect(await page.evaluate(() => document.activeElement?.getAttribute('data-structure'))).toBe(
			second
		);
		await expectHighlighted(page, second as string);
		await page.locator('#commune').focus();
		await expectHighlighted(page, null);

		// A click on the zone opens the structure's page.
		const again = await pointOnZone(page, target.id);
		expect(again).not.toBeNull();
		await page.mouse.click(again?.x as number, again?.y as number);
		await page.waitForURL((url) => decodeURIComponent(url.pathname) === `/structures/${target.id}`);
		expect(await page.locator('h1').textContent()).toBe(structures.get(target.id)?.name);
	});

	test('exports the SVG (well-formed, every structure named), the PNG and the grid as CSV', async ({
		page
	}) => {
		await open(page);
		const chart = await readChart(page);

		const svg = await download(page, () =>
			page.getByRole('button', { name: 'Exporter en SVG' }).click()
		);
		expect(svg.file.suggestedFilename()).toMatch(/\.svg$/);
		const text = svg.bytes.toString('utf8');
		expect(text.startsWith('<?xml')).toBe(true);
		const parsed = await page.evaluate((text) => {
			const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
			const root = doc.documentElement;
			return {
				errors: doc.getElementsByTagName('parsererror').length,
				root: root.localName,
				namespace: root.namespaceURI,
				titles: [...doc.querySelectorAll('title')].map((t) => t.textContent ?? ''),
				zones: [...doc.querySelectorAll('a[data-structure]')].map((a) =>
					a.getAttribute('data-structure')
				),
				cells: doc.querySelectorAll('rect[data-cell]').length,
				markers: doc.querySelectorAll('a[data-marker]').length,
				hrefs: doc.querySelectorAll('[href]').length
			};
		}, text);
		expect(parsed.errors, 'SVG exporté : XML mal formé').toBe(0);
		expect(parsed.root).toBe('svg');
		expect(parsed.namespace).toBe('http://www.w3.org/2000/svg');
		expect(parsed.zones.sort()).toEqual(chart.zones.map((z) => z.id).sort());
		expect(parsed.cells).toBe(chart.cells.length);
		expect(parsed.markers).toBe(chart.markers.length);
		// The page's links do not go into a file.
		expect(parsed.hrefs).toBe(0);
		for (const id of structureIds(whole)) {
			const name = structures.get(id)?.name as string;
			expect(
				parsed.titles.some((t) => t.includes(name)),
				`nom absent du SVG exporté : ${name}`
			).toBe(true);
		}

		const png = await download(page, () =>
			page.getByRole('button', { name: 'Exporter en PNG' }).click()
		);
		expect(png.file.suggestedFilename()).toMatch(/\.png$/);
		expect([...png.bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
		// Twice the exported image's size (the figure in its frame), for print.
		const size = await page.evaluate((text) => {
			const root = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
			return {
				width: Number(root.getAttribute('width')),
				height: Number(root.getAttribute('height'))
			};
		}, text);
		expect(png.bytes.readUInt32BE(16)).toBe(size.width * 2);
		expect(png.bytes.readUInt32BE(20)).toBe(size.height * 2);

		const csv = await download(page, () =>
			page.getByRole('link', { name: 'Grille en CSV' }).click()
		);
		expect(csv.file.suggestedFilename()).toMatch(/\.csv$/);
		// For a French spreadsheet: UTF-8 with a BOM, `;` between cells.
		const table = csv.bytes.toString('utf8');
		expect(table.startsWith('\uFEFF')).toBe(true);
		const rows = parse(table.slice(1), { columns: true, delimiter: ';' }) as Record<
			string,
			string
		>[];
		expect(rows).toHaveLength(PROBLEMS.length * LEVELS.length);
		const byCell = new Map(whole.cells.map((c) => [cellKey(c), c]));
		for (const row of rows) {
			const { key, status } = csvCell(row);
			const cell = byCell.get(key);
			expect(cell, key).toBeDefined();
			expect(status).toBe(cell?.status);
			expect(Number(row.structures)).toBe(cell?.structures.length);
			const names = (cell?.structures ?? []).map((id) => structures.get(id)?.name).sort();
			expect(row.noms ? row.noms.split(' | ').sort() : []).toEqual(names);
		}
		expect(new Set(rows.map((r) => csvCell(r).key)).size).toBe(rows.length);
	});

	test('the accessible table holds the same grid: 4 level rows × 16 problem columns', async ({
		page
	}) => {
		await open(page);
		const table = page.locator('table.grid-table');
		expect(await table.count()).toBe(1);
		expect(await table.locator('caption').textContent()).toBeTruthy();
		const headers = await table.locator('thead th[scope=col]').allTextContents();
		expect(headers.slice(1)).toEqual(PROBLEMS.map((p) => p.label));
		const rows = table.locator('tbody tr');
		expect(await rows.count()).toBe(LEVELS.length);
		expect(await rows.locator('th[scope=row]').allTextContents()).toEqual(
			[...LEVELS].reverse().map((l) => l.label)
		);
		const cells = await table.locator('tbody td[data-cell]').evaluateAll((tds) =>
			tds.map((td) => ({
				cell: td.getAttribute('data-cell') ?? '',
				status: td.className
					.split(/\s+/)
					.find((c: string) => ['gap', 'single', 'overlap'].includes(c)),
				names: [...td.querySelectorAll('li')].map((li) => li.textContent?.trim() ?? ''),
				text: td.textContent ?? ''
			}))
		);
		expect(cells).toHaveLength(PROBLEMS.length * LEVELS.length);
		for (const row of await rows.all())
			expect(await row.locator('td').count()).toBe(PROBLEMS.length);
		const byCell = new Map(whole.cells.map((c) => [cellKey(c), c]));
		for (const td of cells) {
			const cell = byCell.get(td.cell);
			expect(cell, td.cell).toBeDefined();
			expect(td.status, td.cell).toBe(cell?.status);
			expect(td.names.sort(), td.cell).toEqual(
				(cell?.structures ?? []).map((id) => structures.get(id)?.name).sort()
			);
			if (cell?.status === 'gap') expect(td.text).toContain('Trou');
			if (cell?.status === 'overlap')
				expect(td.text).toContain(`${cell.structures.length} structures`);
		}
	});
});
