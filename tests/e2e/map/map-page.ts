import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, Response } from 'playwright-core';
import { expect } from '../fixtures';
import { request } from '../http';
import { VectorTile } from '@mapbox/vector-tile';
import Pbf from 'pbf';
import { STRUCTURES_LAYER, type TileProperties } from '$lib/geo/clusters';
import { decodePng, type Image } from './png';

/**
 * Helpers of the map's browser tests. The map's instance is not exposed to the page: the tests
 * see what a user sees (the canvas's pixels, the DOM around it, the URL) and, for timing, the
 * WebGL draw calls, counted by a wrapper installed before the page's own scripts run.
 */

export const CANVAS = 'canvas.maplibregl-canvas';

/** What the draw-call wrapper records (window.__mapDraws). */
export interface DrawLog {
	/** Draw calls so far. */
	count: number;
	/** performance.now() of the first and of the latest draw call. */
	first: number | null;
	last: number | null;
	/** One entry per animation frame that drew: its time and number of draw calls. */
	frames: { t: number; draws: number }[];
}

/**
 * Counts the WebGL draw calls of the page (both WebGL versions), per frame. Also records the
 * workers the page creates (maplibre's come from blob: URLs, which the CSP must allow) and the
 * CSP violations the document reports.
 */
export async function instrumentMap(page: Page): Promise<void> {
	await page.addInitScript(() => {
		const w = window as unknown as {
			__mapDraws: DrawLog;
			__workers: string[];
			__cspViolations: string[];
		};
		const log: DrawLog = { count: 0, first: null, last: null, frames: [] };
		w.__mapDraws = log;
		w.__workers = [];
		w.__cspViolations = [];
		let frame: { t: number; draws: number } | null = null;
		const record = () => {
			const now = performance.now();
			log.count++;
			log.first ??= now;
			log.last = now;
			if (!frame) {
				frame = { t: now, draws: 0 };
				log.frames.push(frame);
				// The draws of one maplibre render are in one task: the next task starts a new frame.
				setTimeout(() => (frame = null), 0);
			}
			frame.draws++;
		};
		for (const proto of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
			for (const name of ['drawElements', 'drawArrays'] as const) {
				const original = proto[name] as (...args: unknown[]) => void;
				Object.defineProperty(proto, name, {
					configurable: true,
					writable: true,
					value(this: unknown, ...args: unknown[]) {
						record();
						return original.apply(this, args);
					}
				});
			}
		}
		const NativeWorker = window.Worker;
		window.Worker = class extends NativeWorker {
			constructor(url: string | URL, options?: WorkerOptions) {
				w.__workers.push(String(url));
				super(url, options);
			}
		};
		document.addEventListener('securitypolicyviolation', (event) => {
			w.__cspViolations.push(
				`${event.effectiveDirective} ${event.blockedURI || '(inline)'} (${event.sourceFile}:${event.lineNumber})`
			);
		});
	});
}

export function drawLog(page: Page): Promise<DrawLog> {
	return page.evaluate(() => (window as unknown as { __mapDraws: DrawLog }).__mapDraws);
}

export function workersAndViolations(
	page: Page
): Promise<{ workers: string[]; violations: string[] }> {
	return page.evaluate(() => {
		const w = window as unknown as { __workers: string[]; __cspViolations: string[] };
		return { workers: [...w.__workers], violations: [...w.__cspViolations] };
	});
}

/**
 * Waits until the map has drawn (more than `after` draw calls) and then drawn nothing for
 * `quietMs`: maplibre only renders while something changes, so a quiet canvas is an idle map.
 */
export async function mapIdle(
	page: Page,
	{
		after = 0,
		quietMs = 700,
		timeout = 30_000
	}: { after?: number; quietMs?: number; timeout?: number } = {}
): Promise<DrawLog> {
	await page.waitForFunction(
		({ selector, after, quietMs }) => {
			const canvas = document.querySelector(selector) as HTMLCanvasElement | null;
			const log = (window as unknown as { __mapDraws?: DrawLog }).__mapDraws;
			return (
				!!canvas &&
				canvas.width > 0 &&
				canvas.height > 0 &&
				!!log &&
				log.count > after &&
				log.last !== null &&
				performance.now() - log.last >= quietMs
			);
		},
		{ selector: CANVAS, after, quietMs },
		{ timeout, polling: 100 }
	);
	return drawLog(page);
}

/**
 * The map's canvas as drawn, decoded: the controls, attribution, popup and HTML markers (names,
 * cluster counts) laid over it are hidden for the shot, so that only the WebGL pixels are sampled.
 */
export async function canvasImage(page: Page, selector = CANVAS): Promise<Image> {
	return decodePng(
		await page.locator(selector).first().screenshot({
			animations: 'disabled',
			style:
				'.maplibregl-control-container, .maplibregl-popup, .maplibregl-marker { visibility: hidden !important; }'
		})
	);
}

/**
 * The address bar as the page sees it. `page.url()` follows a history.replaceState (the map's
 * shallow URL updates) only after a round trip to the browser, so it may lag just after one.
 */
export function addressOf(page: Page): Promise<string> {
	return page.evaluate(() => location.href);
}

/** One parameter of the current address. */
export async function paramOf(page: Page, name: string): Promise<string | null> {
	return new URL(await addressOf(page)).searchParams.get(name);
}

/** The `vue` of the URL as numbers, or null. */
export function viewOf(url: string): { lon: number; lat: number; zoom: number } | null {
	const vue = new URL(url).searchParams.get('vue');
	if (!vue) return null;
	const [lon, lat, zoom] = vue.split(',').map(Number);
	return { lon: lon as number, lat: lat as number, zoom: zoom as number };
}

/**
 * Waits until the URL holds a `vue` other than `before` (the map's view is kept in the URL); an
 * empty `vue=` (the filter form's, before any move) is no view.
 */
export async function viewChange(
	page: Page,
	before: string | null,
	timeout = 15_000
): Promise<string> {
	await page.waitForFunction(
		(before) => {
			const vue = new URL(location.href).searchParams.get('vue');
			return !!vue && vue !== before;
		},
		before,
		{ timeout, polling: 50 }
	);
	return (await paramOf(page, 'vue')) as string;
}

export async function openMap(page: Page, path: string): Promise<Response> {
	const response = await page.goto(path);
	expect(response?.status()).toBe(200);
	await page.waitForSelector('html[data-hydrated="true"]');
	return response as Response;
}

/** GET on the API with a token, 200 expected, the JSON body. */
export async function apiGet<T>(path: string, token: string): Promise<T> {
	const response = await request(path, { token });
	const text = await response.text();
	expect(response.status, `${path} : ${text.slice(0, 500)}`).toBe(200);
	return JSON.parse(text) as T;
}

const SCREENSHOT_DIR = fileURLToPath(new URL('../../../test-results/screenshots', import.meta.url));

/** The map alone (canvas and controls), as a PNG under test-results/screenshots/. */
export async function mapScreenshot(page: Page, name: string): Promise<string> {
	fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
	const file = path.join(SCREENSHOT_DIR, `${name}.png`);
	await page.locator('[data-testid="carte"]').first().screenshot({ path: file });
	return file;
}

/** The number written in a text, whatever the separators (« 1 234 » in French). */
export function numberIn(text: string | null): number {
	return Number((text ?? '').replace(/\D/g, ''));
}

/**
 * The HTML markers over the map once it is idle: the places' names and the clusters' counts
 * (written by the wrapper when maplibre reports idle, a moment after the last draw call).
 */
export async function mapMarkers(page: Page): Promise<{
	names: { text: string; box: Box }[];
	clusters: { text: string; label: string | null; count: number; box: Box }[];
	onScreen: string;
}> {
	await page.locator('[data-testid="carte-ecran"]').waitFor();
	const names = await page.locator('.place-name').evaluateAll((spans) =>
		spans.map((span) => {
			const r = span.getBoundingClientRect();
			return {
				text: span.textContent?.trim() ?? '',
				box: { x: r.x, y: r.y, width: r.width, height: r.height }
			};
		})
	);
	const clusters = await page.locator('button.cluster-count').evaluateAll((buttons) =>
		buttons.map((button) => {
			const r = button.getBoundingClientRect();
			return {
				text: button.textContent?.trim() ?? '',
				label: button.getAttribute('aria-label'),
				count: Number(button.getAttribute('data-count')),
				box: { x: r.x, y: r.y, width: r.width, height: r.height }
			};
		})
	);
	const onScreen =
		(await page.locator('[data-testid="carte-ecran"]').textContent())?.replace(/\s+/g, ' ') ?? '';
	return { names, clusters, onScreen };
}

export interface Box {
	x: number;
	y: number;
	width: number;
	height: number;
}

export function overlap(a: Box, b: Box): boolean {
	return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The features of a tile of the map's structures (Mapbox Vector Tile bytes). */
export function tileFeatures(bytes: Uint8Array): TileProperties[] {
	const layer = new VectorTile(new Pbf(bytes)).layers[STRUCTURES_LAYER];
	if (!layer) return [];
	return Array.from(
		{ length: layer.length },
		(_, i) => layer.feature(i).properties as unknown as TileProperties
	);
}

/** A tile's z/x/y and query, from its URL (null: not a tile of the structures). */
export function tileAddress(
	url: string
): { z: number; x: number; y: number; query: string } | null {
	const parsed = new URL(url);
	const match = /\/carte\/tuiles\/(\d+)\/(\d+)\/(\d+)$/.exec(parsed.pathname);
	if (!match) return null;
	const [z, x, y] = match.slice(1).map(Number) as [number, number, number];
	return { z, x, y, query: parsed.search };
}

/**
 * The structures of the map page's tiles, asked with the page's session as the map asks them:
 * the world's tile (zoom 0) holds every structure of the map once, grouped or alone.
 */
export async function worldTile(
	page: Page,
	territory: string,
	query = ''
): Promise<{ count: number; features: TileProperties[]; contentType: string }> {
	const response = await page.request.get(`/territoires/${territory}/carte/tuiles/0/0/0${query}`);
	expect(response.status()).toBe(200);
	const features = tileFeatures(await response.body());
	return {
		count: features.reduce((n, f) => n + ('cluster' in f ? f.point_count : 1), 0),
		features,
		contentType: response.headers()['content-type'] ?? ''
	};
}
