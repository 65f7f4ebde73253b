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
