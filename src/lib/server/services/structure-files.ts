import { parse } from 'csv-parse/sync';
import type { Feature, FeatureCollection, Point } from 'geojson';
import { formatPhone } from '$lib/domain/phone';
import { STRUCTURE_FIELDS, csvRecordToInput, type StructureImport } from '$lib/schemas/structure';
import { dataCsv, unneutralise } from '$lib/server/csv';
import { ImportError } from './structure-import';

export type FileFormat = 'json' | 'csv';

/**
 * The largest file a pilot's page imports (10 MB: thousands of structures). Its text comes
 * back with the preview, base64 (a third more), to be confirmed; the command line and the API
 * take 20 MB.
 */
export const PAGE_FILE_LIMIT = 10_000_000;

/** The records of an import file, and how the file names each one (for the import's issues). */
export interface ParsedFile {
	records: unknown[];
	/** JSON: 1-based position in the array; CSV: the line where the record starts (header = 1). */
	rows: number[];
}

export function formatFromName(name: string): FileFormat | null {
	const lower = name.toLowerCase();
	if (lower.endsWith('.json')) return 'json';
	if (lower.endsWith('.csv')) return 'csv';
	return null;
}

/**
 * The text of a CSV file as a spreadsheet saved it (contract §8): UTF-8 when its bytes are valid
 * UTF-8, else Windows-1252 — what Excel on Windows writes under « CSV (séparateur : point-virgule) »
 * in France, where « é » is the single byte 0xE9, invalid in UTF-8. Windows-1252 rather than
 * ISO-8859-1: it also has « œ », « € » and the typographic apostrophe (0x9C, 0x80, 0x92). A
 * Windows-1252 text with accents is almost never valid UTF-8: each accented letter (0xC0–0xFF)
 * would have to be followed by one to three bytes 0x80–0xBF, which are symbols (€, ’, œ…), not
 * letters.
 */
export function decodeCsv(bytes: Uint8Array): string {
	try {
		return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch {
		// Node 20.18.3 and later decode windows-1252 as Latin-1, 0x80–0x9F becoming control
		// characters (https://github.com/nodejs/node/issues/60888): they are mapped here, and a fixed
		// Node, which returns the right characters already, leaves nothing to map.
		return new TextDecoder('windows-1252')
			.decode(bytes)
			.replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_C1.charAt(c.charCodeAt(0) - 0x80));
	}
}

/**
 * What Windows-1252 writes at 0x80–0x9F (the WHATWG Encoding Standard's index), in order; the five
 * bytes it leaves undefined stay the control character of the same code.
 */
const WINDOWS_1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/**
 * Reads an import file into records (contract §2): JSON, an array of objects; or CSV, one row per
 * structure with a header of the format's column names, lists separated by `|`. Syntax errors and
 * unknown columns are reported like any other import problem. Given as bytes (an upload, a file
 * on disk), a CSV file's encoding is detected (`decodeCsv`); JSON is UTF-8 (RFC 8259).
 */
export function parseStructureFile(content: string | Uint8Array, format: FileFormat): ParsedFile {
	const decoded =
		typeof content === 'string'
			? content
			: format === 'csv'
				? decodeCsv(content)
				: new TextDecoder('utf-8').decode(content);
	// TextDecoder drops a byte-order mark, a string keeps it.
	const text = decoded.replace(/^\uFEFF/, '');
	if (format === 'json') {
		let data: unknown;
		try {
			data = JSON.parse(text);
		} catch (error) {
			throw new ImportError([
				{ row: 0, field: 'fichier', message: `JSON illisible : ${(error as Error).message}` }
			]);
		}
		if (!Array.isArray(data)) {
			throw new ImportError([
				{ row: 0, field: 'fichier', message: 'un tableau JSON de structures est attendu' }
			]);
		}
		return { records: data, rows: data.map((_, i) => i + 1) };
	}
	let records: Record<string, string>[];
	try {
		records = parse(text, {
			columns: true,
			skip_empty_lines: true,
			// Spreadsheets exported in France often use `;`: take whichever the header uses.
			delimiter: detectDelimiter(text),
			relax_column_count: false,
			trim: false
		}) as Record<string, string>[];
	} catch (error) {
		const e = error as Error & { lines?: number };
		throw new ImportError([
			{
				row: 0,
				field: 'fichier',
				message: `CSV illisible${e.lines ? ` (ligne ${e.lines})` : ''} : ${e.message}`
			}
		]);
	}
	const header = text.split(/\r?\n/, 1)[0] ?? '';
	const unknown = header
		.split(detectDelimiter(text))
		.map((c) => c.trim().replace(/^"|"$/g, ''))
		.filter((c) => c !== '' && !(STRUCTURE_FIELDS as readonly string[]).includes(c));
	if (unknown.length > 0) {
		throw new ImportError(
			unknown.map((column) => ({
				row: 0,
				field: column,
				message: 'colonne inconnue du format d’import'
			}))
		);
	}
	// A cell exported behind an apostrophe (a formula-like start, neutralised) reads as it was.
	const inputs = records.map((record) =>
		csvRecordToInput(
			Object.fromEntries(Object.entries(record).map(([key, cell]) => [key, unneutralise(cell)]))
		)
	);
	// Line of each data record in the file (the header's is dropped); should the count disagree
	// with the parser's, fall back to position + 1 (header on line 1).
	const lines = recordStartLines(text).slice(1);
	return {
		records: inputs,
		rows: lines.length === inputs.length ? lines : inputs.map((_, i) => i + 2)
	};
}

/**
 * The line (1-based) where each non-blank CSV record starts, header included: a newline inside a
 * quoted cell does not end a record. Only used to name lines.
 */
function recordStartLines(text: string): number[] {
	const starts: number[] = [];
	let line = 1;
	let start = 1;
	let quoted = false;
	let blank = true;
	for (const char of text) {
		if (char === '\n') {
			line++;
			if (quoted) continue;
			if (!blank) starts.push(start);
			start = line;
			blank = true;
			continue;
		}
		if (char === '"') quoted = !quoted;
		if (char !== '\r') blank = false;
	}
	if (!blank) starts.push(start);
	return starts;
}

export function detectDelimiter(text: string): ',' | ';' {
	const header = text.split(/\r?\n/, 1)[0] ?? '';
	return header.includes(';') && !header.includes(',') ? ';' : ',';
}

export function structuresToJson(rows: readonly StructureImport[]): string {
	return JSON.stringify(rows, null, 2) + '\n';
}

export function structuresToCsv(rows: readonly StructureImport[]): string {
	return dataCsv(
		rows.map((row) => {
			const record = row as Record<string, unknown>;
			return STRUCTURE_FIELDS.map((field) => {
				const value = record[field];
				if (value === undefined || value === null) return '';
				if (field === 'coverage_geojson') return JSON.stringify(value);
				// As people read it (04 91 23 45 67), which the import reads back to E.164: stored
				// `+33…` would open in a spreadsheet behind the apostrophe that neutralises a `+`.
				if (field === 'phone') return formatPhone(String(value));
				if (Array.isArray(value)) return value.join('|');
				return typeof value === 'number' ? value : String(value);
			});
		}),
		STRUCTURE_FIELDS
	);
}

/** Points for the structures that have a position; every other field as properties. */
export function structuresToGeojson(rows: readonly StructureImport[]): string {
	const features: Feature<Point | null>[] = rows.map((row) => {
		const { lon, lat, ...properties } = row;
		return {
			type: 'Feature',
			id: row.id,
			geometry:
				lon !== undefined && lat !== undefined ? { type: 'Point', coordinates: [lon, lat] } : null,
			properties
		};
	});
	const collection: FeatureCollection<Point | null> = { type: 'FeatureCollection', features };
	return JSON.stringify(collection) + '\n';
}
