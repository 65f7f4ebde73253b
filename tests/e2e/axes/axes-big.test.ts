import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe } from 'vitest';
import { BIG_TERRITORY_COMMUNES, bigTerritoryStructures } from '../../bench/chart-data';
import { expect, testAs } from '../fixtures';
import { apiToken, request } from '../http';
import {
	apiCoverage,
	apiStructures,
	expectZonesMatchRemits,
	expectedMarkers,
	readChart,
	runsOf,
	structureIds,
	type ApiCoverage,
	type ApiStructure
} from './axes-page';

/**
 * "The chart draws a territory of 300 structures in under 1 s" (issue 5), in a real browser
 * against the production build: a territory of 300 generated structures (tests/bench/chart-data.ts,
 * seeded) imported through the API, then its chart page opened and timed with the browser's own
 * clock (Navigation Timing, paint entries, and the first frames after the chart is in the DOM).
 * The figures are printed for the closing note; the in-process stages are in `npm run bench -- chart`.
 *
 * The territory's communes are away from the other tests' places, so that its structures appear
 * in no other test's results but instance-wide lists; as there is no delete, it is left at the end
 * with one structure.
 */

const TERRITORY = 'e2e-grand';
const COUNT = 300;
const BUDGET_MS = 1000;
const MEASURED_RUNS = 3;
const test = testAs('partner');
const records = bigTerritoryStructures(COUNT, { prefix: 'e2e-grand' });

let coverage: ApiCoverage;
let oneCommune: ApiCoverage;
const ONE_COMMUNE = BIG_TERRITORY_COMMUNES[5];

beforeAll(async () => {
	const token = apiToken('pilot');
	const put = await request(`/api/v1/territories/${TERRITORY}`, {
		method: 'PUT',
		token,
		json: {
			name: 'Grand territoire de test (300 structures)',
			communes: [...BIG_TERRITORY_COMMUNES]
		}
	});
	expect([200, 201], await put.clone().text()).toContain(put.status);
	const imported = await request(`/api/v1/territories/${TERRITORY}/structures?mode=replace`, {
		token,
		json: records
	});
	expect(imported.status, await imported.clone().text()).toBe(200);
	expect(((await imported.json()) as { total: number }).total).toBe(COUNT);
	coverage = await apiCoverage(TERRITORY, apiToken('partner'));
	oneCommune = await apiCoverage(TERRITORY, apiToken('partner'), ONE_COMMUNE);
});

afterAll(async () => {
	const replaced = await request(`/api/v1/territories/${TERRITORY}/structures?mode=replace`, {
		token: apiToken('pilot'),
		json: records.slice(0, 1)
	});
	expect(replaced.status, await replaced.clone().text()).toBe(200);
});

/** Browser timings of one page load, in ms from the navigation's start. */
interface LoadTimings {
	ttfb: number;
	responseEnd: number;
	svgInDom: number;
	svgPainted: number;
	firstContentfulPaint: number | null;
	domContentLoaded: number;
	load: number;
	afterLoadFrame: number;
	hydrated: number;
	htmlKb: number;
}

/**
 * Records, from before the document is parsed, when the chart's <svg> enters the DOM, the frame
 * after it (painted), and when the app marks the page hydrated.
 */
async function watchChart(page: Page): Promise<void> {
	await page.addInitScript(() => {
		const w = window as unknown as Record<string, number>;
		const afterNextPaint = (key: string) =>
			requestAnimationFrame(() => requestAnimationFrame(() => (w[key] = performance.now())));
		const observer = new MutationObserver(() => {
			if (w.__svgInDom === undefined && document.querySelector('svg.axes a[data-structure]')) {
				w.__svgInDom = performance.now();
				afterNextPaint('__svgPainted');
			}
			if (w.__hydrated === undefined && document.documentElement.dataset.hydrated === 'true') {
				w.__hydrated = performance.now();
			}
			if (w.__svgInDom !== undefined && w.__hydrated !== undefined) observer.disconnect();
		});
		observer.observe(document, { childList: true, subtree: true, attributes: true });
	});
}

async function loadTimings(page: Page, path: string): Promise<LoadTimings> {
	const response = await page.goto(path, { waitUntil: 'load' });
	expect(response?.status()).toBe(200);
	await page.waitForSelector('html[data-hydrated="true"]');
	await page.waitForFunction(
		() => (window as unknown as Record<string, number>).__svgPainted !== undefined
	);
	return page.evaluate(async () => {
		const w = window as unknown as Record<string, number>;
		const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
		const afterLoadFrame = await new Promise<number>((resolve) =>
			requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))
		);
		const fcp = performance.getEntriesByName('first-contentful-paint')[0];
		return {
			ttfb: nav.responseStart - nav.startTime,
			responseEnd: nav.responseEnd - nav.startTime,
			svgInDom: (w.__svgInDom as number) - nav.startTime,
			// Frames may run before the browser paints anything (render-blocking styles): the chart
			// is painted at the later of the frame after it entered the DOM and the first paint.
			svgPainted: Math.max(w.__svgPainted as number, fcp?.startTime ?? 0) - nav.startTime,
			firstContentfulPaint: fcp ? fcp.startTime - nav.startTime : null,
			domContentLoaded: nav.domContentLoadedEventEnd - nav.startTime,
			load: nav.loadEventEnd - nav.startTime,
			afterLoadFrame: afterLoadFrame - nav.startTime,
			hydrated: (w.__hydrated as number) - nav.startTime,
			htmlKb: nav.decodedBodySize / 1024
		};
	});
}

/**
 * A client-side navigation (the filter form's submit, or history back): from the action to the
 * frame after the chart holds `zones` zones.
 */
async function clientRender(page: Page, zones: number, action: 'filter' | 'back'): Promise<number> {
	return page.evaluate(
		async ({ zones, action, commune }) => {
			const count = () => document.querySelectorAll('svg.axes a[data-structure]').length;
			const start = performance.now();
			if (action === 'filter') {
				const select = document.querySelector('#commune') as HTMLSelectElement;
				const option = [...select.options].find((o) => o.value.endsWith(`(${commune})`));
				if (!option) throw new Error(`option ${commune} absente`);
				select.value = option.value;
				(document.querySelector('form.filters') as HTMLFormElement).requestSubmit();
			} else {
				history.back();
			}
			await new Promise<void>((resolve, reject) => {
				const deadline = start + 20_000;
				const check = () => {
					if (count() === zones) resolve();
					else if (performance.now() > deadline)
						reject(new Error(`${count()} zones, ${zones} attendues`));
					else requestAnimationFrame(check);
				};
				check();
			});
			await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
			return performance.now() - start;
		},
		{ zones, action, commune: ONE_COMMUNE }
	);
}

const median = (values: number[]) =>
	[...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const ms = (value: number | null) => (value === null ? '—' : `${Math.round(value)} ms`);

describe('carte d’un territoire de 300 structures', () => {
	test('draws every zone and marker of the API, in under 1 s', async ({ page, context }) => {
		// The 300, and the structures of other territories covering the département (the demo's
		// APA team…): a structure counts wherever it covers.
		const ids = structureIds(coverage);
		expect(ids).toEqual(expect.arrayContaining(records.map((r) => r.id)));
		const others = ids.filter((id) => !id.startsWith('e2e-grand-'));
		const total = ids.length;
		await watchChart(page);
		const path = `/territoires/${TERRITORY}/axes?vue=toutes`;

		// A first visit warms the server's route modules; the next ones are measured.
		await loadTimings(page, path);
		const runs: LoadTimings[] = [];
		for (let i = 0; i < MEASURED_RUNS; i++) runs.push(await loadTimings(page, path));

		// What is drawn is the API's grid, zones true to the remits.
		const chart = await readChart(page);
		expect(chart.zones.map((z) => z.id).sort()).toEqual(structureIds(coverage));
		expect(chart.markers).toEqual(expectedMarkers(coverage));
		const byId = new Map<string, ApiStructure>([
			...records.map((r) => [r.id, r as unknown as ApiStructure] as const),
			...(await apiStructures(others, apiToken('partner')))
		]);
		expectZonesMatchRemits(chart, byId);
		const split = records.filter((r) => runsOf(r.problems).length > 1).length;
		expect(split).toBeGreaterThan(0);

		// Client-side renders: the filter form (300 → one commune's zones), then back (→ 300).
		const filtered = structureIds(oneCommune).length;
		const toCommune = await clientRender(page, filtered, 'filter');
		expect((await readChart(page)).markers).toEqual(expectedMarkers(oneCommune));
		const backToAll = await clientRender(page, total, 'back');
		expect((await readChart(page)).markers).toEqual(expectedMarkers(coverage));

		const table = Object.fromEntries(
			(Object.keys(runs[0] as LoadTimings) as (keyof LoadTimings)[]).map((key) => [
				key,
				runs.map((r) => (key === 'htmlKb' ? `${Math.round(r[key])} kB` : ms(r[key]))).join(' / ')
			])
		);
		console.log(
			`\n[axes-big] ${total} structures (${COUNT} générées + ${others.length} d’autres territoires), ` +
				`${split} à compétences disjointes, ` +
				`${chart.zones.reduce((n, z) => n + z.rects.length, 0)} rectangles, ${chart.markers.length} repères ` +
				`(navigateur : ${context.browser()?.version() ?? '?'}) ; ${MEASURED_RUNS} chargements mesurés après un chargement d’échauffement :`
		);
		console.table(table);
		console.log(
			`[axes-big] rendu côté client : filtre → ${filtered} structures ${ms(toCommune)} ; ` +
				`retour → ${total} structures ${ms(backToAll)}`
		);

		// The budget: the page served (server load + render) and the chart painted, under 1 s.
		expect(median(runs.map((r) => r.responseEnd))).toBeLessThan(BUDGET_MS);
		expect(median(runs.map((r) => r.svgPainted))).toBeLessThan(BUDGET_MS);
		expect(backToAll).toBeLessThan(BUDGET_MS);
	});
});
