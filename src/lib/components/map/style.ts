import type { KindCode } from '$lib/domain/taxonomy';
import { kindColour } from '$lib/components/axes/layout';
import { KINDS } from '$lib/domain/taxonomy';
import type { ExpressionSpecification, StyleSpecification } from 'maplibre-gl';

/**
 * The map works with no tile server and no internet: its background is a plain colour and every
 * shape comes from the shipped boundaries. A deployment with a tile server sets MAP_STYLE_URL.
 * No text layer: labels would need a glyph server; names are in popups and in the list.
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

/** Points coloured like the chart: coordination kinds by colour, prestation in grey. */
export function pointColour(): ExpressionSpecification {
	const pairs = KINDS.filter((k) => k.coordination).flatMap((k) => [
		k.code,
		kindColour(k.code as KindCode, true).fill
	]);
	return ['match', ['get', 'k'], ...pairs, '#6b6b6b'] as unknown as ExpressionSpecification;
}
