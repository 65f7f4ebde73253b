import type { KindCode } from '$lib/domain/taxonomy';
import { kindColour } from '$lib/components/axes/layout';
import { KINDS } from '$lib/domain/taxonomy';
import type { ExpressionSpecification, StyleSpecification } from 'maplibre-gl';

/**
 * The map works with no tile server and no internet: its background is a plain colour and every
 * shape comes from the shipped boundaries. A deployment with a tile server sets MAP_STYLE_URL.
 * No text layer either: a symbol layer needs a glyph server (a `glyphs` URL), which an offline map
 * has not, so the places' names and the clusters' counts are HTML markers laid over the canvas
 * (TerritoryMap.svelte, placement in src/lib/geo/labels.ts).
 */
export const OFFLINE_STYLE: StyleSpecification = {
	version: 8,
	sources: {},
	layers: [{ id: 'fond', type: 'background', paint: { 'background-color': '#eef2f6' } }]
};

/** Coverage of a cell per place: 0 gap (red), 1 (amber), 2+ overlap (blue). */
export const COVERAGE_COLOURS = {
	none: '#ffffff',
	gap: '#c0392b',
	single: '#f5b041',
	overlap: '#2e86c1'
};

export const COVERAGE_FILL: ExpressionSpecification = [
	'case',
	['==', ['get', 'v'], -1],
	COVERAGE_COLOURS.none,
	['==', ['get', 'v'], 0],
	COVERAGE_COLOURS.gap,
	['==', ['get', 'v'], 1],
	COVERAGE_COLOURS.single,
	COVERAGE_COLOURS.overlap
];

/** Orphan orientations per place: a sequential ramp. */
export const ORPHAN_STEPS = [
	{ from: 0, colour: '#f7f7f7', label: 'aucune' },
	{ from: 1, colour: '#fcbba1', label: '1 à 2' },
	{ from: 3, colour: '#fb6a4a', label: '3 à 5' },
	{ from: 6, colour: '#a50f15', label: '6 et plus' }
];

export const ORPHAN_FILL: ExpressionSpecification = [
	'step',
	['get', 'v'],
	ORPHAN_STEPS[0]?.colour ?? '#f7f7f7',
	...ORPHAN_STEPS.slice(1).flatMap((s) => [s.from, s.colour])
] as ExpressionSpecification;

/**
 * A what-if's change per place: cells that become gaps (more, red) or stop being gaps (fewer,
 * green), a diverging ramp around « no change ».
 */
export const CHANGE_STEPS = [
	{ from: -Infinity, colour: '#1a9850', label: '3 trous de moins ou plus' },
	{ from: -2, colour: '#91cf60', label: '1 à 2 trous de moins' },
	{ from: 0, colour: '#f7f7f7', label: 'inchangée' },
	{ from: 1, colour: '#fc8d59', label: '1 à 2 trous de plus' },
	{ from: 3, colour: '#b2182b', label: '3 trous de plus ou davantage' }
];

export const CHANGE_FILL: ExpressionSpecification = [
	'step',
	['get', 'v'],
	CHANGE_STEPS[0]?.colour ?? '#1a9850',
	...CHANGE_STEPS.slice(1).flatMap((s) => [s.from, s.colour])
] as ExpressionSpecification;

/** Points coloured like the chart: coordination kinds by colour, prestation in grey. */
export function pointColour(): ExpressionSpecification {
	const pairs = KINDS.filter((k) => k.coordination).flatMap((k) => [
		k.code,
		kindColour(k.code as KindCode, true).fill
	]);
	return ['match', ['get', 'k'], ...pairs, '#6b6b6b'] as unknown as ExpressionSpecification;
}

/**
 * Radius in pixels of a cluster's disk by its number of structures (from that count up): the
 * paint of the disk and the size of the count's button over it, so that a click anywhere on the
 * disk lands on the button.
 */
export const CLUSTER_RADII = [
	{ from: 0, radius: 12 },
	{ from: 10, radius: 16 },
	{ from: 100, radius: 22 },
	{ from: 1000, radius: 30 }
] as const;

export const CLUSTER_RADIUS: ExpressionSpecification = [
	'step',
	['get', 'point_count'],
	CLUSTER_RADII[0].radius,
	...CLUSTER_RADII.slice(1).flatMap((s) => [s.from, s.radius])
] as ExpressionSpecification;

export function clusterRadius(count: number): number {
	let radius: number = CLUSTER_RADII[0].radius;
	for (const step of CLUSTER_RADII) if (count >= step.from) radius = step.radius;
	return radius;
}
