import { booleanIntersects } from '@turf/turf';
import { beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import type { ImportProgress } from '$lib/domain/import-progress';
import { queryRows } from '$lib/server/db/client';
import { StructureImportSchema, type StructureInput } from '$lib/schemas/structure';
import { structures } from '$lib/server/db/schema';
import { referencePlaces } from '$lib/server/services/reference';
import { seedDemo } from '$lib/server/services/setup';
import { exportStructures, getStructure } from '$lib/server/services/structures';
import {
	ImportError,
	importStructures,
	type ImportResult
} from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { snapshotDirectory } from '../helpers/snapshot';
import {
	DEMO_TERRITORY_ID,
	demoRecords,
	shippedBoundaries,
	squareAround,
	structureRecord,
	structureRecords,
	type StructureOverrides
} from '../factories/structures';

const demo = demoRecords();
const AIX = 'pays-aixois';
const AT_SEA: [number, number] = [5.2, 43.1];

/** The leaf places of the shipped Bouches-du-Rhône boundaries (Marseille as its arrondissements). */
const leaves13 = [
	...shippedBoundaries('arrondissements-marseille.geojson').features,
	...shippedBoundaries('communes-13.geojson').features.filter((f) => f.properties?.code !== '13055')
];
function placesIntersecting(area: Parameters<typeof booleanIntersects>[1]): string[] {
	return leaves13
		.filter((f) => booleanIntersects(f, area))
		.map((f) => String(f.properties?.code))
		.sort();
}

async function importError(promise: Promise<unknown>): Promise<ImportError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(ImportError);
	return error as ImportError;
}

async function placesOf(db: Parameters<typeof getStructure>[0], id: string): Promise<string[]> {
	const structure = await getStructure(db, id);
	expect(structure, `structure ${id}`).not.toBeNull();
	return (structure?.places ?? []).map((p) => p.code);
}

describe.each(DATABASES)('structure import on %s', (kind) => {
	const t = useTestDatabase(kind, { geography: true });
	let seeded: ImportResult;
	beforeAll(async () => {
		seeded = await seedDemo(t.db);
		await putTerritory(t.db, AIX, { name: 'Pays d’Aix', communes: ['13001', '13032'] });
	});

	it('loads the 33 structures of the demo territory as shipped', async () => {
		expect(demo).toHaveLength(33);
		expect(seeded).toEqual({
			territory: DEMO_TERRITORY_ID,
			total: 33,
			created: 33,
			updated: 0,
			deleted: 0
		});
		const exported = await exportStructures(t.db, DEMO_TERRITORY_ID);
		expect(exported.map((s) => s.id)).toEqual(demo.map((s) => s.id).sort());
		for (const record of demo) {
			expect(exported.find((s) => s.id === record.id)).toEqual({
				coordination: expect.any(Boolean),
				...StructureImportSchema.parse(record)
			});
		}
	});

	it('seeding the demo again restores it as shipped', async () => {
		const shipped = await exportStructures(t.db, DEMO_TERRITORY_ID);
		const [first] = demo;
		await importStructures(t.db, DEMO_TERRITORY_ID, [
			{ ...first, name: 'Renommée' },
			structureRecord({ id: 'test:extra' })
		]);
		expect(await exportStructures(t.db, DEMO_TERRITORY_ID)).toHaveLength(34);
		expect(await seedDemo(t.db)).toEqual({
			territory: DEMO_TERRITORY_ID,
			total: 33,
			created: 0,
			updated: 33,
			deleted: 1
		});
		expect(await exportStructures(t.db, DEMO_TERRITORY_ID)).toEqual(shipped);
	});

	it('reports its progress, phase by phase, each from 0 to its total', async () => {
		const seen: ImportProgress[] = [];
		await importStructures(
			t.db,
			DEMO_TERRITORY_ID,
			demo,
			'replace',
			undefined,
			undefined,
			(progress) => seen.push(progress)
		);
		const pairs = await queryRows<{ n: number }>(
			t.db,
			sql`select count(*)::int as n from structure_communes sc
				join structures s on s.id = sc.structure_id where s.territory_id = ${DEMO_TERRITORY_ID}`
		);
		const phases = [...new Set(seen.map((p) => p.phase))];
		expect(phases).toEqual(['validation', 'structures', 'communes']);
		for (const phase of phases) {
			const reports = seen.filter((p) => p.phase === phase);
			expect(reports[0]?.done, phase).toBe(0);
			expect(reports.at(-1)?.done, phase).toBe(reports.at(-1)?.total);
			const dones = reports.map((p) => p.done);
			expect(dones, phase).toEqual([...dones].sort((a, b) => a - b));
		}
		expect(seen.at(-1)).toEqual({ phase: 'communes', done: pairs[0]?.n, total: pairs[0]?.n });
		expect(seen.find((p) => p.phase === 'structures')?.total).toBe(demo.length);
	});

	it.each<[string, StructureOverrides, string, RegExp]>([
		['an unknown kind', { kind: 'hospice' }, 'kind', /hospice/],
		['an unknown problem', { problems: ['droits', 'loisirs'] }, 'problems.1', /loisirs/],
		['an unknown place in coverage', { coverage: ['13204', '99999'] }, 'coverage', /99999/],
		['an unknown département', { coverage: ['dep:99'] }, 'coverage', /dep:99/],
		['a malformed place code', { coverage: ['Marseille'] }, 'coverage.0', /INSEE/],
		['no coverage at all', { coverage: undefined }, 'coverage', /coverage_geojson/],
		[
			'a polygon that covers no place',
			{ coverage: undefined, coverage_geojson: squareAround(...AT_SEA) },
			'coverage_geojson',
			/aucune commune/
		],
		[
			'level_min above level_max',
			{ level_min: 'complexe', level_max: 'simple' },
			'level_max',
			/complexe/
		],
		['an unknown commune', { commune: '99999' }, 'commune', /99999/],
		['an unknown field', { couleur: 'bleu' }, 'couleur', /champ inconnu/],
		['an invalid email', { email: 'pas-une-adresse' }, 'email', /./],
		[
			'opening hours that are not opening_hours',
			{ hours: 'lundi au vendredi' },
			'hours',
			/^horaires : format OpenStreetMap/
		],
		[
			'a phone that is no number',
			{ phone: '04 91 23 45' },
			'phone',
			/^téléphone : numéro français attendu/
		],
		[
			'a FINESS number whose key is wrong',
			{ finess: '130784235' },
			'finess',
			/^finess : clé de contrôle/
		]
	])(
		'rejects a file with one bad row (%s), naming the row and the field, and writes nothing',
		async (_what, bad, field, message) => {
			const before = await snapshotDirectory(t.db);
			// Every other row is valid and would change something (renamed; and `replace` would
			// delete the last three): any partial write shows in the snapshot.
			const file: unknown[] = demo
				.slice(0, -3)
				.map((record) => ({ ...record, name: `${record.name} (modifié)` }));
			file[6] = structureRecord({ ...(file[6] as object), ...bad });
			const error = await importError(importStructures(t.db, DEMO_TERRITORY_ID, file, 'replace'));
			expect(error.issues).toContainEqual({
				row: 7,
				field,
				message: expect.stringMatching(message)
			});
			expect(error.issues.every((issue) => issue.row === 7)).toBe(true);
			expect(error.message).toContain(`ligne 7, ${field} :`);
			expect(await snapshotDirectory(t.db)).toEqual(before);
		}
	);

	it('refuses a file with bad hours and a bad phone whole, naming each row and field', async () => {
		const before = await snapshotDirectory(t.db);
		const file = [
			structureRecord({ coverage: ['13001'], hours: 'Mo-Fr 09:00-17:00', phone: '04 42 00 00 00' }),
			structureRecord({ coverage: ['13001'], hours: 'de 9 h à 17 h' }),
			structureRecord({ coverage: ['13001'], phone: '04 42 00' }),
			structureRecord({ coverage: ['13001'], hours: 'Mo-Fr 25:00-26:00', phone: '+32 2 555 12 12' })
		];
		const error = await importError(importStructures(t.db, AIX, file));
		expect(error.issues).toEqual([
			{
				row: 2,
				field: 'hours',
				message:
					'horaires : format OpenStreetMap opening_hours attendu (ex. Mo-Fr 09:00-12:30,13:30-17:00)'
			},
			{
				row: 3,
				field: 'phone',
				message: 'téléphone : numéro français attendu (ex. 04 91 23 45 67 ou +33 4 91 23 45 67)'
			},
			{ row: 4, field: 'phone', message: expect.stringMatching(/pas un numéro étranger/) },
			{ row: 4, field: 'hours', message: expect.stringMatching(/^horaires : /) }
		]);
		expect(error.message).toContain('ligne 2, hours : horaires : format OpenStreetMap');
		// The valid first row was not written either.
		expect(await snapshotDirectory(t.db)).toEqual(before);
	});

	it('stores phones in E.164 and hours in the canonical syntax, the demo’s included', async () => {
		const demoPhones = (await exportStructures(t.db, DEMO_TERRITORY_ID))
			.map((s) => s.phone)
			.filter((p) => p !== undefined);
		expect(demoPhones.length).toBeGreaterThan(20);
		expect(demoPhones.filter((p) => !/^\+33[1-9]\d{8}$/.test(p))).toEqual([]);
		expect(demoPhones).toContain('+33465711001'); // « 04 65 71 10 01 » in the shipped file
		const record = structureRecord({
			coverage: ['13001'],
			phone: '+33 (0)4 42 12 34 56',
			hours: 'Mo-Fr 9h-12h,14h-17h; PH off'
		});
		await importStructures(t.db, AIX, [record]);
		expect(await getStructure(t.db, record.id)).toMatchObject({
			phone: '+33442123456',
			hours: 'Mo-Fr 09:00-12:00,14:00-17:00; PH off'
		});
		// The territory's other tests count its structures.
		await t.db.delete(structures).where(eq(structures.id, record.id));
	});

	it('lists every problem of the file at once, in row order', async () => {
		const before = await snapshotDirectory(t.db);
		const error = await importError(
			importStructures(t.db, AIX, [
				structureRecord({ coverage: ['13001'] }),
				structureRecord({ kind: 'hospice', email: 'pas-une-adresse', coverage: ['13001'] }),
				structureRecord({ coverage: ['13001'] }),
				structureRecord({ problems: [], coverage: ['99998'] })
			])
		);
		expect(error.issues.map((i) => [i.row, i.field])).toEqual([
			[2, 'kind'],
			[2, 'email'],
			[4, 'problems'],
			[4, 'coverage']
		]);
		expect(await snapshotDirectory(t.db)).toEqual(before);
	});

	it('rejects an id given twice in the file', async () => {
		const before = await snapshotDirectory(t.db);
		const [a, b] = structureRecords(2, { coverage: ['13001'] });
		const error = await importError(importStructures(t.db, AIX, [a, b, { ...a, name: 'Doublon' }]));
		expect(error.issues).toEqual([
			{ row: 3, field: 'id', message: expect.stringMatching(/ligne 1/) }
		]);
		expect(await snapshotDirectory(t.db)).toEqual(before);
	});

	it('rejects an id that belongs to another territory', async () => {
		const before = await snapshotDirectory(t.db);
		const taken = demo[4]?.id;
		const error = await importError(
			importStructures(t.db, AIX, [
				structureRecord({ coverage: ['13001'] }),
				structureRecord({ id: taken, coverage: ['13001'] })
			])
		);
		expect(error.issues).toEqual([
			{ row: 2, field: 'id', message: expect.stringContaining(DEMO_TERRITORY_ID) }
		]);
		expect(await snapshotDirectory(t.db)).toEqual(before);
	});

	it('rejects an unknown territory and an empty file', async () => {
		expect(
			(await importError(importStructures(t.db, 'nulle-part', [structureRecord()]))).issues
		).toEqual([{ row: 0, field: 'territory', message: expect.stringContaining('nulle-part') }]);
		expect((await importError(importStructures(t.db, AIX, []))).issues).toEqual([
			{ row: 0, field: 'fichier', message: expect.any(String) }
		]);
	});

	it('upsert keeps the structures absent from the file; replace deletes them', async () => {
		const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((letter) =>
			structureRecord({ id: `test:mode-${letter}`, coverage: ['13001'] })
		) as [StructureInput, StructureInput, StructureInput, StructureInput];
		const ids = async () => (await exportStructures(t.db, AIX)).map((s) => s.id);
		expect(await importStructures(t.db, AIX, [a, b, c], 'upsert')).toMatchObject({
			total: 3,
			created: 3,
			updated: 0,
			deleted: 0
		});
		expect(
			await importStructures(t.db, AIX, [{ ...a, name: 'A renommée' }], 'upsert')
		).toMatchObject({ total: 1, created: 0, updated: 1, deleted: 0 });
		expect(await ids()).toEqual([a.id, b.id, c.id].sort());
		expect((await getStructure(t.db, a.id))?.name).toBe('A renommée');

		expect(await importStructures(t.db, AIX, [a, d], 'replace')).toMatchObject({
			total: 2,
			created: 1,
			updated: 1,
			deleted: 2
		});
		expect(await ids()).toEqual([a.id, d.id].sort());
		// Another territory's structures are not touched by a replace.
		expect(await exportStructures(t.db, DEMO_TERRITORY_ID)).toHaveLength(demo.length);
	});

	it('replaces every stored field on update, and the places follow the new coverage', async () => {
		const first = structureRecord({ coverage: ['13001'], phone: '04 42 00 00 00', age_min: 60 });
		await importStructures(t.db, AIX, [first]);
		expect(await placesOf(t.db, first.id)).toEqual(['13001']);
		const { phone: _phone, age_min: _age, ...rest } = first;
		await importStructures(t.db, AIX, [{ ...rest, coverage: ['13032', '13204'] }]);
		const stored = await getStructure(t.db, first.id);
		expect(stored).toMatchObject({ phone: null, ageMin: null });
		expect(await placesOf(t.db, first.id)).toEqual(['13032', '13204']);
	});

	it('expands dep:13 to every place of the département, Marseille as its arrondissements', async () => {
		const apa = demo.find((s) => s.coverage?.includes('dep:13'));
		expect(apa).toBeDefined();
		const expected = referencePlaces()
			.filter((p) => p.department === '13' && p.code !== '13055')
			.map((p) => p.code)
			.sort();
		const places = await placesOf(t.db, apa?.id ?? '');
		expect(places).toEqual(expected);
		expect(places).toContain('13204');
		expect(places).toContain('13001');
		expect(places).not.toContain('13055');
		expect(places.filter((code) => code.startsWith('132'))).toHaveLength(16);
	});

	it('expands a city with arrondissements and an EPCI to their places', async () => {
		const ehpad = demo.find((s) => s.coverage?.length === 1 && s.coverage[0] === '13055');
		const arrondissements = referencePlaces()
			.filter((p) => p.parentCode === '13055')
			.map((p) => p.code)
			.sort();
		expect(await placesOf(t.db, ehpad?.id ?? '')).toEqual(arrondissements);

		const metropole = structureRecord({ coverage: ['epci:200054807'] });
		await importStructures(t.db, AIX, [metropole]);
		const members = referencePlaces().filter((p) => p.epci === '200054807');
		const expected = members
			.flatMap((p) => (p.code === '13055' ? arrondissements : [p.code]))
			.sort();
		expect(expected).toContain('13001');
		expect(await placesOf(t.db, metropole.id)).toEqual(expected);
	});

	it('expands coverage_geojson to the places it intersects', async () => {
		const ssiad = demo.find((s) => s.coverage_geojson);
		expect(ssiad?.coverage_geojson).toBeDefined();
		const expected = placesIntersecting(ssiad?.coverage_geojson as never);
		expect(expected.length).toBeGreaterThan(1);
		expect(await placesOf(t.db, ssiad?.id ?? '')).toEqual(expected);

		const small = structureRecord({
			coverage: undefined,
			coverage_geojson: squareAround(5.4, 43.305, 0.001)
		});
		const both = structureRecord({
			coverage: ['13001'],
			coverage_geojson: squareAround(5.4, 43.305, 0.001)
		});
		await importStructures(t.db, AIX, [small, both]);
		expect(await placesOf(t.db, small.id)).toEqual(['13204']);
		expect(await placesOf(t.db, both.id)).toEqual(['13001', '13204']);
	});
});
