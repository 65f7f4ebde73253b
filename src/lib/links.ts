/**
 * The query string of `url` with some parameters changed (`null` removes one): links that change
 * one filter or the page keep every other filter, so views stay shareable.
 */
export function withParams(url: URL, changes: Record<string, string | null>): string {
	const params = new URLSearchParams(url.searchParams);
	for (const [key, value] of Object.entries(changes)) {
		if (value === null) params.delete(key);
		else params.set(key, value);
	}
	return `?${params}`;
}

/** The page of an orientation, named by its reference (`/orientations/OR-2026-00042`). */
export function orientationHref(orientation: { reference: string }): string {
	return `/orientations/${encodeURIComponent(orientation.reference)}`;
}

/** The guichet's form prefilled from an orientation, to orient the same situation again. */
export function reorientHref(orientation: { id: string }): string {
	return `/orienter?depuis=${encodeURIComponent(orientation.id)}`;
}
