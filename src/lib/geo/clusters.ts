/*
 * How the map groups its structures, shared by the server that makes the tiles
 * (cluster-tiles.ts) and the map that draws them — which must not load the tiles' libraries.
 */

/** A group's radius on screen, in pixels of a 512-pixel tile (maplibre's `clusterRadius`). */
export const GROUPING_RADIUS = 42;
/** The last zoom with groups; from the next one, every structure is its own point. */
export const CLUSTER_MAX_ZOOM = 15;
/** The deepest tile served: past it, maplibre draws that tile larger (its "overzoom"). */
export const TILE_MAX_ZOOM = CLUSTER_MAX_ZOOM + 1;
/** The layer's name inside each tile, the map's `source-layer`. */
export const STRUCTURES_LAYER = 'structures';

/** What a tile's feature carries: a group, or one structure (its id and kind: `k`). */
export type TileProperties =
	| { cluster: true; cluster_id: number; point_count: number; expansion_zoom: number }
	| { id: string; k: string };

/** Whether a tile's address exists: zoom 0 to TILE_MAX_ZOOM, x and y within that zoom's grid. */
export function isTile(z: number, x: number, y: number): boolean {
	const size = 2 ** z;
	return (
		[z, x, y].every(Number.isInteger) &&
		z >= 0 &&
		z <= TILE_MAX_ZOOM &&
		x >= 0 &&
		y >= 0 &&
		x < size &&
		y < size
	);
}
