import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe } from 'vitest';
import { MAP_COVERAGE_COMMUNES, bigMapStructures } from '../../bench/map-data';
import { expect, testAs } from '../fixtures';
import { apiToken, request } from '../http';
import { MIN_BYTES } from '$lib/server/compression';
import {
	CANVAS,
	addressOf,
	canvasImage,
	drawLog,
	instrumentMap,
	mapIdle,
	mapScreenshot,
	paramOf,
	tileAddress,
	viewChange,
	viewOf,
	type DrawLog
} from './map-page';
import { blend, blobsOf, distinctColours, hex } from './png';

/**
 * "With a generated territory of 20 000 structures the map page stays interactive (clustering)"
 * (issue 6), in Chromium against the production build: a territory of every commune and
 * arrondissement of the Bouches-du-Rhône, 20 000 generated structures (tests/bench/map-data.ts,
 * seeded) imported through the API, then its map opened and timed with the browser's clock —
 * navigation, hydration, the first WebGL frame and the idle map (no draw call for a while), and
 * the bytes of every response on the wire (issue 17: at most 2 MB, the full map within 2 s) — and
 * used: a zoom and a click on a cluster, each timed until the view changes, and a popup, whose
 * details come from structure.json when it opens. The figures are
 * printed for the closing note; the server's part is in `npm run bench -- map`.
 *
 * The structures cover only communes no other test uses; at the end the territory is replaced by
 * a single structure, so the other files see (almost) nothing of it whatever the order they run in.
 */

const TERRITORY = 'e2e-carte-13';
const COUNT = 20_000;
/** The import API takes 20 MB per request: 5 000 records are about 1.5 MB. */
const CHUNK = 5_000;
const test = testAs('partner');
const records = bigMapStructures(COUNT, { prefix: 'e2e-carte' });
const PAGE = `/territoires/${TERRITORY}/carte`;
// 13055 too: the code of Marseille stands for all its arrondissements, the demo's among them.
const DEMO_PLACES = ['13204', '13212', '13055'];

/**
 * Every place of the département whose boundary is shipped — its communes and Marseille's
 * arrondissements — but the places of the demo territory: a place in two territories makes an
 * unscoped agent name the territory, which the other browser tests do not (the contract lets a
 * request omit it when the place belongs to one territory only).
 */
function departmentCodes(): string[] {
	const codes: string[] = [];
	for (const file of ['communes-13.geojson', 'arrondissements-marseille.geojson']) {
		const url = new URL(`../../../src/lib/server/seed/${file}`, import.meta.url);
		const shapes = JSON.parse(fs.readFileSync(url, 'utf8')) as {
			features: { properties: { code: string } }[];
		};
		codes.push(...shapes.features.map((f) => f.properties.code));
	}
	return codes.filter((code) => !DEMO_PLACES.includes(code));
}

async function importChunk(chunk: readonly unknown[], mode: 'replace' | 'upsert'): Promise<number> {
	const response = await request(`/api/v1/territories/${TERRITORY}/structures?mode=${mode}`, {
		token: apiToken('pilot'),
		json: chunk
	});
	const text = await response.text();
	expect(response.status, text.slice(0, 500)).toBe(200);
	return (JSON.parse(text) as { total: number }).total;
}

beforeAll(async () => {
	const put = await request(`/api/v1/territories/${TERRITORY}`, {
		method: 'PUT',
		token: apiToken('pilot'),
		json: { name: 'Bouches-du-Rhône : 20 000 structures générées', communes: departmentCodes() }
	});
	expect([200, 201], await put.clone().text()).toContain(put.status);
	let total = 0;
	for (let i = 0; i < records.length; i += CHUNK) {
		total += await importChunk(records.slice(i, i + CHUNK), i === 0 ? 'replace' : 'upsert');
	}
	expect(total).toBe(COUNT);
}, 180_000);

afterAll(async () => {
	// The territory stays (there is no delete), with one structure in a commune of its own.
	await importChunk(records.slice(0, 1), 'replace');
}, 120_000);

interface LoadFigures {
	/** ms from the navigation's start. */
	ttfb: number;
	responseEnd: number;
	domContentLoaded: number;
	load: number;
	hydrated: number | null;
	firstDraw: number;
	/** The first frame with as many draw calls as the last one: everything on screen. */
	fullFrame: number;
	/** The last draw call before the map went quiet. */
	idle: number;
	/** Main-thread tasks over 50 ms from the start to the idle map: the longest, and their excess over 50 ms. */
	longestTask: number;
	blocking: number;
	/** Bytes of the HTML document (the data is inlined in it). */
	htmlBytes: number;
}

/** Records, from before the document is parsed, hydration and the long tasks. */
async function watchLoad(page: Page): Promise<void> {
	await page.addInitScript(() => {
		const w = window as unknown as {
			__hydrated?: number;
			__longTasks: { start: number; duration: number }[];
		};
		w.__longTasks = [];
		new PerformanceObserver((list) => {
			for (const entry of list.getEntries()) {
				w.__longTasks.push({ start: entry.startTime, duration: entry.duration });
			}
		}).observe({ type: 'longtask', buffered: true });
		const observer = new MutationObserver(() => {
			if (document.documentElement.dataset.hydrated === 'true') {
				w.__hydrated = performance.now();
				observer.disconnect();
			}
		});
		observer.observe(document, {
			subtree: true,
			attributes: true,
			attributeFilter: ['data-hydrated']
		});
	});
}

async function loadFigures(page: Page, log: DrawLog): Promise<LoadFigures> {
	const last = log.frames.at(-1);
	const full = log.frames.find((f) => f.draws >= (last?.draws ?? 0));
	return page.evaluate(
		({ first, full, idle }) => {
			const w = window as unknown as {
				__hydrated?: number;
				__longTasks: { start: number; duration: number }[];
			};
			const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
			const tasks = w.__longTasks.filter((t) => t.start <= idle);
			return {
				ttfb: nav.responseStart - nav.startTime,
				responseEnd: nav.responseEnd - nav.startTime,
				domContentLoaded: nav.domContentLoadedEventEnd - nav.startTime,
				load: nav.loadEventEnd - nav.startTime,
				hydrated: w.__hydrated === undefined ? null : w.__hydrated - nav.startTime,
				firstDraw: first - nav.startTime,
				fullFrame: full - nav.startTime,
				idle: idle - nav.startTime,
				longestTask: Math.max(0, ...tasks.map((t) => t.duration)),
				blocking: tasks.reduce((n, t) => n + Math.max(0, t.duration - 50), 0),
				htmlBytes: nav.decodedBodySize
			};
		},
		{ first: log.first as number, full: full?.t as number, idle: log.last as number }
	);
}

/**
 * Clicks in the page (the element, or a point of the canvas) and measures, with the page's clock,
 * the time to the next WebGL frame and to the view's change in the URL.
 */
async function timedInteraction(
	page: Page,
	action: { selector: string } | { x: number; y: number }
): Promise<{ firstFrame: number; viewChanged: number; vue: string }> {
	const before = await paramOf(page, 'vue');
	const start = await page.evaluate(() => performance.now());
	if ('selector' in action) await page.locator(action.selector).click();
	else await page.mouse.click(action.x, action.y);
	const vue = await viewChange(page, before);
	const changed = await page.evaluate(() => performance.now());
	const log = await mapIdle(page, { quietMs: 500 });
	const frame = log.frames.find((f) => f.t > start);
	return {
		firstFrame: (frame?.t ?? NaN) - start,
		// Upper bound: polled every 50 ms from Node.
		viewChanged: changed - start,
		vue
	};
}

/** One response of the page: its bytes on the wire and decoded (null: not known). */
interface WireEntry {
	url: string;
	encoded: number | null;
	decoded: number | null;
	encoding: string;
	/** When it was asked and when its last byte came, in ms since the epoch (Playwright's timing). */
	asked: number;
	received: number;
}

const ms = (value: number | null) => (value === null ? '—' : `${Math.round(value)} ms`);
const kB = (bytes: number) => `${Math.round(bytes / 1024)} kB`;

describe('carte d’un territoire de 20 000 structures', () => {
	test(
		'draws clustered points and stays interactive',
		{ timeout: 90_000 },
		async ({ page, context }) => {
			await instrumentMap(page);
			await watchLoad(page);
			// Every response of the page (its document, scripts, styles, the tiles the map
			// fetches): bytes on the wire (encoded body and headers) and decoded. Each finished
			// request is counted at once and measured after: a body Chromium no longer has is
			// counted as unknown, not dropped with its bytes.
			const wire: WireEntry[] = [];
			const measuring: Promise<unknown>[] = [];
			page.on('requestfinished', (request) => {
				// Playwright's timing, not the page's: maplibre's worker fetches the tiles, and its
				// requests are not in the page's resource timing.
				const timing = request.timing();
				const entry: WireEntry = {
					url: request.url(),
					encoded: null,
					decoded: null,
					encoding: '',
					asked: timing.startTime,
					received: timing.startTime + timing.responseEnd
				};
				wire.push(entry);
				const answer = request.response();
				// Each failure is kept as a missing figure (checked below for the responses of the
				// load), never left unhandled: a request finishing as the page closes at the end of
				// the test cannot read its answer any more.
				const settle = (work: Promise<unknown>) => work.catch(() => undefined);
				measuring.push(
					settle(
						request.sizes().then((sizes) => {
							entry.encoded = sizes.responseBodySize + sizes.responseHeadersSize;
						})
					),
					settle(
						answer.then(async (r) => {
							entry.encoding = (await r?.headerValue('content-encoding')) ?? '';
						})
					),
					settle(
						answer.then(async (r) => {
							entry.decoded = (await r?.body())?.length ?? 0;
						})
					)
				);
			});

			const response = await page.goto(PAGE, { waitUntil: 'load', timeout: 60_000 });
			expect(response?.status()).toBe(200);
			await page.waitForSelector('html[data-hydrated="true"]', { timeout: 30_000 });
			const log = await mapIdle(page, { quietMs: 1000, timeout: 45_000 });
			const load = await loadFigures(page, log);
			const html = (await response?.body()) ?? Buffer.alloc(0);
			const loaded = [...wire];
			await Promise.allSettled(measuring);
			expect(
				loaded.filter((r) => r.encoded === null).map((r) => r.url),
				'réponses sans taille'
			).toEqual([]);
			// The structures: the tiles the first view asked, grouped by the server, each compressed
			// when it is worth it (as every answer of the app from MIN_BYTES).
			const tiles = loaded.filter((r) => tileAddress(r.url) !== null);
			expect(tiles.length, 'tuiles des structures reçues').toBeGreaterThan(0);
			for (const tile of tiles) {
				if ((tile.decoded ?? 0) >= MIN_BYTES) {
					expect(tile.encoding, `${tile.url} compressée`).toMatch(/^(br|gzip)$/);
				}
			}
			// From the navigation's start, as the page's figures.
			const origin = await page.evaluate(
				() =>
					performance.timeOrigin +
					(performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).startTime
			);
			const tilesTiming = {
				start: Math.min(...tiles.map((t) => t.asked)) - origin,
				end: Math.max(...tiles.map((t) => t.received)) - origin
			};
			const tileBytes = (key: 'encoded' | 'decoded') =>
				tiles.reduce((n, r) => n + (r[key] ?? 0), 0);
			const onTheWire = loaded.reduce((n, r) => n + (r.encoded ?? 0), 0);
			const decoded = loaded.reduce((n, r) => n + (r.decoded ?? 0), 0);
			const noBody = loaded.filter((r) => r.decoded === null).length;

			// A later visit (the same page again, as a user coming back): what the server keeps is
			// served from memory, the browser's caches are warm.
			const again = await page.reload({ waitUntil: 'load', timeout: 60_000 });
			expect(again?.status()).toBe(200);
			await page.waitForSelector('html[data-hydrated="true"]', { timeout: 30_000 });
			const againLoad = await loadFigures(
				page,
				await mapIdle(page, { quietMs: 1000, timeout: 45_000 })
			);

			// What the page says it shows, and the list kept short.
			// Every structure of the département (the other tests' too), all placed.
			const summary =
				(await page.locator('section[aria-labelledby="texte"] p').first().textContent()) ?? '';
			const [, shown, placed] = /(\d+)\s+structures\s+\((\d+)\s+placées/.exec(summary) ?? [];
			expect(Number(shown), summary).toBeGreaterThanOrEqual(COUNT);
			expect(Number(placed), summary).toBeGreaterThanOrEqual(COUNT);
			expect(await page.locator('section[aria-labelledby="liste"] li').count()).toBe(200);

			// Drawn: not blank, and the points grouped in clusters (blue discs).
			const image = await canvasImage(page);
			expect(distinctColours(image)).toBeGreaterThan(20);
			const placeFill = blend([255, 255, 255], 0.6, hex('#eef2f6'));
			const clusters = blobsOf(image, blend(hex('#1d4e89'), 0.8, placeFill), 10).filter(
				(b) => b.pixels > 150
			);
			expect(clusters.length, 'groupes de structures').toBeGreaterThan(3);
			await mapScreenshot(page, 'carte-20000');

			// Interactive: the zoom button, then a click on a cluster.
			const zoom = await timedInteraction(page, { selector: '.maplibregl-ctrl-zoom-in' });
			const zoomed = viewOf(await addressOf(page));
			expect(zoomed?.zoom).toBeGreaterThan(0);
			const after = await canvasImage(page);
			const box = await page.locator(CANVAS).boundingBox();
			if (!box) throw new Error('canevas invisible');
			const target = blobsOf(after, blend(hex('#1d4e89'), 0.8, placeFill), 10).filter(
				(b) => b.pixels > 150
			)[0];
			if (!target) throw new Error('aucun groupe visible après le zoom');
			const cluster = await timedInteraction(page, {
				x: box.x + (target.x * box.width) / after.width,
				y: box.y + (target.y * box.height) / after.height
			});
			expect(viewOf(await addressOf(page))?.zoom).toBeGreaterThan(zoomed?.zoom ?? 0);

			// A client-side navigation (a coverage cell): its __data.json is the payload of the data.
			// Its response is awaited (a full reload would bring none, and fail here, saying so),
			// not collected by a listener that dropped what it could not read.
			await page.evaluate(
				() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true)
			);
			const started = await page.evaluate(() => performance.now());
			await page.selectOption('#probleme', 'medical');
			await page.selectOption('#niveau', 'simple');
			const before = (await drawLog(page)).count;
			const cellData = page.waitForResponse(
				(r) =>
					r.url().includes('/carte/__data.json') &&
					new URL(r.url()).searchParams.get('niveau') === 'simple',
				{ timeout: 30_000 }
			);
			await page.getByRole('button', { name: 'Afficher' }).click();
			const dataResponse = await cellData;
			expect(dataResponse.status()).toBe(200);
			await page.waitForSelector('[data-testid="legende-couverture"]', { timeout: 30_000 });
			const cellLog = await mapIdle(page, { after: before, quietMs: 700 });
			const cellMs = (cellLog.last as number) - started;
			expect(
				await page.evaluate(
					() => (window as unknown as { __sameDocument?: boolean }).__sameDocument
				),
				'navigation côté client, sans recharger la page'
			).toBe(true);
			// Its size as the page's resource timing has it: Chromium may already have dropped the
			// body of a fetch the page has read, so that the test could not ask for it.
			const dataUrl = dataResponse.url();
			const data = await page.evaluate((url) => {
				const entry = performance.getEntriesByType('resource').find((e) => e.name === url) as
					PerformanceResourceTiming | undefined;
				return entry && { bytes: entry.decodedBodySize, encoded: entry.encodedBodySize };
			}, dataUrl);
			if (!data) throw new Error(`pas de mesure de ${dataUrl}`);
			const covered = await page
				.locator('[data-testid="legende-couverture"] li strong')
				.allTextContents();
			expect(covered.map(Number).reduce((a, b) => a + b, 0)).toBeGreaterThan(100);

			// A popup's details come when it opens, from structure.json: the page had no address.
			// A generated structure of the list (the département's other structures are listed too).
			const listedNames = await page
				.locator('section[aria-labelledby="liste"] li button')
				.allTextContents();
			const withAddress = new Map(records.filter((r) => r.address).map((r) => [r.name, r]));
			const name = listedNames.map((n) => n.trim()).find((n) => withAddress.has(n));
			const record = name ? withAddress.get(name) : undefined;
			if (!record?.address) throw new Error('aucune structure générée avec adresse dans la liste');
			const first = page
				.getByRole('region', { name: 'Structures de la carte' })
				.getByRole('button', { name: record.name, exact: true });
			expect(html.toString('utf8')).not.toContain(record.address);
			const details = page.waitForResponse((r) => r.url().includes('/carte/structure.json'));
			await first.focus();
			await page.keyboard.press('Enter');
			const detail = await details;
			expect(new URL(detail.url()).searchParams.get('structure')).toBe(record.id);
			await page.locator('[data-testid="popup-structure"]').waitFor();
			expect(await page.locator('.maplibregl-popup').textContent()).toContain(record.address);

			console.log(
				`\n[map-big] ${COUNT} structures (couverture : ${Object.keys(MAP_COVERAGE_COMMUNES).length} communes), ` +
					`territoire de ${departmentCodes().length} codes ; navigateur ${context.browser()?.version() ?? '?'}, WebGL logiciel (SwiftShader)`
			);
			console.table({
				'document HTML (données incluses)': `${kB(load.htmlBytes)} brut, ${kB(zlib.gzipSync(html).length)} gzip`,
				'tuiles des structures (première vue)': `${tiles.length} tuiles, ${kB(tileBytes('decoded'))} brut, ${kB(tileBytes('encoded'))} sur le fil`,
				'chargement jusqu’au repos (toutes les réponses)': `${kB(decoded)} décodés${noBody > 0 ? ` (${noBody} corps indisponibles)` : ''}, ${kB(onTheWire)} sur le fil, ${loaded.length} réponses`,
				'__data.json (navigation client, case medical × simple)': `${kB(data.bytes)} décodés, ${kB(data.encoded)} compressés`,
				'premier octet': ms(load.ttfb),
				'tuiles : première demandée → dernière reçue': `${ms(tilesTiming.start)} → ${ms(tilesTiming.end)}`,
				'fin de la réponse': ms(load.responseEnd),
				DOMContentLoaded: ms(load.domContentLoaded),
				load: ms(load.load),
				'hydratée (data-hydrated)': ms(load.hydrated),
				'premier dessin WebGL': ms(load.firstDraw),
				'première image complète (premier rendu)': ms(load.fullFrame),
				'carte au repos (dernier dessin)': ms(load.idle),
				'visite suivante : premier octet': ms(againLoad.ttfb),
				'visite suivante : hydratée': ms(againLoad.hydrated),
				'visite suivante : première image complète': ms(againLoad.fullFrame),
				'visite suivante : carte au repos': ms(againLoad.idle),
				'tâche la plus longue (jusqu’au repos)': ms(load.longestTask),
				'temps bloquant total (jusqu’au repos)': ms(load.blocking),
				'zoom (+) → image suivante': ms(zoom.firstFrame),
				'zoom (+) → vue dans l’URL': ms(zoom.viewChanged),
				'clic sur un groupe → image suivante': ms(cluster.firstFrame),
				'clic sur un groupe → vue dans l’URL': ms(cluster.viewChanged),
				'case medical × simple → carte au repos': ms(cellMs)
			});

			// Interactive: the first frame after a click within a few frames, the view within seconds.
			expect(zoom.firstFrame).toBeLessThan(1000);
			expect(cluster.firstFrame).toBeLessThan(1000);
			expect(zoom.viewChanged).toBeLessThan(5000);
			// Issue 17: at most 2 MB on the wire.
			expect(onTheWire, 'octets sur le fil').toBeLessThanOrEqual(2 * 1024 * 1024);
			// The 2 s to the full map: printed above, not asserted — a timed test on a shared 2-core
			// machine with software WebGL would fail on the load of the other browser files.
		}
	);
});
