import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe } from 'vitest';
import { formatDate } from '$lib/format';
import { PROBLEMS } from '$lib/domain/taxonomy';
import { DEMO_TERRITORY_ID } from '../demo-data';
import { expect, screenshot, testAs } from '../fixtures';
import { apiToken } from '../http';
import { apiCoverage, apiStructures, structureIds, type ApiStructure } from '../axes/axes-page';

/**
 * The chart as a pilot takes it to the meeting (issue 16): the figure's own view by default
 * (coordination structures), problem names never cut, zone names never on each other, and an
 * exported image that stands alone — title, territory, date, filters and legend inside the SVG,
 * read back from the file.
 */

const test = testAs('partnerMarseille');
const PAGE = `/territoires/${DEMO_TERRITORY_ID}/axes`;

let structures: Map<string, ApiStructure>;

beforeAll(async () => {
	const token = apiToken('partnerMarseille');
	structures = await apiStructures(
		structureIds(await apiCoverage(DEMO_TERRITORY_ID, token)),
		token
	);
});

async function open(page: Page, path: string): Promise<void> {
	const response = await page.goto(path);
	expect(response?.status()).toBe(200);
	await page.waitForSelector('html[data-hydrated="true"]');
}

async function downloadText(page: Page, button: string): Promise<{ name: string; text: string }> {
	const [file] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('button', { name: button }).click()
	]);
	return { name: file.suggestedFilename(), text: fs.readFileSync(await file.path(), 'utf8') };
}

describe('la carte complexité × problème prête pour la réunion', () => {
	test('problem names are whole and inside the figure; zone names never overlap', async ({
		page
	}) => {
		await open(page, `${PAGE}?vue=toutes`);
		const measured = await page.evaluate(() => {
			const svg = document.querySelector('svg.axes') as SVGSVGElement;
			const [, , width, height] = (svg.getAttribute('viewBox') ?? '').split(' ').map(Number);
			const box = (el: SVGGraphicsElement) => {
				// In the figure's own units: the bounding box through the element's transform.
				const b = el.getBBox();
				const m = el.getCTM() as DOMMatrix;
				const root = (svg.getCTM() as DOMMatrix).inverse();
				const points = [
					[b.x, b.y],
					[b.x + b.width, b.y],
					[b.x, b.y + b.height],
					[b.x + b.width, b.y + b.height]
				].map(([x, y]) => new DOMPoint(x, y).matrixTransform(m).matrixTransform(root));
				const xs = points.map((p) => p.x);
				const ys = points.map((p) => p.y);
				return {
					left: Math.min(...xs),
					right: Math.max(...xs),
					top: Math.min(...ys),
					bottom: Math.max(...ys)
				};
			};
			return {
				width: width as number,
				height: height as number,
				ticks: [...svg.querySelectorAll<SVGTextElement>('text[data-tick]')].map((t) => ({
					text: [...t.querySelectorAll('tspan')].map((s) => s.textContent).join(' '),
					...box(t)
				})),
				labels: [...svg.querySelectorAll<SVGTextElement>('text[data-label]')].map((t) => ({
					id: t.getAttribute('data-label'),
					...t.getBBox()
				}))
			};
		});
		expect(measured.ticks.map((t) => t.text)).toEqual(PROBLEMS.map((p) => p.label));
		for (const tick of measured.ticks) {
			expect(tick.right, `nom coupé à droite : ${tick.text}`).toBeLessThanOrEqual(measured.width);
			expect(tick.bottom, `nom coupé en bas : ${tick.text}`).toBeLessThanOrEqual(measured.height);
		}
		expect(measured.labels.length).toBeGreaterThan(0);
		for (const [i, a] of measured.labels.entries()) {
			for (const b of measured.labels.slice(i + 1)) {
				const overlap =
					a.x < b.x + b.width - 0.5 &&
					b.x < a.x + a.width - 0.5 &&
					a.y < b.y + b.height - 0.5 &&
					b.y < a.y + a.height - 0.5;
				expect(overlap, `étiquettes superposées : ${a.id} et ${b.id}`).toBe(false);
			}
		}
		await screenshot(page, 'chart-toutes');
	});

	test('the exported SVG names its title, territory, date, filters and legend', async ({
		page
	}) => {
		await open(page, `${PAGE}?commune=13212&age=80`);
		// The legend's words (the badges' « 0 » and « n » are drawn, not written, in the file).
		const pageLegend = await page.$$eval('figcaption .legend li', (items) =>
			items.map((li) =>
				[...li.childNodes]
					.filter((n) => n.nodeType === Node.TEXT_NODE)
					.map((n) => n.textContent)
					.join('')
			)
		);
		const title = (await page.locator('svg.axes > title').textContent()) ?? '';
		const territory = (await page.locator('nav.crumbs a').nth(1).textContent()) ?? '';
		expect(territory.length).toBeGreaterThan(0);
		const svg = await downloadText(page, 'Exporter en SVG');
		expect(svg.name).toBe(`carte-${DEMO_TERRITORY_ID}-13212-coordination.svg`);
		// Kept beside the screenshots, for a person to look at.
		fs.mkdirSync('test-results/screenshots', { recursive: true });
		fs.writeFileSync('test-results/screenshots/carte-export.svg', svg.text);
		const read = await page.evaluate((text) => {
			const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
			const texts = (selector: string) =>
				[...doc.querySelectorAll(`${selector} text`)].map((t) => t.textContent ?? '');
			const root = doc.documentElement;
			const figure = doc.querySelector('[data-export="figure"]');
			return {
				errors: doc.getElementsByTagName('parsererror').length,
				height: Number(root.getAttribute('height')),
				figureY: Number(figure?.getAttribute('y')),
				figureHeight: Number(figure?.getAttribute('height')),
				header: texts('[data-export="en-tete"]'),
				legend: texts('[data-export="legende"]'),
				swatches: doc.querySelectorAll('[data-export="legende"] [data-legend]').length,
				zones: [...doc.querySelectorAll('a[data-structure]')].map((a) =>
					a.getAttribute('data-structure')
				)
			};
		}, svg.text);
		expect(read.errors).toBe(0);
		const header = read.header.join(' ');
		expect(header).toContain(title);
		expect(header).toContain(`Territoire : ${territory}`);
		expect(header).toContain(formatDate(new Date()));
		expect(header).toContain('Âge : 80 ans');
		expect(header).toMatch(/Commune : [^;]+/);
		expect(header).toContain('Vue : structures de coordination');
		// The legend of the page, item by item, in the file (lines of a long item joined).
		const legend = read.legend.join(' ');
		expect(read.swatches).toBe(pageLegend.length);
		for (const item of pageLegend) {
			for (const word of item.trim().split(/\s+/)) expect(legend).toContain(word);
		}
		// Header above, figure, legend below: nothing drawn over the figure.
		expect(read.figureY).toBeGreaterThan(0);
		expect(read.height).toBeGreaterThan(read.figureY + read.figureHeight);
		// The default view is the coordination structures alone.
		expect(read.zones.length).toBeGreaterThan(0);
		for (const id of read.zones) {
			const record = structures.get(id as string);
			expect(record, id as string).toBeDefined();
		}
		const onPage = await page.locator('svg.axes a[data-structure]').count();
		expect(read.zones).toHaveLength(onPage);
	});
});
