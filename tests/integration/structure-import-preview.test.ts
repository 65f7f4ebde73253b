import { count } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, caseloadHistory, structureCommunes, structures } from '$lib/server/db/schema';
import { parseStructureFile } from '$lib/server/services/structure-files';
import { importStructures } from '$lib/server/services/structure-import';
import { previewStructureImport } from '$lib/server/services/structure-import-preview';
import { putTerritory } from '$lib/server/services/territories';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { serviceRejection as rejection, testCaller } from '../factories/callers';
import { structureRecord } from '../factories/structures';

/** Marseille 4e and 12e, a territory of its own for these tests. */
const TERRITORY = { id: 'apercu-import', communes: ['13204', '13212'] };

const pilot = testCaller('pilot', [TERRITORY.id]);

describe.each(DATABASES)('structure import preview on %s', (kind) => {
	const t = useTestDatabase(kind, { geography: true });
	const kept = structureRecord({ id: 'apercu:garde', name: 'CCAS gardé', phone: '04 91 00 00 01' });
	const edited = structureRecord({ id: 'apercu:modifie', name: 'CLIC modifié', kind: 'clic' });
	const dropped = structureRecord({ id: 'apercu:retire', name: 'SSIAD retiré', kind: 'ssiad' });

	/** Everything an import writes, counted: a preview must leave it all as it was. */
	async function written() {
		const [s] = await t.db.select({ n: count() }).from(structures);
		const [c] = await t.db.select({ n: count() }).from(structureCommunes);
		const [h] = await t.db.select({ n: count() }).from(caseloadHistory);
		const [a] = await t.db.select({ n: count() }).from(auditLog);
		return { structures: s?.n, places: c?.n, caseload: h?.n, audit: a?.n };
	}

	beforeAll(async () => {
		await putTerritory(t.db, TERRITORY.id, { name: 'Aperçu', communes: TERRITORY.communes });
		await importStructures(t.db, TERRITORY.id, [kept, edited, dropped]);
	});

	it('lists what is added, changed and removed, and writes nothing', async () => {
		const before = await written();
		const added = structureRecord({ id: 'apercu:nouveau', name: 'Réseau nouveau' });
		const file = [
			// The same, the phone written another way: stored E.164 alike, so unchanged.
			{ ...kept, phone: '+33 4 91 00 00 01' },
			{ ...edited, level_max: 'complexe', phone: '04 91 00 00 02', caseload_max: 40 },
			added
		];
		const replace = await previewStructureImport(
			t.db,
			pilot,
			TERRITORY.id,
			file,
			undefined,
			'replace'
		);
		expect(replace).toMatchObject({
			territory: TERRITORY.id,
			mode: 'replace',
			total: 3,
			problems: [],
			added: [{ id: 'apercu:nouveau', name: 'Réseau nouveau', row: 3 }],
			changed: [{ id: 'apercu:modifie', name: 'CLIC modifié', row: 2 }],
			removed: [{ id: 'apercu:retire', name: 'SSIAD retiré' }],
			unchanged: 1,
			warnings: []
		});
		expect([...(replace.changed[0]?.fields ?? [])].sort()).toEqual([
			'caseload_max',
			'level_max',
			'phone'
		]);
		// Upsert never removes.
		const upsert = await previewStructureImport(t.db, pilot, TERRITORY.id, file, undefined);
		expect(upsert.removed).toEqual([]);
		expect(upsert.added.map((s) => s.id)).toEqual(['apercu:nouveau']);
		expect(await written()).toEqual(before);

		// What the preview said is what the import does.
		const done = await importStructures(t.db, TERRITORY.id, file, 'replace', undefined, {
			caller: pilot,
			format: 'json'
		});
		expect(done).toMatchObject({ created: 1, updated: 2, deleted: 1 });
		const again = await previewStructureImport(t.db, pilot, TERRITORY.id, file, undefined);
		expect(again).toMatchObject({ added: [], changed: [], removed: [], unchanged: 3 });
	});

	it('lists every problem with its line and field, and no diff', async () => {
		const csv = [
			'id;name;kind;coverage;problems;level_min;level_max;phone',
			'apercu:a;Bonne ligne;ccas;13204;droits;information;coordonnee;04 91 00 00 03',
			'apercu:b;Mauvais type;inconnu;13204;droits;information;coordonnee;',
			'apercu:c;Mauvais téléphone;ccas;13204;droits;information;coordonnee;12'
		].join('\n');
		const file = parseStructureFile(csv, 'csv');
		const before = await written();
		const preview = await previewStructureImport(
			t.db,
			pilot,
			TERRITORY.id,
			file.records,
			file.rows,
			'replace'
		);
		expect(preview.problems).toEqual([
			expect.objectContaining({ row: 3, field: 'kind' }),
			expect.objectContaining({ row: 4, field: 'phone' })
		]);
		expect(preview).toMatchObject({ added: [], changed: [], removed: [], unchanged: 0 });
		expect(await written()).toEqual(before);
	});

	it('warns of a structure that covers none of the territory', async () => {
		const far = structureRecord({ id: 'apercu:aix', name: 'CCAS d’Aix', coverage: ['13001'] });
		const preview = await previewStructureImport(t.db, pilot, TERRITORY.id, [far], undefined);
		expect(preview.problems).toEqual([]);
		expect(preview.added.map((s) => s.id)).toEqual(['apercu:aix']);
		expect(preview.warnings).toEqual([
			{ row: 1, field: 'coverage', message: 'CCAS d’Aix ne couvre aucune commune du territoire' }
		]);
	});

	it('is refused to an agent or a partner, and outside the pilot’s territories', async () => {
		const file = [structureRecord()];
		for (const role of ['agent', 'partner'] as const) {
			const refused = await rejection(
				previewStructureImport(
					t.db,
					testCaller(role, [TERRITORY.id]),
					TERRITORY.id,
					file,
					undefined
				)
			);
			expect(refused.kind, role).toBe('forbidden');
		}
		const elsewhere = await rejection(
			previewStructureImport(t.db, testCaller('pilot', ['ailleurs']), TERRITORY.id, file, undefined)
		);
		expect(elsewhere.kind).toBe('not_found');
		const unknown = await rejection(
			previewStructureImport(t.db, testCaller('pilot', null), 'inconnu', file, undefined)
		);
		expect(unknown.kind).toBe('not_found');
	});
});
