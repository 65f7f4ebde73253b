import { stringify } from 'csv-stringify/sync';

/**
 * CSV written for spreadsheets. A text cell that starts with `=`, `+`, `-`, `@` (or a tab or
 * carriage return) would be run as a formula — `=HYPERLINK(…)` in a structure's name becomes a
 * link to anywhere — so it is written behind an apostrophe, which spreadsheets show as text
 * (contract §8). Numbers stay numbers: a longitude of -1.5 is no formula.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export type CsvValue = string | number | boolean | null | undefined;

export function neutralise(value: CsvValue): string | number {
	if (value === null || value === undefined) return '';
	if (typeof value === 'number') return value;
	const text = String(value);
	return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Reverses `neutralise` on the way back in, so that an exported file imports as it was. */
export function unneutralise(cell: string): string {
	return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

/** A data file (re-importable): `,`, no BOM, cells neutralised. */
export function dataCsv(rows: readonly CsvValue[][], columns: readonly string[]): string {
	return stringify(
		rows.map((row) => row.map(neutralise)),
		{ header: true, columns: [...columns] }
	);
}

/**
 * A table for people: opens cleanly in a French spreadsheet (UTF-8 with BOM, `;`), cells
 * neutralised (contract §8).
 */
export function peopleCsv(rows: readonly CsvValue[][], columns: readonly string[]): string {
	return (
		'\uFEFF' +
		stringify(
			rows.map((row) => row.map(neutralise)),
			{ header: true, columns: [...columns], delimiter: ';' }
		)
	);
}
