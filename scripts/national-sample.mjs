/**
 * Extracts the sample of the national benchmark set that tests/integration/remit-index.test.ts
 * reads (issue 17: the remit index answers as the database path on a sample of the 10 000
 * requests). The sample is committed, so the test runs where ../shared is absent:
 *
 *   node scripts/national-sample.mjs | gzip -9 > tests/fixtures/national-sample.json.gz
 *
 * Départements chosen small and varied (mountain, rural, Corsica, a small urban one): every
 * structure whose coverage reaches one of their communes (by commune, by `dep:`, by `epci:`
 * through the set's own epci-communes.json) or whose address lies there, and every request
 * given by a commune there. Phone numbers the import refuses are left out, as the benchmark does.
 */
import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';

const DEPARTMENTS = ['04', '05', '15', '23', '48', '90', '2A', '2B'];
const dir = '../shared/data/bench';
const structures = JSON.parse(gunzipSync(fs.readFileSync(`${dir}/structures-france.json.gz`)));
const requests = JSON.parse(fs.readFileSync(`${dir}/requests.json`, 'utf8'));
const epci = JSON.parse(fs.readFileSync(`${dir}/epci-communes.json`, 'utf8'));
const inDepartments = (code) => DEPARTMENTS.some((d) => code.startsWith(d));
const reaches = (code) => {
	if (code.startsWith('dep:')) return DEPARTMENTS.includes(code.slice(4));
	if (code.startsWith('epci:'))
		return (epci[code] ?? epci[code.slice(5)] ?? []).some(inDepartments);
	return inDepartments(code);
};
// Same rule as the import (libphonenumber-js: a French number) would need the app's code;
// the few numbers FINESS gets wrong do not begin with 0 followed by 1-9 and 8 digits.
const FRENCH = /^0[1-9]\d{8}$/;
const sample = {
	departments: DEPARTMENTS,
	structures: structures
		.filter((s) => (s.coverage ?? []).some(reaches) || inDepartments(s.commune ?? ''))
		.map((s) => {
			if (s.phone === undefined || FRENCH.test(s.phone)) return s;
			const { phone: _phone, ...rest } = s;
			return rest;
		}),
	requests: requests.filter((r) => r.commune && inDepartments(r.commune))
};
process.stdout.write(JSON.stringify(sample));
