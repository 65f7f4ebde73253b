/**
 * Directory search (searchStructures, and the directory page's browseDirectory that also reads
 * needs in the words typed) on the demo territory. Expected results are computed from the shipped
 * demo file, so the tests follow the data instead of a list that could drift.
 */
import { booleanIntersects } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import { beforeAll, describe, expect, it } from 'vitest';
import { LEVEL_CODES, type KindCode, type LevelCode, type ProblemCode } from '$lib/domain/taxonomy';
import { readDirectoryQuery } from '$lib/schemas/directory';
import type { StructureInput } from '$lib/schemas/structure';
import { browseDirectory } from '$lib/server/services/directory';
import { seedDemo } from '$lib/server/services/setup';
import { searchStructures, type StructureFilters } from '$lib/server/services/structures';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import {
	DEMO_TERRITORY_ID,
	demoRecords,
	shippedBoundaries,
	structureRecord
} from '../factories/structures';

const demo = demoRecords();
const AIX = 'pays-aixois';
const aixStructure = structureRecord({
	id: 'test:maison-aines-aix',
	name: 'Maison des aînés du Pays d’Aix',
	kind: 'clic',
	coverage: ['13001'],
	problems: ['droits', 'aidants'],
	level_min: 'information',
	level_max: 'simple'
});
const all: StructureInput[] = [...demo, aixStructure];

/* ----------------------- The oracle, from the files alone ----------------------- */

const fold = (text: string) =>
	text
		.normalize('NFD')
		.replace(/\p{Diacritic}/gu, '')
		.toLowerCase();
/** What the search looks into: name, address, FINESS number, how to refer. */
const searchable = (s: StructureInput) =>
	fold([s.name, s.address, s.finess, s.referral].filter(Boolean).join(' '));

const boundaries = new Map(
	['arrondissements-marseille.geojson', 'communes-13.geojson'].flatMap((file) =>
		shippedBoundaries(file).features.map((f) => [String(f.properties?.code), f] as const)
	)
);
/** Whether a record of the import format covers a leaf place (arrondissement or commune). */
function covers(s: StructureInput, place: string): boolean {
	const codes = s.coverage ?? [];
	const city = place.startsWith('132') ? '13055' : null;
	if (codes.includes(place) || (city && codes.includes(city))) return true;
	if (codes.includes(`dep:${place.slice(0, 2)}`)) return true;
	const boundary = boundaries.get(place);
	// The demo's polygons are geometries (a Feature is read as its geometry on the way in).
	const area = s.coverage_geojson as Polygon | MultiPolygon | undefined;
	return !!area && !!boundary && booleanIntersects(boundary, area);
}
const rank = (level: LevelCode) => LEVEL_CODES.indexOf(level);
const handles = (s: StructureInput, level: LevelCode) =>
	rank(s.level_min as LevelCode) <= rank(level) && rank(level) <= rank(s.level_max as LevelCode);
const ids = (records: StructureInput[]) => records.map((s) => s.id).sort();

describe('the demo data the oracle relies on', () => {
	it('has accented names, typos to catch and structures of several kinds', () => {
		expect(demo.some((s) => /mémoire/i.test(s.name))).toBe(true);
		expect(demo.some((s) => /gérontologique/i.test(s.name))).toBe(true);
		expect(demo.filter((s) => s.name.includes('Roseraie'))).toHaveLength(1);
		expect(new Set(demo.map((s) => s.kind)).size).toBeGreaterThan(10);
	});
});

describe.each(DATABASES)('directory search on %s', (kind) => {
	const t = useTestDatabase(kind, { geography: true });
	beforeAll(async () => {
		await seedDemo(t.db);
		await putTerritory(t.db, AIX, { name: 'Pays d’Aix', communes: ['13001'] });
		await importStructures(t.db, AIX, [aixStructure]);
	});

	async function search(filters: StructureFilters): Promise<string[]> {
		const { total, items } = await searchStructures(t.db, { limit: 100, ...filters });
		expect(items).toHaveLength(total);
		return items.map((s) => s.id).sort();
	}

	it('lists everything without a filter', async () => {
		expect(await search({})).toEqual(ids(all));
	});

	it.each(['memoire', 'MÉMOIRE', 'gerontologique', 'Gérontologique', 'bois-lemaitre'])(
		'finds « %s » without minding accents or capitals',
		async (q) => {
			const expected = ids(all.filter((s) => searchable(s).includes(fold(q))));
			expect(expected.length).toBeGreaterThan(0);
			expect(await search({ q })).toEqual(expected);
		}
	);

	it.each([
		['rozeraie', 'EHPAD La Roseraie'],
		['gerontologiqe', 'Centre gérontologique départemental'],
		['consultation memoir', 'Consultation mémoire de proximité – Saint-Julien']
	])('tolerates a typo: « %s » finds %s', async (q, name) => {
		const { items } = await searchStructures(t.db, { q });
		expect(items.map((s) => s.name)).toContain(name);
	});

	it('ranks the closest match first for a typo', async () => {
		const { items } = await searchStructures(t.db, { q: 'rozeraie' });
		expect(items[0]?.name).toBe('EHPAD La Roseraie');
	});

	it('requires every word of the query', async () => {
		const expected = ids(
			all.filter((s) => searchable(s).includes('ssiad') && searchable(s).includes('adama'))
		);
		expect(expected).toHaveLength(1);
		expect(await search({ q: 'SSIAD Adama' })).toEqual(expected);
		expect(await search({ q: 'ssiad zzzzzz' })).toEqual([]);
	});

	it('finds a structure by its FINESS number', async () => {
		for (const withFiness of demo.filter((s) => s.finess)) {
			// Close numbers may follow (typo tolerance), but the exact one comes first.
			const { items } = await searchStructures(t.db, { q: withFiness.finess });
			expect(items[0]?.id, withFiness.finess).toBe(withFiness.id);
		}
	});

	it.each<KindCode[]>([['ehpad'], ['ssiad', 'saad'], ['ccas', 'clic']])(
		'filters by kind (%s…)',
		async (...kinds) => {
			const expected = ids(all.filter((s) => kinds.includes(s.kind as KindCode)));
			expect(expected.length).toBeGreaterThan(1);
			expect(await search({ kinds })).toEqual(expected);
		}
	);

	it.each<ProblemCode>(['troubles_cognitifs', 'aidants', 'protection_juridique', 'logement'])(
		'filters by problem (%s)',
		async (problem) => {
			const expected = ids(all.filter((s) => s.problems.includes(problem)));
			expect(expected.length).toBeGreaterThan(0);
			expect(await search({ problem })).toEqual(expected);
		}
	);

	it.each(LEVEL_CODES)('filters by level (%s within [level_min, level_max])', async (level) => {
		const expected = ids(all.filter((s) => handles(s, level)));
		expect(expected.length).toBeGreaterThan(0);
		expect(expected.length).toBeLessThan(all.length);
		expect(await search({ level })).toEqual(expected);
	});

	it('combines filters', async () => {
		const filters = { problem: 'medical', level: 'complexe', kinds: ['hopital', 'had', 'emg'] };
		const expected = ids(
			all.filter(
				(s) =>
					s.problems.includes('medical') && handles(s, 'complexe') && filters.kinds.includes(s.kind)
			)
		);
		expect(expected.length).toBeGreaterThan(1);
		expect(await search(filters as StructureFilters)).toEqual(expected);
	});

	it('filters by place: a structure of the 4e and 5e is found for the 4e, not the 12e', async () => {
		const fourAndFive = demo.find(
			(s) =>
				s.coverage?.length === 2 && s.coverage.includes('13204') && s.coverage.includes('13205')
		);
		expect(fourAndFive).toBeDefined();
		const in4 = await search({ places: ['13204'] });
		const in12 = await search({ places: ['13212'] });
		expect(in4).toContain(fourAndFive?.id);
		expect(in12).not.toContain(fourAndFive?.id);
		expect(in4).toEqual(ids(all.filter((s) => covers(s, '13204'))));
		expect(in12).toEqual(ids(all.filter((s) => covers(s, '13212'))));
		expect(await search({ places: ['13001'] })).toEqual(ids(all.filter((s) => covers(s, '13001'))));
		expect(await search({ places: [] })).toEqual([]);
	});

	it('filters by territory: the structures covering part of it, whoever imported them', async () => {
		const inDemo = ids(all.filter((s) => covers(s, '13204') || covers(s, '13212')));
		expect(inDemo).not.toContain(aixStructure.id);
		expect(await search({ territory: DEMO_TERRITORY_ID })).toEqual(inDemo);
		const inAix = ids(all.filter((s) => covers(s, '13001')));
		// The département-wide structures imported with the demo appear in the Pays d'Aix too.
		expect(inAix).toContain(aixStructure.id);
		expect(inAix.length).toBeGreaterThan(1);
		expect(await search({ territory: AIX })).toEqual(inAix);
		expect(await search({ territory: AIX, q: 'aines' })).toEqual([aixStructure.id]);
	});

	it('pages through the results with a stable total', async () => {
		// As many pages of 10 as the directory holds, and one past the end.
		const pages = await Promise.all(
			Array.from({ length: Math.ceil(all.length / 10) + 1 }, (_, i) =>
				searchStructures(t.db, { limit: 10, offset: i * 10 })
			)
		);
		expect(pages.map((p) => p.total)).toEqual(pages.map(() => all.length));
		expect(pages.at(-1)?.items).toEqual([]);
		const seen = pages.flatMap((p) => p.items).map((s) => s.id);
		expect(seen).toHaveLength(all.length);
		expect(seen.sort()).toEqual(ids(all));
	});

	/* ------------- The directory page: needs in the words typed (issue 11) ------------- */

	/** The directory page's search, as its URL says it; every result, in its order. */
	async function browse(params: Record<string, string>, scope: readonly string[] | null = null) {
		const query = readDirectoryQuery(new URLSearchParams(params));
		if (!query.success) throw new Error(JSON.stringify(query.error.issues));
		const result = await browseDirectory(t.db, query.data, scope);
		const before = (query.data.page - 1) * 30;
		expect(result.items.length).toBe(Math.max(0, Math.min(result.total - before, 30)));
		return result;
	}
	const byId = new Map(all.map((s) => [s.id, s]));
	const record = (id: string) => byId.get(id) as StructureInput;

	it('« logement » finds the CCAS of the demo, which take housing though their name does not say it', async () => {
		const ccas = all.filter((s) => s.kind === 'ccas' && s.problems.includes('logement'));
		expect(ccas.length).toBeGreaterThan(0);
		expect(ccas.every((s) => !searchable(s).includes('logement'))).toBe(true);
		const { items, needs } = await browse({ q: 'logement' });
		const found = items.map((s) => s.id);
		expect(found).toEqual(expect.arrayContaining(ccas.map((s) => s.id)));
		// Each result takes housing, or says the word.
		for (const id of found) {
			const s = record(id);
			expect(s.problems.includes('logement') || searchable(s).includes('logement'), id).toBe(true);
		}
		expect(needs.problems).toEqual(['logement']);
	});

	it('« tutelle » finds the MJPM (a synonym of the field: protection juridique)', async () => {
		const mjpm = all.filter((s) => s.kind === 'mjpm');
		expect(mjpm.length).toBeGreaterThan(0);
		const found = (await browse({ q: 'tutelle' })).items.map((s) => s.id);
		expect(found).toEqual(expect.arrayContaining(mjpm.map((s) => s.id)));
		for (const id of found) {
			const s = record(id);
			expect(s.kind === 'mjpm' || s.problems.includes('protection_juridique'), id).toBe(true);
		}
		// Its other spellings and a typo find the same.
		for (const q of ['curatelle', 'TUTELLE', 'tutele']) {
			expect((await browse({ q })).items.map((s) => s.id).sort(), q).toEqual([...found].sort());
		}
	});

	it('« aide à domicile » finds the SAADs, and no structure that only takes home nursing', async () => {
		const saad = all.filter((s) => s.kind === 'saad');
		expect(saad.length).toBeGreaterThan(0);
		const found = (await browse({ q: 'aide à domicile' })).items.map((s) => s.id);
		expect(found).toEqual(expect.arrayContaining(saad.map((s) => s.id)));
		for (const id of found) {
			const s = record(id);
			const text = searchable(s);
			expect(
				s.kind === 'saad' ||
					s.problems.includes('aides_domicile') ||
					(text.includes('aide') && text.includes('domicile')),
				id
			).toBe(true);
		}
		const nursingOnly = all.filter(
			(s) => s.kind === 'ssiad' && !s.problems.includes('aides_domicile')
		);
		expect(nursingOnly.length).toBeGreaterThan(0);
		for (const s of nursingOnly) expect(found).not.toContain(s.id);
	});

	it('« mémoire » and « Alzheimer » find the memory clinic, name matches first', async () => {
		const memory = all.filter((s) => s.kind === 'consultation_memoire');
		expect(memory.length).toBeGreaterThan(0);
		for (const [q, word] of [
			['mémoire', 'memoire'],
			['memoire', 'memoire'],
			['Alzheimer', 'alzheimer'],
			['alzeimer', 'alzheimer']
		] as const) {
			const { items } = await browse({ q });
			expect(
				items.map((s) => s.id),
				q
			).toEqual(expect.arrayContaining(memory.map((s) => s.id)));
			// The structures whose name has the word come before those found by their remit only.
			const named = items.map((s) => fold(s.name).includes(word));
			expect(named.indexOf(false) === -1 || named.lastIndexOf(true) < named.indexOf(false), q).toBe(
				true
			);
			expect(named[0], q).toBe(true);
		}
	});

	it('a nonsense word finds nothing, and names no filter to try', async () => {
		const result = await browse({ q: 'xqzwkvj' });
		expect(result.total).toBe(0);
		expect(result.items).toEqual([]);
		expect(result.needs).toEqual({ problems: [], kinds: [] });
	});

	it('keeps the name search as it was: typos, every word, the closest first', async () => {
		expect((await browse({ q: 'rozeraie' })).items[0]?.name).toBe('EHPAD La Roseraie');
		expect((await browse({ q: 'SSIAD Adama' })).items.map((s) => s.id)).toEqual(
			await search({ q: 'SSIAD Adama' })
		);
		expect((await browse({ q: 'ssiad zzzzzz' })).total).toBe(0);
		expect((await browse({})).total).toBe(all.length);
	});

	it('combines the need with the other filters, place, kind and scope', async () => {
		const in12 = all.filter((s) => covers(s, '13212') && s.problems.includes('logement'));
		expect(in12.length).toBeGreaterThan(0);
		const found = (await browse({ q: 'logement', commune: '13012' })).items.map((s) => s.id);
		expect(found.sort()).toEqual(
			ids(in12.filter((s) => s.problems.includes('logement') || searchable(s).includes('logement')))
		);
		const ccasOnly = (await browse({ q: 'logement', type: 'ccas' })).items;
		expect(ccasOnly.length).toBeGreaterThan(0);
		expect(ccasOnly.every((s) => s.kind === 'ccas')).toBe(true);
		// A partner of the Pays d'Aix sees only what serves it.
		const aix = (await browse({ q: 'aidants' }, [AIX])).items.map((s) => s.id);
		expect(aix).toContain(aixStructure.id);
		for (const id of aix) {
			const s = record(id);
			expect(covers(s, '13001') || id === aixStructure.id, id).toBe(true);
		}
	});

	it('pages through need matches with a stable total', async () => {
		const first = await browse({ q: 'domicile' });
		expect(first.total).toBeGreaterThan(0);
		const again = await browse({ q: 'domicile', page: '2' });
		expect(again.total).toBe(first.total);
		expect(again.items).toHaveLength(Math.max(0, first.total - 30));
	});
});
