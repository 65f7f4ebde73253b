import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '$lib/server/db/client';
import { auditLog, structures } from '$lib/server/db/schema';
import { importFromFiness, previewFinessImport } from '$lib/server/services/finess-import';
import { confirmRemit } from '$lib/server/services/structure-remit';
import { importStructures } from '$lib/server/services/structure-import';
import { exportStructures, getStructure } from '$lib/server/services/structures';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { serviceRejection as rejection, testCaller } from '../factories/callers';
import { ask } from '../factories/orientations';
import { DEMO_TERRITORY_ID } from '../factories/structures';

/** Aubagne and La Penne-sur-Huveaune, next to the demo territory: a second territory of the 13. */
const AUBAGNE = { id: 'pays-aubagne', communes: ['13005', '13070'] };

describe.each(DATABASES)('FINESS bootstrap on %s', (kind) => {
	const t = useTestDatabase(kind, { demo: true });
	const pilot = testCaller('pilot', [AUBAGNE.id]);

	beforeAll(async () => {
		await putTerritory(t.db, AUBAGNE.id, { name: 'Pays d’Aubagne', communes: AUBAGNE.communes });
	});

	it('previews the establishments of the perimeter by kind, writing nothing', async () => {
		const before = await t.db.select({ id: structures.id }).from(structures);
		const preview = await previewFinessImport(t.db, pilot, AUBAGNE.id);
		expect(preview.extractDate).toBe('2021-01-08');
		expect(preview.perimeter).toEqual(AUBAGNE.communes);
		expect(preview.candidates.length).toBeGreaterThan(10);
		// Every one stands in the perimeter, has a kind of the contract and a cleaned name.
		for (const c of preview.candidates) {
			expect(AUBAGNE.communes).toContain(c.commune);
			expect(c.id).toBe(`finess:${c.finess}`);
			expect(c.name).not.toMatch(/"|\s{2}/);
			expect(c.status).toBe('new');
		}
		expect(preview.candidates.map((c) => c.kind)).toContain('ehpad');
		const after = await t.db.select({ id: structures.id }).from(structures);
		expect(after.length).toBe(before.length);
	});

	it('imports them as structures whose remit is proposed and to confirm, audited', async () => {
		const preview = await previewFinessImport(t.db, pilot, AUBAGNE.id);
		const skipped = preview.candidates[0]!.id;
		const result = await importFromFiness(t.db, pilot, AUBAGNE.id, { exclude: [skipped] });
		expect(result.created).toBe(preview.candidates.length - 1);
		expect(result.excluded).toBe(1);
		expect(await getStructure(t.db, skipped)).toBeNull();
		const rows = await t.db.select().from(structures).where(eq(structures.territoryId, AUBAGNE.id));
		expect(rows.length).toBe(result.created);
		for (const row of rows) {
			expect(row.toConfirm).toBe(true);
			expect(row.source).toBe('finess');
			expect(row.sourceDate).toBe('2021-01-08');
		}
		// Names as people write them: the register's capitals are gone but for acronyms (« CMPP ARI »).
		const shouting = rows.filter((r) =>
			/\b[A-Z]{5,}\b/.test(r.name.replace(/\b(EHPAD|SSIAD|SAMSAH|UEROS|SESSAD|CAMSP|CATTP)\b/g, ''))
		);
		expect(shouting.map((r) => r.name)).toEqual([]);
		const ehpad = rows.find((r) => r.kind === 'ehpad')!;
		expect(ehpad.problems).toContain('entree_etablissement');
		expect(ehpad.ageMin).toBe(60);
		// Place-based establishments are proposed the whole perimeter.
		expect(ehpad.coverage).toEqual(AUBAGNE.communes);
		const [entry] = await t.db
			.select()
			.from(auditLog)
			.where(eq(auditLog.action, 'import.finess'))
			.orderBy(sql`${auditLog.id} desc`)
			.limit(1);
		expect(entry?.territoryId).toBe(AUBAGNE.id);
		expect(entry?.details).toMatchObject({ created: result.created, excluded: 1 });
		// The export says what is still to confirm, and the engine warns about it.
		const exported = await exportStructures(t.db, AUBAGNE.id);
		expect(exported.every((r) => r.to_confirm === true)).toBe(true);
		const answer = await ask(t.db, testCaller('agent', [AUBAGNE.id]), {
			commune: '13005',
			age: 84,
			apa: true,
			problems: ['entree_etablissement'],
			consent: true
		});
		const proposed = answer.result.recommendations.find((r) => r.structure.id === ehpad.id);
		expect(proposed?.warnings.join(' ')).toMatch(/proposée d’après FINESS/);
	});

	it('lets a pilot or a member confirm a remit, nobody else', async () => {
		const [row] = await t.db
			.select()
			.from(structures)
			.where(eq(structures.territoryId, AUBAGNE.id))
			.limit(1);
		const id = row!.id;
		for (const outsider of [
			testCaller('pilot', [DEMO_TERRITORY_ID]),
			testCaller('agent', [AUBAGNE.id]),
			testCaller('partner', [AUBAGNE.id], ['demo:clic-marseille-est'])
		]) {
			expect((await rejection(confirmRemit(t.db, outsider, id))).kind).toBe('not_found');
		}
		const member = testCaller('partner', [AUBAGNE.id], [id]);
		expect(await confirmRemit(t.db, member, id)).toEqual({ confirmed: true, already: false });
		const [after] = await t.db.select().from(structures).where(eq(structures.id, id));
		expect(after?.toConfirm).toBe(false);
		expect(after?.confirmedBy).toBe('partner@test.example.fr');
		expect(after?.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
		expect(await confirmRemit(t.db, pilot, id)).toEqual({ confirmed: true, already: true });
		const record = (await exportStructures(t.db, AUBAGNE.id)).find((r) => r.id === id);
		expect(record?.to_confirm).toBeUndefined();
	});

	it('re-run, refreshes the register’s fields only, never what a person set', async () => {
		const [row] = await t.db
			.select()
			.from(structures)
			.where(eq(structures.territoryId, AUBAGNE.id))
			.orderBy(structures.id)
			.limit(1);
		const id = row!.id;
		const record = (await exportStructures(t.db, AUBAGNE.id)).find((r) => r.id === id)!;
		// A person narrows the remit and renames it; the register knows only the name.
		await importStructures(t.db, AUBAGNE.id, [
			{ ...record, name: 'Nom saisi à la main', problems: ['aidants'], to_confirm: undefined }
		]);
		const result = await importFromFiness(t.db, pilot, AUBAGNE.id);
		expect(result.created).toBe(1); // the one left out the first time
		expect(result.updated).toBeGreaterThan(0);
		const [after] = await t.db.select().from(structures).where(eq(structures.id, id));
		expect(after?.name).toBe(row!.name);
		expect(after?.problems).toEqual(['aidants']);
		expect(after?.toConfirm).toBe(false);
	});

	it('links an establishment another territory holds: neither copied nor taken', async () => {
		// The demo territory holds real FINESS establishments of Marseille 4e and 12e.
		const wider = 'marseille-est';
		await putTerritory(t.db, wider, {
			name: 'Marseille est',
			communes: ['13204', '13212', '13211']
		});
		const owner = await t.db
			.select({ id: structures.id })
			.from(structures)
			.where(eq(structures.territoryId, DEMO_TERRITORY_ID));
		const result = await importFromFiness(t.db, testCaller('pilot', [wider]), wider);
		expect(result.linked.length).toBeGreaterThan(0);
		for (const link of result.linked) {
			expect(link.owner).toBe(DEMO_TERRITORY_ID);
			expect(owner.map((o) => o.id)).toContain(link.id);
		}
		const [count] = await queryRows<{ n: number }>(
			t.db,
			sql`select count(*)::int as n from structures where id = ${result.linked[0]!.id} and territory_id = ${DEMO_TERRITORY_ID}`
		);
		expect(count?.n).toBe(1);
		// A person's own record with a FINESS id stays as entered (the demo's curated names).
		const demo = await previewFinessImport(
			t.db,
			testCaller('pilot', [DEMO_TERRITORY_ID]),
			DEMO_TERRITORY_ID
		);
		expect(demo.candidates.some((c) => c.status === 'kept')).toBe(true);
	});

	it('refuses a perimeter outside the territory, a partner, a file without the columns', async () => {
		const outside = await rejection(
			previewFinessImport(t.db, pilot, AUBAGNE.id, { communes: ['13005', '13001', 'dep:99'] })
		);
		expect(outside.kind).toBe('invalid');
		expect(outside.issues.map((i) => i.path)).toContain('communes');
		expect(outside.message).toMatch(/hors du territoire/);
		expect(outside.message).toMatch(/lieu inconnu : dep:99/);
		expect(
			(await rejection(previewFinessImport(t.db, testCaller('partner', [AUBAGNE.id]), AUBAGNE.id)))
				.kind
		).toBe('forbidden');
		expect(
			(
				await rejection(
					previewFinessImport(t.db, testCaller('pilot', [DEMO_TERRITORY_ID]), AUBAGNE.id)
				)
			).kind
		).toBe('not_found');
		const bad = await rejection(
			previewFinessImport(t.db, pilot, AUBAGNE.id, { file: 'package.json' })
		);
		expect(bad.kind).toBe('invalid');
		expect(bad.message).toMatch(/colonne\(s\) manquante\(s\)/);
	});
});
