import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '$lib/server/db/client';
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
		const tables = await queryRows<{ table_name: string }>(
			t.db,
			sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`
		);
		expect(tables.map((r) => r.table_name)).toEqual([
			'communes',
			'settings',
			'structure_communes',
			'structures',
			'territories',
			'territory_communes'
		]);
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
		expect(structure?.search_text).toBe('consultation memoire 12 rue ecoliers  ');
	});

	it('uses the trigram indexes’ operator classes', async () => {
		const indexes = await queryRows<{ indexname: string; indexdef: string }>(
			t.db,
			sql`select indexname, indexdef from pg_indexes where indexdef like '%gin_trgm_ops%' order by 1`
		);
		expect(indexes.map((i) => i.indexname)).toEqual([
			'communes_search_name_trgm',
			'structures_search_text_trgm'
		]);
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
