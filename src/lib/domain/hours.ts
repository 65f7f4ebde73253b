/**
 * Opening hours, as a person reads them: the OpenStreetMap `opening_hours` value a structure is
 * imported with (`Mo-Fr 09:00-12:30,13:30-17:00`) said in French (« du lundi au vendredi,
 * 9 h–12 h 30 et 13 h 30–17 h »).
 *
 * Covers the shapes structures use — days, ranges and lists of days, several intervals a day,
 * days off, public holidays, 24/7 — and nothing more: for any other shape (months, weeks,
 * comments, sunrise…) it says so (null) and the page shows the value as written, which is
 * faithful, rather than a paraphrase that could be wrong. Dependency-free, so the browser can
 * load it; parsing and evaluating the full syntax is opening-hours.ts, on the server.
 */

const DAYS: Record<string, string> = {
	Mo: 'lundi',
	Tu: 'mardi',
	We: 'mercredi',
	Th: 'jeudi',
	Fr: 'vendredi',
	Sa: 'samedi',
	Su: 'dimanche'
};

const DAY = '(?:Mo|Tu|We|Th|Fr|Sa|Su)';
const DAY_PART = new RegExp(`^(${DAY})(?:-(${DAY}))?$|^PH$`);
const SELECTOR = new RegExp(`^(?:${DAY}(?:-${DAY})?|PH)(?:,(?:${DAY}(?:-${DAY})?|PH))*$`);
const INTERVAL = /^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** « a, b et c ». */
function andList(items: readonly string[]): string {
	if (items.length <= 1) return items.join('');
	return `${items.slice(0, -1).join(', ')} et ${items.at(-1)}`;
}

/** `09:00` → « 9 h », `12:30` → « 12 h 30 ». */
function time(hours: string, minutes: string): string {
	return minutes === '00' ? `${Number(hours)} h` : `${Number(hours)} h ${minutes}`;
}

/** `09:00-12:30,13:30-17:00` → « 9 h–12 h 30 et 13 h 30–17 h », or null. */
function intervals(value: string): string | null {
	const parts: string[] = [];
	for (const interval of value.split(',').map((p) => p.trim())) {
		const m = INTERVAL.exec(interval);
		if (!m) return null;
		const [, h1 = '', m1 = '', h2 = '', m2 = ''] = m;
		// 24:30 is no time of day (OSM allows times past midnight as 25:00: not a common shape).
		if ((h1 === '24' && m1 !== '00') || (h2 === '24' && m2 !== '00')) return null;
		parts.push(`${time(h1, m1)}–${time(h2, m2)}`);
	}
	return andList(parts);
}

/** `Mo-Fr` → « du lundi au vendredi », `Mo,Tu,Th` → « lundi, mardi et jeudi », or null. */
function days(selector: string): string | null {
	if (!SELECTOR.test(selector)) return null;
	const parts = selector.split(',');
	if (parts.length === 1 && selector === 'Mo-Su') return 'tous les jours';
	const singles = parts.every((p) => !p.includes('-') && p !== 'PH');
	const words = parts.map((part) => {
		const [, from = '', to] = DAY_PART.exec(part) ?? [];
		if (part === 'PH') return 'les jours fériés';
		if (to) return `du ${DAYS[from]} au ${DAYS[to]}`;
		// « le lundi » alone (every Monday); « lundi, mardi et jeudi » in a list of days.
		return singles && parts.length > 1 ? `${DAYS[from]}` : `le ${DAYS[from]}`;
	});
	return andList(words);
}

/** One rule (`Mo-Fr 09:00-17:00`, `Sa off`, `PH off`), or null when its shape is not covered. */
function rule(text: string): string | null {
	if (text === '24/7') return 'ouvert 24 h sur 24, 7 jours sur 7';
	const [first = '', ...rest] = text.split(/\s+/);
	const hasSelector = SELECTOR.test(first);
	const selector = hasSelector ? first : null;
	const value = (hasSelector ? rest.join(' ') : text).trim();
	if (value === 'off' || value === 'closed') {
		return selector ? `fermé ${days(selector)}` : null;
	}
	if (selector && value === '') return null; // open all day on those days: rare, left as is
	const times = intervals(value);
	if (times === null) return null;
	return `${selector ? days(selector) : 'tous les jours'}, ${times}`;
}

/**
 * The rules of `value` in French, one per line, in the order written (a later rule overrides an
 * earlier one for its days, as in OSM: « fermé le samedi » after « tous les jours, … » reads
 * right); null when some rule has a shape not covered here.
 */
export function describeHours(value: string): string[] | null {
	const rules = value
		.split(';')
		.map((r) => r.trim())
		.filter((r) => r !== '');
	if (rules.length === 0) return null;
	const lines: string[] = [];
	for (const r of rules) {
		const line = rule(r);
		if (line === null) return null;
		lines.push(line);
	}
	return lines;
}

/** One line (an export, a print): the French rules separated by « ; », or the value as written. */
export function formatHours(value: string): string {
	return describeHours(value)?.join(' ; ') ?? value;
}
