import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getTableColumns, getTableName, is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '$lib/server/db/client';
import * as schema from '$lib/server/db/schema';
import { communes, structures, territories } from '$lib/server/db/schema';
import { DATABASES, MIGRATIONS_DIR, useTestDatabase } from '../helpers/databases';

const journal = JSON.parse(
	fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')
) as { entries: { tag: string }[] };

describe.each(DATABASES)('schema and extensions on %s', (kind) => {
	const t = useTestDatabase(kind);

	it('applies every migration of drizzle/ when the database is opened', async () => {
		const applied = await queryRows<{ count: number }>(
			t.db,
			sql`select count(*)::int as count from drizzle.__drizzle_migrations`
		);
		expect(applied[0]?.count).toBe(journal.entries.length);
	});

	it('creates every table and column that the drizzle schema declares (no missing migration)', async () => {
		const declared = (Object.values(schema) as unknown[])
			.filter((value): value is PgTable => is(value, PgTable))
			.map((table) => [
				getTableName(table),
				Object.values(getTableColumns(table))
					.map((c) => c.name)
					.sort()
			]);
		expect(declared.length).toBeGreaterThanOrEqual(6);
		const rows = await queryRows<{ table_name: string; column_name: string }>(
			t.db,
			sql`select table_name, column_name from information_schema.columns
				where table_schema = 'public' order by table_name, column_name`
		);
		const actual = new Map<string, string[]>();
		for (const row of rows)
			actual.set(row.table_name, [...(actual.get(row.table_name) ?? []), row.column_name]);
		expect(
			Object.fromEntries([...actual].map(([table, columns]) => [table, columns.sort()]))
		).toEqual(Object.fromEntries(declared));
	});

	it('has pg_trgm and unaccent, wrapped by the immutable f_unaccent', async () => {
		const extensions = await queryRows<{ extname: string }>(
			t.db,
			sql`select extname from pg_extension where extname in ('pg_trgm', 'unaccent') order by 1`
		);
		expect(extensions.map((e) => e.extname)).toEqual(['pg_trgm', 'unaccent']);
		const [row] = await queryRows<{ plain: string; similar: boolean; similarity: number }>(
			t.db,
			sql`select f_unaccent(lower('Gérontologique ÉQUIPE Mémoire')) as plain,
				'marseille' % 'marseile' as similar, similarity('roseraie', 'rozeraie') as similarity`
		);
		expect(row?.plain).toBe('gerontologique equipe memoire');
		expect(row?.similar).toBe(true);
		expect(row?.similarity).toBeGreaterThan(0.3);
	});

	it('fills the generated search columns without accents or capitals', async () => {
		await t.db.insert(communes).values({
			code: '42218',
			name: 'Saint-Étienne',
			kind: 'commune',
			department: '42'
		});
		await t.db.insert(territories).values({ id: 'loire', name: 'Loire' });
		await t.db.insert(structures).values({
			id: 'x:1',
			territoryId: 'loire',
			name: 'Consultation MÉMOIRE',
			kind: 'consultation_memoire',
			address: '12 rue Écoliers',
			problems: ['troubles_cognitifs'],
			levelMin: 'simple',
			levelMax: 'coordonnee',
			coordination: false
		});
		const [place] = await queryRows<{ search_name: string }>(
			t.db,
			sql`select search_name from communes where code = '42218'`
		);
		expect(place?.search_name).toBe('saint-etienne');
		const [structure] = await queryRows<{ search_text: string }>(
			t.db,
			sql`select search_text from structures where id = 'x:1'`
		);
		expect(structure?.search_text).toMatch(/^consultation memoire 12 rue ecoliers\b/);
	});

	it('uses the trigram indexes’ operator classes', async () => {
		const indexes = await queryRows<{ indexname: string; indexdef: string }>(
			t.db,
			sql`select indexname, indexdef from pg_indexes where indexdef like '%gin_trgm_ops%' order by 1`
		);
		expect(indexes.map((i) => i.indexname)).toEqual(
			expect.arrayContaining(['communes_search_name_trgm', 'structures_search_text_trgm'])
		);
	});
});

describe('an embedded data dir opened again', () => {
	it('keeps its data and does not re-run the migrations', async () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bontiers-pglite-'));
		try {
			const first = await openDatabase({ dataDir: dir, migrationsDir: MIGRATIONS_DIR });
			await first.db.insert(territories).values({ id: 'kept', name: 'Gardé' });
			await first.close();
			expect(fs.existsSync(path.join(dir, 'bon-tiers.lock'))).toBe(false);
			const second = await openDatabase({ dataDir: dir, migrationsDir: MIGRATIONS_DIR });
			try {
				const rows = await second.db.select().from(territories);
				expect(rows.map((r) => r.id)).toEqual(['kept']);
				const applied = await queryRows<{ count: number }>(
					second.db,
					sql`select count(*)::int as count from drizzle.__drizzle_migrations`
				);
				expect(applied[0]?.count).toBe(journal.entries.length);
			} finally {
				await second.close();
			}
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	});
});
