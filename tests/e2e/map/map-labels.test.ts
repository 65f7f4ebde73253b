import type { Page } from 'playwright-core';
import { beforeAll, describe } from 'vitest';
import { DEMO_TERRITORY_ID } from '../demo-data';
import { baseUrl, expect, screenshot, testAs } from '../fixtures';
import { apiToken } from '../http';
import {
	addressOf,
	apiGet,
	instrumentMap,
	mapIdle,
	mapMarkers,
	numberIn,
	openMap,
	overlap,
	viewChange,
	viewOf
} from './map-page';

/**
 * The names and counts of the demo territory's map, which has no glyph server: the places' names
 * and the clusters' counts are HTML markers over the canvas. Checked against the API (names of
 * the territory's places, structures placed), and that the page fetches nothing from another
 * host — the map works offline.
 */

const ACCOUNT = 'partnerMarseille';
const test = testAs(ACCOUNT);
const PAGE = `/territoires/${DEMO_TERRITORY_ID}/carte`;

let placeNames: string[];
let placed: { lon: number; lat: number }[];

beforeAll(async () => {
	const territory = await apiGet<{ communes: { code: string; name: string }[] }>(
		`/api/v1/territories/${DEMO_TERRITORY_ID}`,
		apiToken(ACCOUNT)
	);
	placeNames = territory.communes.map((c) => c.name).sort();
	expect(placeNames.length).toBeGreaterThan(0);
	const all = await apiGet<{ total: number; items: { lon?: number; lat?: number }[] }>(
		`/api/v1/structures?territory=${DEMO_TERRITORY_ID}&limit=200`,
		apiToken(ACCOUNT)
	);
	expect(all.items).toHaveLength(all.total);
	placed = all.items.flatMap((s) =>
		s.lon !== undefined && s.lat !== undefined ? [{ lon: s.lon, lat: s.lat }] : []
	);
	expect(placed.length).toBeGreaterThan(1);
});

/** Every request the page makes, to check that none leaves the site. */
function requestsOf(page: Page): string[] {
	const urls: string[] = [];
	page.on('request', (request) => urls.push(request.url()));
	return urls;
}

function expectSameOrigin(urls: readonly string[]): void {
	const origin = new URL(baseUrl()).origin;
	const outside = urls.filter((url) => {
		if (url.startsWith('blob:') || url.startsWith('data:')) return false;
		return new URL(url).origin !== origin;
	});
	expect(outside, 'requêtes vers un autre hôte').toEqual([]);
}

/** The number of structures « À l’écran » says, and how many of them in groups. */
function onScreenCounts(text: string): { total: number; grouped: number } {
	const match = /À l’écran : ([\d\s\u202f]+) structures?(?:, dont ([\d\s\u202f]+) en)?/.exec(text);
	if (!match) throw new Error(`phrase inattendue : ${text}`);
	return { total: numberIn(match[1] ?? ''), grouped: numberIn(match[2] ?? '0') };
}

describe('noms et nombres sur la carte du territoire de démonstration', () => {
	test('writes the places’ names apart, a count on every cluster, and fetches nothing from outside', async ({
		page
	}) => {
		const requests = requestsOf(page);
		await instrumentMap(page);
		await openMap(page, PAGE);
		const log = await mapIdle(page);
		let markers = await mapMarkers(page);

		// Names: those of the territory's places (the demo has room for all of them), none over
		// another, all within the map.
		expect(markers.names.map((n) => n.text).sort()).toEqual(placeNames);
		const frame = await page.locator('[data-testid="carte"]').boundingBox();
		if (!frame) throw new Error('carte invisible');
		for (const [i, a] of markers.names.entries()) {
			expect(a.box.x).toBeGreaterThanOrEqual(frame.x - 1);
			expect(a.box.x + a.box.width).toBeLessThanOrEqual(frame.x + frame.width + 1);
			for (const b of markers.names.slice(i + 1)) {
				expect(overlap(a.box, b.box), `${a.text} / ${b.text}`).toBe(false);
			}
		}

		// Counts: each cluster button says its number, in its text and its accessible name, and
		// the sentence under the map adds them up.
		expect(markers.clusters.length, 'groupes à l’écran').toBeGreaterThan(0);
		for (const cluster of markers.clusters) {
			expect(cluster.count).toBeGreaterThan(1);
			expect(numberIn(cluster.text)).toBe(cluster.count);
			expect(cluster.label).toBe(`${cluster.text} structures`);
		}
		// maplibre's default role and name of a marker (« Map marker », a button) are not theirs:
		// the count's own button is the one control.
		expect(await page.locator('.maplibregl-marker[role="button"]').count()).toBe(0);
		const fitted = onScreenCounts(markers.onScreen);
		expect(fitted.grouped).toBe(markers.clusters.reduce((n, c) => n + c.count, 0));
		expect(fitted.total).toBeLessThanOrEqual(placed.length);
		await screenshot(page, 'carte-noms-groupes');

		// From the keyboard: Entrée on a count zooms into its cluster.
		const before = viewOf(await addressOf(page));
		expect(before).toBeNull();
		const button = page.locator('button.cluster-count').first();
		await button.focus();
		await page.keyboard.press('Enter');
		await viewChange(page, null);
		await mapIdle(page, { after: log.count });
		markers = await mapMarkers(page);
		for (const cluster of markers.clusters) expect(numberIn(cluster.text)).toBe(cluster.count);
		expectSameOrigin(requests);
	});

	test('zoomed out over every structure, the counts add up to the structures placed', async ({
		page
	}) => {
		// A view holding every placed structure: centred on them, at the zoom where their spread
		// takes at most half of the map's width and height (512-px tiles, Mercator at their latitude).
		const lons = placed.map((p) => p.lon);
		const lats = placed.map((p) => p.lat);
		const [west, east, south, north] = [
			Math.min(...lons),
			Math.max(...lons),
			Math.min(...lats),
			Math.max(...lats)
		];
		const centre = [(west + east) / 2, (south + north) / 2] as const;
		const size = 500; // px: less than the map's box at 1280 × 900
		const degreesPerPixel = (zoom: number) => 360 / (512 * 2 ** zoom);
		const stretch = 1 / Math.cos((centre[1] * Math.PI) / 180);
		let zoom = 14;
		while (
			zoom > 3 &&
			(east - west > (size / 2) * degreesPerPixel(zoom) ||
				(north - south) * stretch > (size / 2) * degreesPerPixel(zoom))
		)
			zoom--;

		const requests = requestsOf(page);
		await instrumentMap(page);
		await openMap(page, `${PAGE}?vue=${centre[0]},${centre[1]},${zoom}`);
		await mapIdle(page);
		const markers = await mapMarkers(page);
		const counts = onScreenCounts(markers.onScreen);
		expect(counts.total, markers.onScreen).toBe(placed.length);
		expect(counts.grouped).toBe(markers.clusters.reduce((n, c) => n + c.count, 0));
		for (const cluster of markers.clusters) {
			expect(numberIn(cluster.text)).toBe(cluster.count);
			expect(cluster.label).toBe(`${cluster.text} structures`);
		}
		// The page's own summary agrees: « N placées sur la carte ».
		const summary =
			(await page.locator('section[aria-labelledby="texte"] p').first().textContent()) ?? '';
		expect(summary).toContain(`${placed.length} placées sur la carte`);
		await screenshot(page, 'carte-groupes-vue-large');
		expectSameOrigin(requests);
	});
});
