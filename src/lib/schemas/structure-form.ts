import { csvRecordToInput, STRUCTURE_FIELDS } from './structure';

/**
 * The fields of a structure's edit form: the import format (contract §2) less what a person does
 * not type — the id (fixed), the verification date (set when saved) and the « to confirm » flag
 * (saving is a person vouching for the data).
 */
export const FORM_FIELDS = STRUCTURE_FIELDS.filter(
	(f) => f !== 'id' && f !== 'updated_at' && f !== 'to_confirm'
);

/** Coverage codes as typed: one per line, or separated by spaces, commas, semicolons or `|`. */
export function splitCoverageCodes(text: string): string[] {
	return text
		.split(/[\s,;|]+/)
		.map((c) => c.trim())
		.filter((c) => c !== '');
}

/**
 * Reads the edit form into the shape of one import record, through the same reader as a CSV line
 * (empty fields absent, numbers and booleans parsed, a value that does not parse kept as typed so
 * the import's schema names it): the form then gets exactly the import's validation.
 */
export function structureFormToInput(form: FormData): Record<string, unknown> {
	const record: Record<string, string> = {};
	for (const field of FORM_FIELDS) {
		if (field === 'problems') {
			record.problems = form
				.getAll('problems')
				.map((v) => String(v))
				.join('|');
		} else if (field === 'coverage') {
			record.coverage = splitCoverageCodes(String(form.get('coverage') ?? '')).join('|');
		} else {
			const value = form.get(field);
			record[field] = typeof value === 'string' ? value : '';
		}
	}
	return csvRecordToInput(record);
}
