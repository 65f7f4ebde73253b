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

export function formatDate(isoDate: string): string {
	return new Date(`${isoDate}T00:00:00Z`).toLocaleDateString('fr-FR', {
		day: 'numeric',
		month: 'long',
		year: 'numeric',
		timeZone: 'UTC'
	});
}

/** A moment in French, in UTC (as the audit log and the records keep it), or the fallback. */
export function formatUtc(moment: Date | null, fallback = '—'): string {
	return moment ? `${moment.toLocaleString('fr-FR', { timeZone: 'UTC' })} UTC` : fallback;
}
