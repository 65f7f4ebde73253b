import fs from 'node:fs';
import { booleanPointInPolygon, centerOfMass } from '@turf/turf';
import fc from 'fast-check';
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { keepApart, labelPoint, placeLabels, type ScreenBox } from './labels';
import { displayGeometry } from './simplify';

const square = (x: number, y: number, size: number): Polygon['coordinates'][number] => [
	[x, y],
	[x + size, y],
	[x + size, y + size],
	[x, y + size],
	[x, y]
];

const inside = (point: [number, number], geometry: Polygon | MultiPolygon) =>
	booleanPointInPolygon(point, geometry, { ignoreBoundary: true });

describe('labelPoint', () => {
	it('takes the centre of a convex place', () => {
		const point = labelPoint({ type: 'Polygon', coordinates: [square(5, 43, 0.1)] });
		expect(point[0]).toBeCloseTo(5.05, 6);
		expect(point[1]).toBeCloseTo(43.05, 6);
	});

	it('stays inside a U whose centre of mass falls in the notch', () => {
		// A U open upwards: arms 0.1 wide, the notch from x 0.1 to 0.9 and y 0.2 to 1.
		const u: Polygon = {
			type: 'Polygon',
			coordinates: [
				[
					[0, 0],
					[1, 0],
					[1, 1],
					[0.9, 1],
					[0.9, 0.2],
					[0.1, 0.2],
					[0.1, 1],
					[0, 1],
					[0, 0]
				]
			]
		};
		const centre = centerOfMass(u).geometry.coordinates as [number, number];
		expect(inside(centre, u), 'the naive centre is outside').toBe(false);
		const point = labelPoint(u);
		expect(inside(point, u)).toBe(true);
		// In the base, the widest part, rather than in an arm.
		expect(point[1]).toBeLessThan(0.2);
	});

	it('avoids a hole holding the centre', () => {
		const ring: Polygon = {
			type: 'Polygon',
			coordinates: [square(0, 0, 1), square(0.3, 0.3, 0.4)]
		};
		const point = labelPoint(ring);
		expect(inside(point, ring)).toBe(true);
	});

	it('labels a multipolygon in its largest part', () => {
		const islands: MultiPolygon = {
			type: 'MultiPolygon',
			coordinates: [[square(10, 10, 0.01)], [square(0, 0, 1)], [square(-5, 3, 0.2)]]
		};
		const point = labelPoint(islands);
		expect(inside(point, { type: 'Polygon', coordinates: [square(0, 0, 1)] })).toBe(true);
	});

	it('is inside every shipped boundary of the Bouches-du-Rhône and of Marseille, as displayed', () => {
		let count = 0;
		for (const file of ['communes-13.geojson', 'arrondissements-marseille.geojson']) {
			const url = new URL(`../server/seed/${file}`, import.meta.url);
			const shapes = JSON.parse(fs.readFileSync(url, 'utf8')) as FeatureCollection<
				Polygon | MultiPolygon,
				{ code: string }
			>;
			for (const feature of shapes.features) {
				for (const geometry of [feature.geometry, displayGeometry(feature.geometry)]) {
					expect(inside(labelPoint(geometry), geometry), feature.properties.code).toBe(true);
					count++;
				}
			}
		}
		expect(count).toBeGreaterThan(200);
	});

	it('is inside any star-shaped polygon, concave ones included (property)', () => {
		// Vertices at increasing angles around a centre with random radii: a simple polygon,
		// concave as soon as the radii differ.
		const star = fc
			.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 3, maxLength: 24 })
			.map((radii): Polygon => {
				const ring = radii.map((r, i) => {
					const angle = (2 * Math.PI * i) / radii.length;
					return [5 + r * Math.cos(angle), 43 + r * Math.sin(angle)];
				});
				return { type: 'Polygon', coordinates: [[...ring, ring[0] as number[]]] };
			});
		fc.assert(
			fc.property(star, (polygon) => {
				expect(inside(labelPoint(polygon), polygon)).toBe(true);
			}),
			{ numRuns: 300 }
		);
	});
});

describe('placeLabels', () => {
	it('lists the largest places first, with their names and a point inside each', () => {
		const labels = placeLabels([
			{
				type: 'Feature',
				geometry: { type: 'Polygon', coordinates: [square(0, 0, 0.1)] },
				properties: { code: '13204', name: 'Marseille 4e Arrondissement' }
			},
			{
				type: 'Feature',
				geometry: { type: 'Polygon', coordinates: [square(1, 0, 0.3)] },
				properties: { code: '13212', name: 'Marseille 12e Arrondissement' }
			}
		]);
		expect(labels.map((l) => l.name)).toEqual([
			'Marseille 12e Arrondissement',
			'Marseille 4e Arrondissement'
		]);
		expect(labels[0]?.at[0]).toBeCloseTo(1.15, 6);
	});
});

describe('keepApart', () => {
	const box = (id: string, x: number, y: number, width = 100, height = 16): ScreenBox => ({
		id,
		x,
		y,
		width,
		height
	});
	const viewport = { width: 800, height: 600 };

	it('keeps the first of two colliding boxes and every box clear of the others', () => {
		const kept = keepApart(
			[box('big', 200, 200), box('near', 250, 205), box('far', 600, 400)],
			viewport
		);
		expect(kept).toEqual(['big', 'far']);
	});

	it('drops a box that would stick out of the viewport', () => {
		expect(keepApart([box('edge', 20, 300), box('in', 400, 300)], viewport)).toEqual(['in']);
	});

	it('keeps clear of the obstacles (cluster disks)', () => {
		const kept = keepApart([box('under', 400, 300), box('free', 400, 100)], viewport, {
			obstacles: [box('cluster', 400, 300, 32, 32)]
		});
		expect(kept).toEqual(['free']);
	});

	it('keeps a gap between names and stops at the limit', () => {
		// 4 px apart by default: two boxes 2 px apart collide.
		expect(keepApart([box('a', 200, 200), box('b', 302, 200)], viewport)).toEqual(['a']);
		const many = Array.from({ length: 30 }, (_, i) =>
			box(`n${i}`, 60 + (i % 5) * 140, 20 + i * 19, 100, 14)
		);
		expect(keepApart(many, viewport, { limit: 10 })).toHaveLength(10);
	});
});
