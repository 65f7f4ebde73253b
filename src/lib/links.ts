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
