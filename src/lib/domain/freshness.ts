/** Data not verified for over a year deserve a warning (contract: `updated_at`, ISO date). */
export const STALE_AFTER_DAYS = 365;

export function daysSince(isoDate: string, today: Date = new Date()): number {
	const then = Date.parse(`${isoDate}T00:00:00Z`);
	const now = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
	return Math.floor((now - then) / 86_400_000);
}

export function isStale(isoDate: string | null, today: Date = new Date()): boolean {
	return isoDate === null || daysSince(isoDate, today) > STALE_AFTER_DAYS;
}

/**
 * {@link isStale} for one day, for the hundreds of structures of one answer: the limit day is
 * computed once and a date in the contract's form (`YYYY-MM-DD`) is compared as text, in the
 * same order as the days (no date parsed per structure). Any other text is left to isStale.
 */
export function staleOn(today: Date = new Date()): (isoDate: string | null) => boolean {
	const now = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
	// Stale when more than STALE_AFTER_DAYS days old: strictly before this day.
	const limit = new Date(now - STALE_AFTER_DAYS * 86_400_000).toISOString().slice(0, 10);
	return (isoDate) => {
		if (isoDate === null) return true;
		if (/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) return isoDate < limit;
		return isStale(isoDate, today);
	};
}
