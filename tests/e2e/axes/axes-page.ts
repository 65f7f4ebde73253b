import type { Page } from 'playwright-core';
import { PROBLEM_CODES } from '$lib/domain/taxonomy';
import { expect } from '../fixtures';
import { request } from '../http';

/**
 * What the chart page draws, read from the DOM, and what the API says: the tests compare the two
 * rather than a hard-coded list.
 */

export interface ApiCell {
	problem: string;
	level: string;
	structures: string[];
	status: 'gap' | 'single' | 'overlap';
}

export interface ApiCoverage {
	territory: string;
	commune: string | null;
	cells: ApiCell[];
}

/** GET /api/v1/territories/{id}/coverage[?commune=], with an API token. */
export async function apiCoverage(
	territory: string,
	token: string,
	commune?: string
): Promise<ApiCoverage> {
	const query = commune ? `?commune=${encodeURIComponent(commune)}` : '';
	const response = await request(`/api/v1/territories/${territory}/coverage${query}`, { token });
	expect(response.status, await response.clone().text()).toBe(200);
	return (await response.json()) as ApiCoverage;
}

/** The import record of a structure (GET /api/v1/structures/{id}). */
export interface ApiStructure {
	id: string;
	name: string;
	kind: string;
	problems: string[];
	level_min: string;
	level_max: string;
}

export async function apiStructures(
	ids: Iterable<string>,
	token: string
): Promise<Map<string, ApiStructure>> {
	const out = new Map<string, ApiStructure>();
	for (const id of ids) {
		const response = await request(`/api/v1/structures/${encodeURIComponent(id)}`, { token });
		expect(response.status, id).toBe(200);
		out.set(id, (await response.json()) as ApiStructure);
	}
	return out;
}

export function structureIds(coverage: ApiCoverage): string[] {
	return [...new Set(coverage.cells.flatMap((c) => c.structures))].sort();
}

export const cellKey = (c: { problem: string; level: string }) => `${c.problem}|${c.level}`;

/** Markers the chart must draw: one per gap or overlap, with its count. */
export function expectedMarkers(coverage: ApiCoverage): string[] {
	return coverage.cells
		.filter((c) => c.status !== 'single')
		.map((c) => `${c.status} ${cellKey(c)} ${c.structures.length}`)
		.sort();
}

export interface Box {
	x: number;
	y: number;
	width: number;
	height: number;
}

export interface ChartState {
	cells: { cell: string; status: string; box: Box }[];
	markers: string[];
	zones: { id: string; rects: Box[]; opacity: string | null }[];
}

/** Reads the chart: background cells, markers, zones (in SVG coordinates). */
export function readChart(page: Page): Promise<ChartState> {
	return page.evaluate(() => {
		const svg = document.querySelector('svg.axes');
		if (!svg) throw new Error('pas de graphique svg.axes');
		const box = (r: Element) => ({
			x: Number(r.getAttribute('x')),
			y: Number(r.getAttribute('y')),
			width: Number(r.getAttribute('width')),
			height: Number(r.getAttribute('height'))
		});
		return {
			cells: [...svg.querySelectorAll('rect[data-cell]')].map((r) => ({
				cell: r.getAttribute('data-cell') ?? '',
				status: r.getAttribute('data-status') ?? '',
				box: box(r)
			})),
			markers: [...svg.querySelectorAll('a[data-marker]')]
				.map(
					(a) =>
						`${a.getAttribute('data-marker')} ${a.getAttribute('data-cell')} ${a.querySelector('text')?.textContent?.trim()}`
				)
				.sort(),
			zones: [...svg.querySelectorAll('a[data-structure]')].map((a) => ({
				id: a.getAttribute('data-structure') ?? '',
				rects: [...a.querySelectorAll('rect')].map(box),
				opacity: a.querySelector('g')?.getAttribute('opacity') ?? null
			}))
		};
	});
}

/** Runs of contiguous problems of a remit, on the contract's axis (computed here, not by the app). */
export function runsOf(problems: readonly string[]): { from: number; to: number }[] {
	const positions = PROBLEM_CODES.map((p, i) => (problems.includes(p) ? i : -1)).filter(
		(i) => i >= 0
	);
	const runs: { from: number; to: number }[] = [];
	for (const i of positions) {
		const last = runs.at(-1);
		if (last && last.to === i - 1) last.to = i;
		else runs.push({ from: i, to: i });
	}
	return runs;
}

/**
 * Each zone drawn truthfully: one rectangle per run of contiguous problems, each inside the
 * columns of its run and the rows of the structure's level range, none over the columns between.
 */
export function expectZonesMatchRemits(
	chart: ChartState,
	structures: ReadonlyMap<string, ApiStructure>
): void {
	const cellBox = new Map(chart.cells.map((c) => [c.cell, c.box]));
	const column = (i: number) => cellBox.get(`${PROBLEM_CODES[i]}|information`) as Box;
	const row = (level: string) => cellBox.get(`${PROBLEM_CODES[0]}|${level}`) as Box;
	for (const zone of chart.zones) {
		const s = structures.get(zone.id);
		expect(s, zone.id).toBeDefined();
		const runs = runsOf((s as ApiStructure).problems);
		expect(zone.rects.length, `${zone.id} : un rectangle par suite de problèmes`).toBe(runs.length);
		const top = row((s as ApiStructure).level_max).y;
		const bottom = row((s as ApiStructure).level_min).y + row((s as ApiStructure).level_min).height;
		const rects = [...zone.rects].sort((a, b) => a.x - b.x);
		runs.forEach((run, i) => {
			const r = rects[i] as Box;
			const left = column(run.from).x;
			const right = column(run.to).x + column(run.to).width;
			expect(r.x, zone.id).toBeGreaterThanOrEqual(left);
			expect(r.x + r.width, zone.id).toBeLessThanOrEqual(right);
			// It reaches into the first and the last column of its run: it spans them all.
			expect(r.x, zone.id).toBeLessThan(column(run.from).x + column(run.from).width / 2);
			expect(r.x + r.width, zone.id).toBeGreaterThan(column(run.to).x + column(run.to).width / 2);
			expect(r.y, zone.id).toBeGreaterThanOrEqual(top);
			expect(r.y + r.height, zone.id).toBeLessThanOrEqual(bottom);
		});
	}
}
