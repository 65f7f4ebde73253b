import { Supercluster, type ClusterProperties } from '@maplibre/geojson-vt';
import { fromGeojsonVt } from '@maplibre/vt-pbf';
import {
	CLUSTER_MAX_ZOOM,
	GROUPING_RADIUS,
	STRUCTURES_LAYER,
	isTile,
	type TileProperties
} from './clusters';

/*
 * A territory's structures as clustered vector tiles, made on the server. A map of 20 000
 * structures used to send every point and let maplibre's worker build the clusters' trees (one
 * per zoom level) before its first full frame; built here once and kept, each tile asked holds
 * only what that square of the map draws: a few hundred clusters and points at most.
 *
 * The clustering is the one the browser did: maplibre's GeoJSON source runs this same library
 * (its own Supercluster, in @maplibre/geojson-vt), here with the same radius up to the same zoom,
 * so the groups the users know stay where they were.
 */

/** maplibre's vector tiles are 512 pixels wide; positions inside a tile go to EXTENT. */
const TILE_PIXELS = 512;
/** Finer than supercluster's default of 512: a point is placed to a metre at zoom 16, not 8. */
const EXTENT = 4096;

export interface ClusterPoint {
	id: string;
	kind: string;
	lon: number;
	lat: number;
}

export class ClusterTiles {
	private grouped: Supercluster | null = null;

	constructor(readonly points: readonly ClusterPoint[]) {}

	/**
	 * Groups the structures, if not done yet (on the first tile at the latest): grouping 20 000
	 * holds the server's thread for 0.05–0.15 s, up to 0.6 s on a busy machine, so that the caller
	 * may choose when (the map page's service does it before answering the page).
	 */
	group(): void {
		this.index();
	}

	private index(): Supercluster {
		if (!this.grouped) {
			this.grouped = new Supercluster({
				radius: (GROUPING_RADIUS * EXTENT) / TILE_PIXELS,
				extent: EXTENT,
				maxZoom: CLUSTER_MAX_ZOOM,
				minPoints: 2
			});
			this.grouped.load(
				this.points.map((p) => ({
					type: 'Feature',
					geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
					properties: { id: p.id, k: p.kind }
				}))
			);
		}
		return this.grouped;
	}

	/**
	 * The tile z/x/y (Web Mercator, as maplibre asks) as a Mapbox Vector Tile: one layer, one
	 * feature per group or structure in the tile and a margin around it (a group across the edge
	 * is in both tiles, with the same id). Each group carries the zoom where it comes apart, so that
	 * a click zooms there without asking the server again.
	 */
	tile(z: number, x: number, y: number): Uint8Array<ArrayBuffer> {
		if (!isTile(z, x, y)) throw new RangeError(`no tile ${z}/${x}/${y}`);
		const index = this.index();
		const tile = index.getTile(z, x, y);
		// Each call makes its tile and features anew: their tags are replaced, not the points'.
		for (const feature of tile?.features ?? []) {
			const tags = feature.tags ?? {};
			const properties: TileProperties = isCluster(tags)
				? {
						cluster: true,
						cluster_id: tags.cluster_id,
						point_count: tags.point_count,
						expansion_zoom: index.getClusterExpansionZoom(tags.cluster_id)
					}
				: { id: String(tags.id), k: String(tags.k) };
			feature.tags = properties;
		}
		const bytes = fromGeojsonVt(tile ? { [STRUCTURES_LAYER]: tile } : {}, {
			version: 2,
			extent: EXTENT
		});
		// pbf writes into an ArrayBuffer of its own: the bytes can be a response's body as they are.
		return bytes as Uint8Array<ArrayBuffer>;
	}
}

function isCluster(tags: Record<string, unknown>): tags is ClusterProperties {
	return tags.cluster === true && typeof tags.cluster_id === 'number';
}
