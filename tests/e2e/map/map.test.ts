import type { Page } from 'playwright-core';
import { beforeAll, describe } from 'vitest';
import { COVERAGE_COLOURS, OFFLINE_STYLE } from '$lib/components/map/style';
import type { TileProperties } from '$lib/geo/clusters';
import { DEMO_TERRITORY_ID } from '../demo-data';
import {
	contextOptions,
	expect,
	expectNoAxeViolations,
	screenshot,
	signIn,
	testAs,
	watchedPage
} from '../fixtures';
import { apiToken } from '../http';
import {
	CANVAS,
	addressOf,
	apiGet,
	canvasImage,
	instrumentMap,
	mapIdle,
	numberIn,
	openMap,
	paramOf,
	tileAddress,
	tileFeatures,
	viewChange,
	viewOf,
	workersAndViolations,
	worldTile
} from './map-page';
import { blend, blobsOf, distinctColours, hex, shareOf, type Rgb } from './png';

/**
 * The map of the demo territory in Chromium (software WebGL), signed in as a partner of that
 * territory (issue 6): the canvas is drawn (pixels sampled), the coverage layer of a cell matches
 * the API per place (legend, text alternative and colours), a structure chosen from the keyboard
 * list opens its popup and highlights its area, the view and the selection live in the URL and a
 * link restores them. One test runs with the real Content-Security-Policy (no bypass), to prove
 * maplibre's blob: workers are allowed.
 */

const ACCOUNT = 'partnerMarseille';
const test = testAs(ACCOUNT);
const TOKEN = () => apiToken(ACCOUNT);
const PAGE = `/territoires/${DEMO_TERRITORY_ID}/carte`;
const CELL = { problem: 'medical', level: 'coordonnee' } as const;

/* The paint of TerritoryMap.svelte and style.ts, as blended over the plain background. */
const BACKGROUND = hex(
	(OFFLINE_STYLE.layers[0] as { paint: { 'background-color': string } }).paint['background-color']
);
/** Places without a choropleth: white at 0.6. */
const PLACE_FILL = blend([255, 255, 255], 0.6, BACKGROUND);
/** Choropleth: the status colour at 0.65. */
const STATUS_FILL: Record<Status, Rgb> = {
	gap: blend(hex(COVERAGE_COLOURS.gap), 0.65, BACKGROUND),
	single: blend(hex(COVERAGE_COLOURS.single), 0.65, BACKGROUND),
	overlap: blend(hex(COVERAGE_COLOURS.overlap), 0.65, BACKGROUND)
};
/** The outline of a selected structure's area, opaque. */
const AREA_LINE = hex('#1d4e89');

type Status = 'gap' | 'single' | 'overlap';
const statusOf = (count: number): Status =>
	count === 0 ? 'gap' : count === 1 ? 'single' : 'overlap';
const cellStatusOf = (ids: readonly string[]): Status => statusOf(ids.length);

interface ApiStructure {
	id: string;
	name: string;
	kind: string;
	lon?: number;
	lat?: number;
}

let places: { code: string; name: string }[];
/** Per place of the territory, the structures the API lists for the cell. */
const byPlace = new Map<string, ApiStructure[]>();
let everyStructure: ApiStructure[];

beforeAll(async () => {
	const territory = await apiGet<{ communes: { code: string; name: string }[] }>(
		`/api/v1/territories/${DEMO_TERRITORY_ID}`,
		TOKEN()
	);
	places = territory.communes;
	expect(places.length).toBeGreaterThan(0);
	for (const place of places) {
		const answer = await apiGet<{ total: number; items: ApiStructure[] }>(
			`/api/v1/structures?territory=${DEMO_TERRITORY_ID}&commune=${place.code}` +
				`&problem=${CELL.problem}&level=${CELL.level}&limit=200`,
			TOKEN()
		);
		expect(answer.items).toHaveLength(answer.total);
		byPlace.set(place.code, answer.items);
	}
	const all = await apiGet<{ total: number; items: ApiStructure[] }>(
		`/api/v1/structures?territory=${DEMO_TERRITORY_ID}&limit=200`,
		TOKEN()
	);
	expect(all.items).toHaveLength(all.total);
	everyStructure = all.items;
});

function expectedLegend(): Record<Status, number> {
	const counts: Record<Status, number> = { gap: 0, single: 0, overlap: 0 };
	for (const items of byPlace.values()) counts[statusOf(items.length)]++;
	return counts;
}

async function legend(page: Page): Promise<Record<Status, number>> {
	const out = {} as Record<Status, number>;
	for (const status of ['gap', 'single', 'overlap'] as const) {
		const text = await page
			.locator(`[data-testid="legende-couverture"] li[data-status="${status}"] strong`)
			.textContent();
		out[status] = Number(text?.trim());
	}
	return out;
}

/** The text alternative's row of a place: the API's structures, or "aucune (trou)". */
async function expectTableRow(page: Page, code: string): Promise<void> {
	const cell = page.locator(`tr[data-place="${code}"] td`).nth(1);
	const text = ((await cell.textContent()) ?? '').trim();
	const expected = byPlace.get(code) ?? [];
	if (expected.length === 0) {
		expect(text, `ligne ${code}`).toBe('aucune (trou)');
		return;
	}
	// Every listed name once, nothing else but the separators.
	let rest = text;
	for (const s of expected) {
		expect(rest, `ligne ${code} : ${s.name}`).toContain(s.name);
		rest = rest.replace(s.name, '');
	}
	expect(rest.replace(/[,\s]/g, ''), `ligne ${code} : noms en trop`).toBe('');
}

describe('carte du territoire de démonstration', () => {
	test('draws the map under the real CSP, matches the API per place, selects a structure, keeps the view in the URL', async ({
		browser
	}) => {
		// Its own context, without bypassCSP: the page's real Content-Security-Policy applies.
		const context = await browser.newContext(contextOptions({ bypassCSP: false }));
		try {
			await signIn(context, ACCOUNT);
			const { page, errors } = await watchedPage(context);
			await instrumentMap(page);

			const response = await openMap(page, PAGE);
			const csp = (await response.allHeaders())['content-security-policy'] ?? '';
			expect(csp, 'en-tête CSP de la page').toMatch(/worker-src[^;]*blob:/);
			let log = await mapIdle(page);
			const { workers } = await workersAndViolations(page);
			expect(
				workers.some((url) => url.startsWith('blob:')),
				`workers : ${workers.join(', ')}`
			).toBe(true);

			// 1. Not blank: the background, the places' fill and their outlines, the points.
			const plain = await canvasImage(page);
			expect(plain.width).toBeGreaterThan(300);
			expect(distinctColours(plain)).toBeGreaterThan(20);
			expect(shareOf(plain, PLACE_FILL), 'remplissage des communes').toBeGreaterThan(0.05);
			expect(shareOf(plain, BACKGROUND), 'fond de carte').toBeGreaterThan(0.01);
			// The initial view fits the territory; no view in the URL until the user moves.
			expect(viewOf(await addressOf(page))).toBeNull();

			// 2. A cell: the coverage layer, per place, as the API says.
			await page.selectOption('#probleme', CELL.problem);
			await page.selectOption('#niveau', CELL.level);
			await page.getByRole('button', { name: 'Afficher' }).click();
			await page.waitForURL((url) => url.searchParams.get('niveau') === CELL.level);
			await page.waitForSelector('[data-testid="legende-couverture"]');
			log = await mapIdle(page, { after: log.count });
			const expected = expectedLegend();
			expect(await legend(page)).toEqual(expected);
			const rows = await page
				.locator('tr[data-place]')
				.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-place')));
			expect(rows.sort()).toEqual(places.map((p) => p.code).sort());
			for (const place of places) await expectTableRow(page, place.code);
			const coloured = await canvasImage(page);
			for (const status of ['gap', 'single', 'overlap'] as const) {
				const share = shareOf(coloured, STATUS_FILL[status]);
				if (expected[status] > 0) expect(share, `couleur « ${status} »`).toBeGreaterThan(0.02);
				else expect(share, `couleur « ${status} » absente`).toBeLessThan(0.002);
			}
			expect(shareOf(coloured, PLACE_FILL), 'plus de communes sans couleur').toBeLessThan(0.002);
			expect(shareOf(coloured, AREA_LINE, 4), 'aucune zone surlignée').toBeLessThan(0.0005);
			await screenshot(page, 'carte');

			// 3. A structure from the keyboard list: popup, area highlighted, selection in the URL.
			const chosen =
				everyStructure.find(
					(s) =>
						s.lon !== undefined &&
						(byPlace.get(places[0]?.code ?? '') ?? []).some((c) => c.id === s.id)
				) ?? everyStructure.find((s) => s.lon !== undefined);
			if (!chosen) throw new Error('aucune structure placée sur la carte');
			const button = page
				.getByRole('region', { name: 'Structures de la carte' })
				.getByRole('button', { name: chosen.name, exact: true });
			await button.focus();
			const zone = page.waitForResponse((r) => r.url().includes('/carte/zone.json'));
			const details = page.waitForResponse((r) => r.url().includes('/carte/structure.json'));
			await page.keyboard.press('Enter');
			const zoneResponse = await zone;
			// The popup's details are asked when it opens: the page's data has no address or remit.
			const detailsResponse = await details;
			expect(detailsResponse.status()).toBe(200);
			expect(new URL(detailsResponse.url()).searchParams.get('structure')).toBe(chosen.id);
			expect(await detailsResponse.json()).toMatchObject({ id: chosen.id, name: chosen.name });
			expect(zoneResponse.status()).toBe(200);
			expect(new URL(zoneResponse.url()).searchParams.get('structure')).toBe(chosen.id);
			const area = (await zoneResponse.json()) as {
				places: { features: unknown[] };
				polygon: unknown;
			};
			expect(area.places.features.length > 0 || area.polygon !== null).toBe(true);
			await expect.poll(() => paramOf(page, 'structure')).toBe(chosen.id);
			await expect.poll(() => button.getAttribute('aria-pressed')).toBe('true');
			const popup = page.locator('.maplibregl-popup');
			await popup.waitFor();
			expect(await popup.locator('strong').textContent()).toBe(chosen.name);
			expect(
				await popup.getByRole('link', { name: 'Fiche de la structure' }).getAttribute('href')
			).toBe(`/structures/${encodeURIComponent(chosen.id)}`);
			log = await mapIdle(page, { after: log.count });
			const highlighted = await canvasImage(page);
			expect(shareOf(highlighted, AREA_LINE, 4), 'contour de la zone couverte').toBeGreaterThan(
				0.001
			);
			await screenshot(page, 'carte-popup');

			// 4. Zooming keeps the view in the URL; a link with the view and selection restores them.
			// The fitted view is not in the URL until the user moves; each zoom step is.
			// A resize is not a move: the window narrowed then widened again (as a scroll bar does
			// when the list fills) redraws the map and leaves the URL without a view.
			const size = page.viewportSize();
			if (!size) throw new Error('pas de taille de fenêtre');
			await page.setViewportSize({ width: Math.round(size.width * 0.7), height: size.height });
			log = await mapIdle(page, { after: log.count });
			await page.setViewportSize(size);
			log = await mapIdle(page, { after: log.count });
			expect(viewOf(await addressOf(page))).toBeNull();
			await page.locator('.maplibregl-ctrl-zoom-in').click();
			const first = await viewChange(page, null);
			await page.locator('.maplibregl-ctrl-zoom-in').click();
			const vue = await viewChange(page, first);
			const [once, twice] = [viewOf(`http://x/?vue=${first}`), viewOf(await addressOf(page))];
			expect((twice?.zoom ?? 0) - (once?.zoom ?? 0)).toBeCloseTo(1, 1);
			// The selection survives the moves.
			expect(await paramOf(page, 'structure')).toBe(chosen.id);
			await mapIdle(page, { after: log.count });

			const { page: shared, errors: sharedErrors } = await watchedPage(context);
			await instrumentMap(shared);
			const link = new URL(await addressOf(page));
			await openMap(shared, `${link.pathname}${link.search}`);
			await mapIdle(shared);
			await shared.locator('.maplibregl-popup').waitFor();
			expect(await shared.locator('.maplibregl-popup strong').textContent()).toBe(chosen.name);
			expect(await legend(shared)).toEqual(expected);
			// No move yet on the shared page: its URL is the link as given.
			expect(await paramOf(shared, 'vue')).toBe(vue);
			await shared.close();
			sharedErrors.expectNone();

			// 5. Changing the layer keeps the current view (the form carries it).
			await page.selectOption('#niveau', 'simple');
			await page.getByRole('button', { name: 'Afficher' }).click();
			await page.waitForURL((url) => url.searchParams.get('niveau') === 'simple');
			expect(await paramOf(page, 'vue')).toBe(vue);

			const { violations } = await workersAndViolations(page);
			expect(violations, 'violations de la CSP').toEqual([]);
			await page.close();
			errors.expectNone();
		} finally {
			await context.close();
		}
	});

	test('a cell whose places differ is coloured place by place, as the coverage API says', async ({
		page
	}) => {
		// Per place, the grid of the coverage API; the cell where the places' statuses differ most.
		const grids = new Map<string, Map<string, Status>>();
		for (const place of places) {
			const grid = await apiGet<{
				cells: { problem: string; level: string; structures: string[]; status: Status }[];
			}>(`/api/v1/territories/${DEMO_TERRITORY_ID}/coverage?commune=${place.code}`, TOKEN());
			grids.set(
				place.code,
				new Map(grid.cells.map((c) => [`${c.problem}|${c.level}`, cellStatusOf(c.structures)]))
			);
		}
		const keys = [...(grids.values().next().value as Map<string, Status>).keys()];
		const statusesOf = (key: string) => places.map((p) => grids.get(p.code)?.get(key) as Status);
		const ranked = keys
			.map((key) => ({ key, statuses: new Set(statusesOf(key)) }))
			.sort(
				(a, b) =>
					b.statuses.size - a.statuses.size ||
					Number(b.statuses.has('gap')) - Number(a.statuses.has('gap'))
			);
		const chosen = ranked[0] as { key: string; statuses: Set<Status> };
		expect(chosen.statuses.size, 'une case aux statuts différents selon le lieu').toBeGreaterThan(
			1
		);
		const [problem, level] = chosen.key.split('|') as [string, string];

		await instrumentMap(page);
		await openMap(page, `${PAGE}?probleme=${problem}&niveau=${level}`);
		await mapIdle(page);
		const expected: Record<Status, number> = { gap: 0, single: 0, overlap: 0 };
		for (const status of statusesOf(chosen.key)) expected[status]++;
		expect(await legend(page)).toEqual(expected);
		const image = await canvasImage(page);
		for (const status of ['gap', 'single', 'overlap'] as const) {
			const share = shareOf(image, STATUS_FILL[status]);
			if (expected[status] > 0) expect(share, `couleur « ${status} »`).toBeGreaterThan(0.02);
			else expect(share, `couleur « ${status} » absente`).toBeLessThan(0.002);
		}
		await screenshot(page, 'carte-case-contrastee');
	});

	test('the structures come apart from the page, as tiles grouped by the server, an id and a kind each', async ({
		page
	}) => {
		await instrumentMap(page);
		const tiles: { z: number; status: number; type: string; features: TileProperties[] }[] = [];
		const reading: Promise<unknown>[] = [];
		page.on('response', (response) => {
			const address = tileAddress(response.url());
			if (!address) return;
			reading.push(
				response.body().then((body) =>
					tiles.push({
						z: address.z,
						status: response.status(),
						type: response.headers()['content-type'] ?? '',
						features: tileFeatures(body)
					})
				)
			);
		});
		await openMap(page, PAGE);
		await mapIdle(page);
		await Promise.all(reading);
		expect(tiles.length, 'tuiles demandées par la carte').toBeGreaterThan(0);
		const placed = everyStructure.filter((s) => s.lon !== undefined && s.lat !== undefined);
		const placedIds = new Set(placed.map((s) => s.id));
		for (const tile of tiles) {
			expect(tile.status).toBe(200);
			expect(tile.type).toBe('application/vnd.mapbox-vector-tile');
			for (const f of tile.features) {
				if ('cluster' in f) {
					expect(Object.keys(f).sort()).toEqual([
						'cluster',
						'cluster_id',
						'expansion_zoom',
						'point_count'
					]);
					expect(f.expansion_zoom).toBeGreaterThan(tile.z);
				} else {
					expect(Object.keys(f).sort()).toEqual(['id', 'k']);
					expect(placedIds.has(f.id), f.id).toBe(true);
				}
			}
		}
		// The world's tile holds the map's every placed structure once, and no other.
		const world = await worldTile(page, DEMO_TERRITORY_ID);
		expect(world.count).toBe(placed.length);
		// A tile that does not exist is refused, saying which coordinate is wrong.
		for (const [address, field] of [
			['17/0/0', 'z'],
			['3/8/0', 'x'],
			['2/0/abc', 'y']
		] as const) {
			const refused = await page.request.get(`${PAGE}/tuiles/${address}`);
			expect(refused.status(), address).toBe(400);
			expect(await refused.text()).toMatch(new RegExp(`Tuile invalide \\(${field} : `));
		}
		expect(distinctColours(await canvasImage(page))).toBeGreaterThan(20);
		// Drawn in full: the page says how many structures the view shows, none missing.
		const said = (await page.getByTestId('carte-ecran').textContent()) ?? '';
		const onScreen = numberIn(/:\s*([\d\s]+)\s+structure/u.exec(said)?.[1] ?? '');
		expect(onScreen).toBeGreaterThan(0);
		expect(onScreen).toBeLessThanOrEqual(placed.length);
	});

	test('a click on a point of the canvas opens its popup', async ({ page }) => {
		// A structure alone at its position, in the centre of a view past the clustering zoom.
		const placed = everyStructure.filter((s) => s.lon !== undefined && s.lat !== undefined);
		const alone = placed.find(
			(s) =>
				placed.filter(
					(o) =>
						Math.abs((o.lon as number) - (s.lon as number)) < 0.002 &&
						Math.abs((o.lat as number) - (s.lat as number)) < 0.002
				).length === 1
		);
		if (!alone) throw new Error('aucune structure isolée');
		await instrumentMap(page);
		await openMap(page, `${PAGE}?vue=${alone.lon},${alone.lat},16`);
		await mapIdle(page);
		const box = await page.locator(CANVAS).boundingBox();
		if (!box) throw new Error('canevas invisible');
		const details = page.waitForResponse((r) => r.url().includes('/carte/structure.json'));
		await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
		await expect.poll(() => paramOf(page, 'structure')).toBe(alone.id);
		// Fetched on demand, when the popup opens: its name, kind and contact from structure.json.
		const response = await details;
		expect(new URL(response.url()).searchParams.get('structure')).toBe(alone.id);
		const detail = (await response.json()) as { name: string; address: string | null };
		expect(detail.name).toBe(alone.name);
		await page.locator('[data-testid="popup-structure"]').waitFor();
		expect(await page.locator('.maplibregl-popup strong').textContent()).toBe(alone.name);
		if (detail.address) {
			expect(await page.locator('.maplibregl-popup').textContent()).toContain(detail.address);
		}
	});

	test('a click on a cluster zooms in', async ({ page }) => {
		await instrumentMap(page);
		await openMap(page, PAGE);
		const log = await mapIdle(page);
		const image = await canvasImage(page);
		const clusters = blobsOf(image, blend(hex('#1d4e89'), 0.8, PLACE_FILL), 10).filter(
			(b) => b.pixels > 150
		);
		expect(clusters.length, 'groupes de structures à l’écran').toBeGreaterThan(0);
		const cluster = clusters[0] as { x: number; y: number };
		const box = await page.locator(CANVAS).boundingBox();
		if (!box) throw new Error('canevas invisible');
		await page.mouse.click(
			box.x + (cluster.x * box.width) / image.width,
			box.y + (cluster.y * box.height) / image.height
		);
		await viewChange(page, null);
		await mapIdle(page, { after: log.count });
		expect(viewOf(await addressOf(page))?.zoom).toBeGreaterThan(10);
	});

	test('tiles that failed are said under the map until the view gets its tiles', async ({
		page,
		pageErrors
	}) => {
		pageErrors.allow(/status of 503/);
		// The server out of reach for the structures' tiles only: the page and its places came.
		await page.route('**/carte/tuiles/**', (route) =>
			route.fulfill({ status: 503, body: 'indisponible' })
		);
		const unavailable = page.getByText('Structures indisponibles sur la carte.');
		await instrumentMap(page);
		await openMap(page, PAGE);
		await unavailable.waitFor({ state: 'visible' });
		const log = await mapIdle(page);
		// Back: the next zoom asks its own tiles, which come, and the message goes.
		await page.unroute('**/carte/tuiles/**');
		await page.locator('.maplibregl-ctrl-zoom-in').click();
		await mapIdle(page, { after: log.count });
		await unavailable.waitFor({ state: 'hidden' });
		// The structures of the new view are drawn: the count under the map is of what is rendered.
		const onScreen = (await page.getByTestId('carte-ecran').textContent()) ?? '';
		expect(Number(/À l’écran : (\d+)/.exec(onScreen)?.[1]), onScreen).toBeGreaterThan(0);
	});

	test('the filters shown, the points and the URL agree after going back and after a reset', async ({
		page
	}) => {
		const placed = everyStructure.filter((s) => s.lon !== undefined && s.lat !== undefined);
		const kinds = [...new Set(placed.map((s) => s.kind))];
		const kind = kinds.find((k) => placed.some((s) => s.kind !== k)) as string;
		/**
		 * The next tile the map asks whose `type` is `type` (null: none), and how many structures
		 * the tiles of that query hold (the world's tile, with the page's session).
		 */
		const nextTiles = async (type: string | null) => {
			const response = await page.waitForResponse((r) => {
				const address = tileAddress(r.url());
				return address !== null && new URLSearchParams(address.query).get('type') === type;
			});
			expect(response.status()).toBe(200);
			return (await worldTile(page, DEMO_TERRITORY_ID, tileAddress(response.url())?.query)).count;
		};

		await instrumentMap(page);
		const all = nextTiles(null);
		await openMap(page, PAGE);
		expect(await all).toBe(placed.length);
		let log = await mapIdle(page);

		// One kind: the structures of that kind only.
		await page.selectOption('#type', kind);
		const ofKind = nextTiles(kind);
		await page.getByRole('button', { name: 'Afficher' }).click();
		expect(await ofKind).toBe(placed.filter((s) => s.kind === kind).length);
		log = await mapIdle(page, { after: log.count });

		// Back: every structure again, and the form says so (a select the user changed keeps its
		// choice unless the page sets it again).
		const again = nextTiles(null);
		await page.goBack();
		expect(await again).toBe(placed.length);
		await page.waitForURL((url) => !url.searchParams.has('type'));
		expect(await page.locator('#type').inputValue()).toBe('');
		await mapIdle(page, { after: log.count });

		// A cell, then « Réinitialiser »: no cell in the URL, on the map or in the form.
		await page.selectOption('#probleme', CELL.problem);
		await page.selectOption('#niveau', CELL.level);
		await page.getByRole('button', { name: 'Afficher' }).click();
		await page.waitForSelector('[data-testid="legende-couverture"]');
		expect(await paramOf(page, 'type')).toBe('');
		await page.getByRole('link', { name: 'Réinitialiser' }).click();
		await page.waitForURL((url) => url.search === '');
		await page.locator('[data-testid="legende-couverture"]').waitFor({ state: 'detached' });
		expect(await page.locator('#probleme').inputValue()).toBe('');
		expect(await page.locator('#niveau').inputValue()).toBe('');
		expect(await page.locator('#type').inputValue()).toBe('');
	});

	test('the page has no accessibility violation with a cell and a selection', async ({ page }) => {
		await instrumentMap(page);
		const chosen = everyStructure.find((s) => s.lon !== undefined) as ApiStructure;
		await openMap(
			page,
			`${PAGE}?probleme=${CELL.problem}&niveau=${CELL.level}&structure=${encodeURIComponent(chosen.id)}`
		);
		await mapIdle(page);
		await page.locator('.maplibregl-popup').waitFor();
		await expectNoAxeViolations(page);
	});

	test('a structure’s page shows its small map', async ({ page }) => {
		await instrumentMap(page);
		const chosen = everyStructure.find((s) => s.lon !== undefined) as ApiStructure;
		await openMap(page, `/structures/${encodeURIComponent(chosen.id)}`);
		await mapIdle(page);
		const canvas = page.locator(CANVAS);
		expect(await canvas.count()).toBe(1);
		const image = await canvasImage(page);
		expect(image.width).toBeGreaterThan(100);
		expect(distinctColours(image)).toBeGreaterThan(10);
		expect(shareOf(image, AREA_LINE, 4), 'contour de la zone couverte').toBeGreaterThan(0.001);
		await screenshot(page, 'structure-carte');
	});
});
