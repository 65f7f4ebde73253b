/**
 * Dates and times as people read them: in French, in the territories' time zone (Europe/Paris),
 * whatever the time zone of the server or of the browser. The database and the API keep instants
 * in UTC (ISO 8601); only what is shown to people goes through here. Every function gives the
 * same string on the server and in the browser, so hydration never changes a date.
 *
 *   formatDateTime(d)      « 5 novembre 2013 à 14 h 05 »   (records, history, accounts)
 *   formatDate(d)          « 5 novembre 2013 »
 *   formatShortDateTime(d) « 05/11/2013 14:05 »            (tables)
 *   formatShortDate(d)     « 05/11/2013 »
 *
 * Each accepts a `Date`, an ISO string, or `null` / `undefined` (then the fallback, « — » unless
 * given). A calendar date without a time (`2021-01-08`, as the import format's `updated_at`) is
 * a day, not an instant: it is shown as that day, never shifted by a time zone.
 */

import { LOCAL_TIME_ZONE } from '$lib/domain/local-time';

/** The time zone of every date shown (the product serves French territories). */
export const TIME_ZONE = LOCAL_TIME_ZONE;

export type Moment = Date | string | null | undefined;

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

const parts = new Intl.DateTimeFormat('fr-FR', {
	timeZone: TIME_ZONE,
	year: 'numeric',
	month: 'long',
	day: 'numeric',
	hour: 'numeric',
	minute: '2-digit',
	hourCycle: 'h23'
});
const calendarParts = new Intl.DateTimeFormat('fr-FR', {
	timeZone: 'UTC',
	year: 'numeric',
	month: 'long',
	day: 'numeric'
});
const numeric = new Intl.DateTimeFormat('fr-FR', {
	timeZone: TIME_ZONE,
	year: 'numeric',
	month: '2-digit',
	day: '2-digit',
	hour: '2-digit',
	minute: '2-digit',
	hourCycle: 'h23'
});
const calendarNumeric = new Intl.DateTimeFormat('fr-FR', {
	timeZone: 'UTC',
	year: 'numeric',
	month: '2-digit',
	day: '2-digit'
});

const FORMATTERS = {
	long: { instant: parts, day: calendarParts },
	numeric: { instant: numeric, day: calendarNumeric }
};

interface Fields {
	year: string;
	month: string;
	day: string;
	hour: string;
	minute: string;
	/** A calendar date: no time of day. */
	dayOnly: boolean;
}

function fieldsOf(moment: Date | string, format: 'long' | 'numeric'): Fields | null {
	const dayOnly = typeof moment === 'string' && CALENDAR_DATE.test(moment);
	const date = dayOnly
		? new Date(`${moment as string}T00:00:00Z`)
		: moment instanceof Date
			? moment
			: new Date(moment);
	if (Number.isNaN(date.getTime())) return null;
	const formatter = FORMATTERS[format][dayOnly ? 'day' : 'instant'];
	const out: Record<string, string> = {};
	for (const part of formatter.formatToParts(date)) out[part.type] = part.value;
	return {
		year: out.year ?? '',
		month: out.month ?? '',
		day: out.day ?? '',
		hour: out.hour ?? '',
		minute: (out.minute ?? '').padStart(2, '0'),
		dayOnly
	};
}

/** « 1er » for the first of the month, as French writes it. */
function longDay(day: string): string {
	return day === '1' ? '1er' : day;
}

/** « 5 novembre 2013 » (local date of an instant, or a calendar date as is). */
export function formatDate(moment: Moment, fallback = '—'): string {
	const f = moment ? fieldsOf(moment, 'long') : null;
	return f ? `${longDay(f.day)} ${f.month} ${f.year}` : fallback;
}

/** « 5 novembre 2013 à 14 h 05 » in Europe/Paris (a calendar date: its day only). */
export function formatDateTime(moment: Moment, fallback = '—'): string {
	const f = moment ? fieldsOf(moment, 'long') : null;
	if (!f) return fallback;
	const day = `${longDay(f.day)} ${f.month} ${f.year}`;
	return f.dayOnly ? day : `${day} à ${Number(f.hour)} h ${f.minute}`;
}

/** « 05/11/2013 » (local date of an instant, or a calendar date as is). */
export function formatShortDate(moment: Moment, fallback = '—'): string {
	const f = moment ? fieldsOf(moment, 'numeric') : null;
	return f ? `${f.day}/${f.month}/${f.year}` : fallback;
}

/** « 05/11/2013 14:05 » in Europe/Paris (a calendar date: its day only). */
export function formatShortDateTime(moment: Moment, fallback = '—'): string {
	const f = moment ? fieldsOf(moment, 'numeric') : null;
	if (!f) return fallback;
	const day = `${f.day}/${f.month}/${f.year}`;
	return f.dayOnly ? day : `${day} ${f.hour}:${f.minute}`;
}

/** The year of an instant in Europe/Paris (an orientation's reference counts within it). */
export function localYear(moment: Date): number {
	return Number(fieldsOf(moment, 'numeric')?.year);
}

/** Whole days from `from` to `to` (24-hour periods, whatever the clock changes in between). */
export function daysBetween(from: Date, to: Date): number {
	return Math.floor((to.getTime() - from.getTime()) / 86_400_000);
}
