/**
 * Every list a page or an export receives is bounded (issue 12: « no request of any role is
 * unbounded in time or memory »): at most a page's worth, with how many more there are, which
 * the page says (« 12 de plus »). The figures are the work a page shows, not the data's size: a
 * territory covered by 5 000 structures answers its desk with the same 100 lines.
 */
export interface Capped<T> {
	items: T[];
	/** How many more there are beyond the cap: « N de plus ». */
	more: number;
}

/** The lines of a desk's table (most loaded, least recently verified… first). */
export const PAGE_LIMIT = 100;

/** The lines of one export (CSV): the whole table of any real territory, still bounded. */
export const EXPORT_LIMIT = 10_000;

/** Rows read with `count(*) over ()` as `total`, capped at `limit`. */
export function cappedRows<T extends { total: number }>(
	rows: readonly T[],
	limit: number
): Capped<Omit<T, 'total'>> {
	const total = rows[0]?.total ?? 0;
	const items = rows.slice(0, limit).map(({ total: _total, ...row }) => row);
	return { items, more: Math.max(0, Number(total) - items.length) };
}

/** A limit given by a caller, kept within 1 … max. */
export function clampLimit(
	limit: number | undefined,
	fallback: number,
	max = EXPORT_LIMIT
): number {
	if (limit === undefined || !Number.isFinite(limit)) return fallback;
	return Math.max(1, Math.min(Math.floor(limit), max));
}
