/**
 * Days and months as the territories count them: in Europe/Paris, whatever the time zone of the
 * server. The database keeps instants (UTC); a pilot's period « du 1er au 31 mars » is from
 * midnight in Paris on the 1st to midnight in Paris on 1 April, and an orientation recorded at
 * 00:30 on 1 April in Paris (22:30 UTC on 31 March) is one of April's.
 */

/** The time zone of the territories' days (the SQL of the desk names it too). */
export const LOCAL_TIME_ZONE = 'Europe/Paris';

/** A calendar day, `YYYY-MM-DD`. */
export type Day = string;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

// en-CA writes the day as YYYY-MM-DD.
const dayFormat = new Intl.DateTimeFormat('en-CA', {
	timeZone: LOCAL_TIME_ZONE,
	year: 'numeric',
	month: '2-digit',
	day: '2-digit'
});
const wallFormats = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock reading of an instant in a time zone, as numbers (month 1–12, hour 0–23). */
export interface WallClock {
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
}

/** What a clock in `timeZone` reads at `instant` (the formatter made once per zone). */
export function wallClockOf(instant: Date, timeZone: string = LOCAL_TIME_ZONE): WallClock {
	let format = wallFormats.get(timeZone);
	if (!format) {
		// h23: midnight is 00, never 24.
		format = new Intl.DateTimeFormat('en-GB', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit'
		});
		wallFormats.set(timeZone, format);
	}
	const p: Record<string, number> = {};
	for (const part of format.formatToParts(instant)) p[part.type] = Number(part.value);
	return {
		year: p.year ?? 1970,
		month: p.month ?? 1,
		day: p.day ?? 1,
		hour: p.hour ?? 0,
		minute: p.minute ?? 0,
		second: p.second ?? 0
	};
}

/** The day of an instant in Paris. */
export function localDay(instant: Date): Day {
	return dayFormat.format(instant);
}

/** The month of an instant in Paris, `YYYY-MM`. */
export function localMonth(instant: Date): string {
	return localDay(instant).slice(0, 7);
}

/** How far Paris's clock is ahead of UTC at this instant, in ms (one or two hours). */
function offsetAt(time: number): number {
	const w = wallClockOf(new Date(time));
	const wall = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
	return wall - Math.floor(time / 1000) * 1000;
}

/**
 * The instant of midnight in Paris at the start of this day. Twice: the offset of the first
 * guess is that of midnight UTC, which on a day the clocks change may differ from the one of
 * midnight in Paris (changes happen at 2 or 3 a.m., so midnight itself always exists).
 */
export function localMidnight(day: Day): Date {
	if (!DAY.test(day)) throw new RangeError(`jour invalide : ${day}`);
	const utc = Date.parse(`${day}T00:00:00Z`);
	const guess = utc - offsetAt(utc);
	return new Date(utc - offsetAt(guess));
}

/** The calendar day `days` after this one (before, when negative). */
export function addDays(day: Day, days: number): Day {
	return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
