import OpeningHours from 'opening_hours';
import { LOCAL_TIME_ZONE, wallClockOf } from './local-time';

/**
 * The OpenStreetMap `opening_hours` syntax (contract §2, as data·inclusion uses it), read by the
 * reference implementation, the `opening_hours` package. Validation on the way in, and whether a
 * structure is open at a given instant. Server-side in practice (the import, a page's load): the
 * library is large, and what it computes depends on the time, which the server sets once for the
 * page so that its HTML and its hydration agree.
 */

/**
 * Public holidays are France's, whatever the structure: without a place the library falls back
 * on another country's calendar (8 May and 14 July would be working days). The region only
 * matters to the library's regional holidays (none in its French data); the position, to
 * sunrise and sunset, which take the structure's own when it has one.
 */
function placeOf(position?: { lon: number; lat: number }) {
	return {
		lat: position?.lat ?? 46.6,
		lon: position?.lon ?? 2.4,
		address: { country_code: 'fr', state: '' }
	};
}

function parse(value: string, position?: { lon: number; lat: number }): OpeningHours | null {
	try {
		return new OpeningHours(value, placeOf(position));
	} catch {
		return null;
	}
}

/**
 * The canonical form of a valid value (`lundi-vendredi 9h-17h` → `Mo-Fr 09:00-17:00`: the library
 * reads common variants and writes them as the syntax says), or null when it does not parse.
 */
export function normaliseOpeningHours(value: string): string | null {
	return parse(value)?.prettifyValue() ?? null;
}

/**
 * A date whose local time is the wall-clock time of `instant` in `timeZone`. The library
 * evaluates a Date in the process's local time zone — UTC on the server — while a structure's
 * hours are Paris times: 16:30 UTC in winter is 17:30 in Marseille, after closing.
 */
export function wallClock(instant: Date, timeZone: string): Date {
	const w = wallClockOf(instant, timeZone);
	return new Date(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

export type OpeningState = 'open' | 'closed' | 'unknown';

/**
 * Whether a structure with `hours` is open at `instant`, in metropolitan France's time zone;
 * `unknown` when its hours say so (a comment such as « sur rendez-vous », `unknown`), null when
 * the value does not parse (stored before it was checked).
 */
export function openingStateAt(
	hours: string,
	instant: Date,
	position?: { lon: number; lat: number },
	timeZone = LOCAL_TIME_ZONE
): OpeningState | null {
	const oh = parse(hours, position);
	if (!oh) return null;
	const local = wallClock(instant, timeZone);
	if (oh.getUnknown(local)) return 'unknown';
	return oh.getState(local) ? 'open' : 'closed';
}
