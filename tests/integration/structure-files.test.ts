import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { structures } from '$lib/server/db/schema';
import { seedDemo } from '$lib/server/services/setup';
import { formatPhone } from '$lib/domain/phone';
import { StructureImportSchema } from '$lib/schemas/structure';
import {
	decodeCsv,
	parseStructureFile,
	structuresToCsv,
	structuresToJson
} from '$lib/server/services/structure-files';
import { exportStructures } from '$lib/server/services/structures';
import { ImportError, importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { snapshotDirectory } from '../helpers/snapshot';
import { DEMO_TERRITORY_ID, structureRecord } from '../factories/structures';

const AIX = 'pays-aixois';

async function importError(promise: Promise<unknown>): Promise<ImportError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(ImportError);
	return error as ImportError;
}

/** What the CLI and the API do with an uploaded file. */
function importCsv(db: Parameters<typeof importStructures>[0], territory: string, text: string) {
	const file = parseStructureFile(text, 'csv');
	return importStructures(db, territory, file.records, 'upsert', file.rows);
}

describe.each(DATABASES)('import files (JSON, CSV) on %s', (kind) => {
	const t = useTestDatabase(kind, { geography: true });
	beforeAll(async () => {
		await seedDemo(t.db);
		await putTerritory(t.db, AIX, { name: 'Pays d’Aix', communes: ['13001', '13032'] });
	});

	it('round-trips the demo territory: export JSON → CSV → import → same export', async () => {
		const exported = await exportStructures(t.db, DEMO_TERRITORY_ID);
		const csv = structuresToCsv(exported);
		expect(csv.split('\n')[0]).toMatch(/^id,name,kind,finess,/);
		// Start from an empty territory so the import has to recreate every field.
		await t.db.delete(structures).where(eq(structures.territoryId, DEMO_TERRITORY_ID));
		expect(await exportStructures(t.db, DEMO_TERRITORY_ID)).toEqual([]);
		const result = await importCsv(t.db, DEMO_TERRITORY_ID, csv);
		expect(result).toMatchObject({ total: exported.length, created: exported.length });
		expect(await exportStructures(t.db, DEMO_TERRITORY_ID)).toEqual(exported);
	});

	it('writes formula-like names as text, and reads them back as they were', async () => {
		const evil = '=HYPERLINK("http://exemple.invalid","Cliquez")';
		await importStructures(
			t.db,
			AIX,
			[structureRecord({ id: 'formule-1', name: evil, commune: '13001', coverage: ['13001'] })],
			'upsert'
		);
		const exported = await exportStructures(t.db, AIX);
		const csv = structuresToCsv(exported);
		const line = csv.split('\n').find((l) => l.startsWith('formule-1,')) ?? '';
		// No cell of the file starts a formula…
		expect(line).toContain(`"'=HYPERLINK(`);
		expect(line.split(',').some((cell) => /^[=+@]/.test(cell))).toBe(false);
		// …and importing the file gives the same name back.
		await t.db.delete(structures).where(eq(structures.territoryId, AIX));
		await importCsv(t.db, AIX, csv);
		expect((await exportStructures(t.db, AIX)).find((s) => s.id === 'formule-1')?.name).toBe(evil);
		await t.db.delete(structures).where(eq(structures.territoryId, AIX));
	});

	it('round-trips the JSON export too', async () => {
		const exported = await exportStructures(t.db, DEMO_TERRITORY_ID);
		const file = parseStructureFile(structuresToJson(exported), 'json');
		await t.db.delete(structures).where(eq(structures.territoryId, DEMO_TERRITORY_ID));
		await importStructures(t.db, DEMO_TERRITORY_ID, file.records, 'upsert', file.rows);
		expect(await exportStructures(t.db, DEMO_TERRITORY_ID)).toEqual(exported);
	});

	it('reads a CSV file delimited by semicolons, as French spreadsheets write them', async () => {
		const record = structureRecord({
			name: 'Maison des aînés, Aix',
			kind: 'clic',
			coverage: ['13001', '13032'],
			problems: ['droits', 'aidants'],
			age_min: 60,
			coordination: false,
			referral: 'Appeler ; demander l’accueil'
		});
		const columns = Object.keys(record);
		const text = stringify(
			[
				columns.map((c) => {
					const value = (record as Record<string, unknown>)[c];
					return Array.isArray(value) ? value.join('|') : String(value);
				})
			],
			{ header: true, columns, delimiter: ';' }
		);
		expect(text.split('\n')[0]).not.toContain(',');
		await importCsv(t.db, AIX, text);
		const [stored] = (await exportStructures(t.db, AIX)).filter((s) => s.id === record.id);
		expect(stored).toEqual({ apa: 'any', handicap: 'any', ...record });
	});

	it('reads a CSV file saved in Windows-1252, as Excel on Windows writes it', async () => {
		// « Équipe d’accueil « Aînés » » and « Accueil sur rendez-vous – 1er étage » in Windows-1252:
		// É = 0xC9, ’ = 0x92, « = 0xAB, î = 0xEE, » = 0xBB, – = 0x96, é = 0xE9. Built byte by byte,
		// so that no UTF-8 encoder is involved.
		const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
		const bytes = Uint8Array.from([
			...ascii('id;name;kind;coverage;problems;level_min;level_max;referral;phone\r\n'),
			...ascii('cp1252:1;'),
			0xc9,
			...ascii('quipe d'),
			0x92,
			...ascii('accueil '),
			0xab,
			...ascii(' A'),
			0xee,
			...ascii('n'),
			0xe9,
			...ascii('s '),
			0xbb,
			...ascii(';clic;13001;droits;information;simple;Accueil sur rendez-vous '),
			0x96,
			...ascii(' 1er '),
			0xe9,
			...ascii('tage;04.42.00.00.00\r\n')
		]);
		const file = parseStructureFile(bytes, 'csv');
		await importStructures(t.db, AIX, file.records, 'upsert', file.rows);
		const stored = (await exportStructures(t.db, AIX)).find((s) => s.id === 'cp1252:1');
		expect(stored).toMatchObject({
			name: 'Équipe d’accueil « Aînés »',
			referral: 'Accueil sur rendez-vous – 1er étage',
			phone: '+33442000000'
		});
		await t.db.delete(structures).where(eq(structures.territoryId, AIX));
	});

	it('reads UTF-8 bytes as UTF-8, with or without a byte-order mark', () => {
		const text = 'id,name\ncp:1,Équipe « Aînés » – œuvre\n';
		const utf8 = new TextEncoder().encode(text);
		expect(decodeCsv(utf8)).toBe(text);
		expect(decodeCsv(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8]))).toBe(text);
		// The same text in Windows-1252 (œ = 0x9C) is not valid UTF-8, and is read as what it is.
		const cp1252 = Uint8Array.from(
			[...text].map(
				(c) =>
					({ É: 0xc9, '«': 0xab, î: 0xee, '»': 0xbb, '–': 0x96, œ: 0x9c })[c] ?? c.charCodeAt(0)
			)
		);
		expect(decodeCsv(cp1252)).toBe(text);
	});

	it('writes phones in the CSV export as people read them, and reads them back to E.164', async () => {
		const exported = await exportStructures(t.db, DEMO_TERRITORY_ID);
		const withPhone = exported.find((s) => s.phone);
		expect(withPhone?.phone).toMatch(/^\+33\d{9}$/);
		const csv = structuresToCsv(exported);
		expect(csv).not.toContain('+33');
		const line = csv.split('\n').find((l) => l.startsWith(`${withPhone?.id},`)) ?? '';
		expect(line).toContain(`,${formatPhone(withPhone?.phone ?? '')},`);
		const reread = parseStructureFile(csv, 'csv').records.find(
			(r) => (r as { id: string }).id === withPhone?.id
		);
		expect(StructureImportSchema.parse(reread).phone).toBe(withPhone?.phone);
	});

	it('rejects an unknown column, naming it, and writes nothing', async () => {
		const before = await snapshotDirectory(t.db);
		const text = [
			'id,nom,kind,coverage,problems,level_min,level_max',
			'x:1,Un nom,ccas,13001,droits,information,simple'
		].join('\n');
		const error = await importError(Promise.resolve().then(() => importCsv(t.db, AIX, text)));
		expect(error.issues).toEqual([{ row: 0, field: 'nom', message: expect.any(String) }]);
		expect(await snapshotDirectory(t.db)).toEqual(before);
	});

	it('names the line of the file for a bad row (header = line 1)', async () => {
		const before = await snapshotDirectory(t.db);
		const text = [
			'id,name,kind,coverage,problems,level_min,level_max',
			'csv:1,Premier,ccas,13001,droits,information,simple',
			'csv:2,Deuxième,ccas,13001|13032,droits|finances,information,simple',
			'csv:3,Troisième,hospice,13001,droits,information,simple',
			'csv:4,Quatrième,ccas,13001,droits,complexe,information'
		].join('\r\n');
		const error = await importError(importCsv(t.db, AIX, text));
		expect(error.issues.map((i) => [i.row, i.field])).toEqual([
			[4, 'kind'],
			[5, 'level_max']
		]);
		expect(error.message).toContain('ligne 4, kind');
		expect(await snapshotDirectory(t.db)).toEqual(before);
	});

	it('names the line of the file even after a cell spread over several lines', async () => {
		const text = [
			'id,name,kind,coverage,problems,level_min,level_max,referral',
			'csv:1,Premier,ccas,13001,droits,information,simple,"Appeler le matin,',
			'ou écrire"',
			'csv:2,Deuxième,hospice,13001,droits,information,simple,'
		].join('\n');
		const error = await importError(importCsv(t.db, AIX, text));
		expect(error.issues).toEqual([{ row: 4, field: 'kind', message: expect.any(String) }]);
	});

	it('names the line of the file after blank lines, which are skipped', async () => {
		const text = [
			'id,name,kind,coverage,problems,level_min,level_max',
			'',
			'csv:1,Premier,ccas,13001,droits,information,simple',
			'',
			'csv:2,Deuxième,ccas,13001,droits,information,inconnu',
			''
		].join('\r\n');
		const error = await importError(importCsv(t.db, AIX, text));
		expect(error.issues.map((i) => [i.row, i.field])).toEqual([[5, 'level_max']]);
	});

	it('reports numbers and booleans that do not parse against their column', async () => {
		const text = [
			'id,name,kind,coverage,problems,level_min,level_max,age_min,coordination',
			'csv:1,Premier,ccas,13001,droits,information,simple,soixante,peut-être'
		].join('\n');
		const error = await importError(importCsv(t.db, AIX, text));
		expect(error.issues.map((i) => [i.row, i.field]).sort()).toEqual([
			[2, 'age_min'],
			[2, 'coordination']
		]);
	});

	it('rejects a file that is not CSV or not a JSON array', async () => {
		expect(() => parseStructureFile('{"id": 1}', 'json')).toThrow(ImportError);
		expect(() => parseStructureFile('[{', 'json')).toThrow(/JSON illisible/);
		expect(() => parseStructureFile('id,name\n"x:1,"Nom', 'csv')).toThrow(ImportError);
	});
});
