/**
 * Validates records against the data·inclusion schema v1.0.8 (tests/fixtures/data-inclusion/,
 * copied from gip-inclusion/data-inclusion-schema with its README and licence): the two JSON
 * Schema 2020-12 files through Ajv's 2020 build with ajv-formats, plus the two rules of the
 * models that the files cannot express (README): `date_maj` between 2000 and today, and
 * `tous-publics` never combined with other publics.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const FIXTURES = path.join(
	path.dirname(fileURLToPath(import.meta.url)),
	'../fixtures/data-inclusion'
);

export function schemaFile(name: 'structure' | 'service'): Record<string, unknown> & {
	$defs: Record<string, { enum?: string[] }>;
} {
	return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'));
}

let validators: { structure: ValidateFunction; service: ValidateFunction } | undefined;
let ajvErrors: (v: ValidateFunction) => string;

function compile() {
	if (validators) return validators;
	const ajv = new Ajv2020({ allErrors: true, strict: true });
	addFormats(ajv);
	validators = {
		structure: ajv.compile(schemaFile('structure')),
		service: ajv.compile(schemaFile('service'))
	};
	ajvErrors = (v) => ajv.errorsText(v.errors);
	return validators;
}

/** Every problem of a list of records, as `file[i] (id): message`; empty when all are valid. */
export function dataInclusionProblems(
	kind: 'structure' | 'service',
	records: readonly unknown[],
	today: string = new Date().toISOString().slice(0, 10)
): string[] {
	const validate = compile()[kind];
	const problems: string[] = [];
	records.forEach((record, i) => {
		const label = `${kind}s.json[${i}] (${String((record as { id?: unknown }).id)})`;
		if (!validate(record)) problems.push(`${label} : ${ajvErrors(validate)}`);
		const r = record as { date_maj?: string; publics?: string[] | null };
		if (typeof r.date_maj === 'string' && (r.date_maj < '2000-01-01' || r.date_maj > today))
			problems.push(`${label} : date_maj ${r.date_maj} hors de 2000-01-01 – ${today}`);
		if (r.publics && r.publics.includes('tous-publics') && r.publics.length > 1)
			problems.push(`${label} : tous-publics combiné à d’autres publics (${r.publics.join(', ')})`);
	});
	return problems;
}
