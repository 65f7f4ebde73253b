import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog, freshnessCampaigns, freshnessRequests, structures } from '$lib/server/db/schema';
import { structureForEdit, updateStructure } from '$lib/server/services/structure-edit';
import { verifyStructure } from '$lib/server/services/structure-remit';
import { getStructure } from '$lib/server/services/structures';
import { putTerritory } from '$lib/server/services/territories';
import { FORM_FIELDS, structureFormToInput } from '$lib/schemas/structure-form';
import type { StructureImport } from '$lib/schemas/structure';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { serviceRejection as rejection, testCaller } from '../factories/callers';
import { DEMO_TERRITORY_ID, squareAround } from '../factories/structures';

/**
 * Issue 15: a structure edited in the browser, by a pilot of its territory or one of its members,
 * through the import's own validation — audited, dated, « vérifiée le » set, nothing written on a
 * refusal. The form is read by the page's own reader (structureFormToInput).
 */

const CCAS = 'demo:ccas-antenne-4-5';
const OTHER = 'demo:pole-infos-seniors-4-12';

/** The edit form as a browser sends it, from the record it showed and the person's changes. */
function formOf(record: StructureImport, changes: Record<string, string | string[]> = {}) {
	const form = new FormData();
	for (const field of FORM_FIELDS) {
		const value = field in changes ? changes[field] : record[field];
		if (value === undefined || value === null) continue;
		if (field === 'problems') for (const p of value as string[]) form.append('problems', p);
		else if (field === 'coverage') form.set('coverage', (value as string[]).join('\n'));
		else if (field === 'coverage_geojson')
			form.set(field, typeof value === 'string' ? value : JSON.stringify(value));
		else form.set(field, String(value));
	}
	return structureFormToInput(form);
}

const todayInParis = () =>
	new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());

describe.each(DATABASES)('editing a structure on %s', (kind) => {
	const t = useTestDatabase(kind, { demo: true });
	const pilot = testCaller('pilot', [DEMO_TERRITORY_ID]);

	beforeAll(async () => {
		await putTerritory(t.db, 'pays-aubagne', { name: 'Pays d’Aubagne', communes: ['13005'] });
	});

	it('lets a pilot change the phone and the coverage: saved, audited with the fields, dated today', async () => {
		const edit = await structureForEdit(t.db, pilot, CCAS);
		expect(edit.as).toBe('pilot');
		expect(edit.coverageLabels.map((c) => c.code)).toEqual(edit.record.coverage);
		expect(edit.departments.map((d) => d.code)).toContain('dep:13');
		const result = await updateStructure(
			t.db,
			pilot,
			CCAS,
			formOf(edit.record, { phone: '04 91 00 00 42', coverage: ['13204', '13205', '13211'] }),
			edit.version
		);
		expect(result.changed.sort()).toEqual(['coverage', 'phone']);
		const after = await getStructure(t.db, CCAS);
		expect(after?.phone).toBe('+33491000042');
		expect(after?.coverage.map((c) => c.code)).toEqual(['13204', '13205', '13211']);
		expect(String(after?.updatedAt).slice(0, 10)).toBe(todayInParis());
		expect(after?.confirmedBy).toBe('pilot@test.example.fr');
		const [entry] = await t.db
			.select()
			.from(auditLog)
			.where(and(eq(auditLog.action, 'structure.update'), eq(auditLog.targetId, CCAS)));
		expect(entry?.outcome).toBe('success');
		expect(entry?.details).toMatchObject({ as: 'pilot', fields: 'coverage,phone' });
		// The form reloaded shows what was saved, under a new version.
		const again = await structureForEdit(t.db, pilot, CCAS);
		expect(again.version).not.toBe(edit.version);
		expect(again.record.phone).toBe('+33491000042');
	});

	it('lets a member edit its own structure, and no one else outside its territory’s pilots', async () => {
		const member = testCaller('partner', [DEMO_TERRITORY_ID], [CCAS]);
		const edit = await structureForEdit(t.db, member, CCAS);
		expect(edit.as).toBe('member');
		await updateStructure(t.db, member, CCAS, formOf(edit.record, { age_min: '55' }));
		expect((await getStructure(t.db, CCAS))?.ageMin).toBe(55);
		for (const outsider of [
			testCaller('partner', [DEMO_TERRITORY_ID], [OTHER]),
			testCaller('agent', [DEMO_TERRITORY_ID]),
			testCaller('pilot', ['pays-aubagne'])
		]) {
			expect((await rejection(structureForEdit(t.db, outsider, CCAS))).kind).toBe('not_found');
			expect(
				(await rejection(updateStructure(t.db, outsider, CCAS, formOf(edit.record)))).kind
			).toBe('not_found');
		}
	});

	it('refuses a bad phone or a self-crossing polygon naming the field, writing nothing', async () => {
		const edit = await structureForEdit(t.db, pilot, CCAS);
		const before = await getStructure(t.db, CCAS);
		const phone = await rejection(
			updateStructure(t.db, pilot, CCAS, formOf(edit.record, { phone: '01 23', name: 'Autre nom' }))
		);
		expect(phone.kind).toBe('invalid');
		expect(phone.issues.map((i) => i.path)).toEqual(['phone']);
		const bowtie = JSON.stringify({
			type: 'Polygon',
			coordinates: [
				[
					[5.39, 43.3],
					[5.41, 43.31],
					[5.41, 43.3],
					[5.39, 43.31],
					[5.39, 43.3]
				]
			]
		});
		const crossing = await rejection(
			updateStructure(t.db, pilot, CCAS, formOf(edit.record, { coverage_geojson: bowtie }))
		);
		expect(crossing.issues.map((i) => i.path)).toEqual(['coverage_geojson']);
		expect(crossing.issues[0]?.message).toMatch(/se recoupe/);
		expect(await getStructure(t.db, CCAS)).toEqual(before);
	});

	it('saves a drawn polygon as the coverage area', async () => {
		const edit = await structureForEdit(t.db, pilot, OTHER);
		const square = squareAround(5.4023, 43.3029, 0.01);
		await updateStructure(
			t.db,
			pilot,
			OTHER,
			formOf(edit.record, { coverage_geojson: JSON.stringify(square) }),
			edit.version
		);
		const [row] = await t.db
			.select({ area: structures.coverageGeojson })
			.from(structures)
			.where(eq(structures.id, OTHER));
		expect(row?.area).toEqual(square);
	});

	it('refuses a form loaded before someone else’s change', async () => {
		const stale = await structureForEdit(t.db, pilot, CCAS);
		await updateStructure(t.db, pilot, CCAS, formOf(stale.record, { age_max: '99' }));
		const conflict = await rejection(
			updateStructure(t.db, pilot, CCAS, formOf(stale.record, { age_max: '80' }), stale.version)
		);
		expect(conflict.kind).toBe('conflict');
		expect((await getStructure(t.db, CCAS))?.ageMax).toBe(99);
	});

	it('clears « à confirmer » and answers an open freshness request', async () => {
		await t.db.update(structures).set({ toConfirm: true }).where(eq(structures.id, CCAS));
		await t.db.insert(freshnessCampaigns).values({
			id: `campagne-${kind}`,
			territoryId: DEMO_TERRITORY_ID,
			months: 12,
			createdBy: 'pilot@test.example.fr'
		});
		await t.db.insert(freshnessRequests).values([
			{ campaignId: `campagne-${kind}`, structureId: CCAS, recipients: 1 },
			{ campaignId: `campagne-${kind}`, structureId: OTHER, recipients: 0 }
		]);
		const member = testCaller('partner', [DEMO_TERRITORY_ID], [CCAS]);
		const edit = await structureForEdit(t.db, member, CCAS);
		await updateStructure(t.db, member, CCAS, formOf(edit.record));
		expect((await getStructure(t.db, CCAS))?.toConfirm).toBe(false);
		await verifyStructure(t.db, pilot, OTHER);
		const answers = await t.db
			.select({
				id: freshnessRequests.structureId,
				answer: freshnessRequests.answer,
				by: freshnessRequests.answeredBy
			})
			.from(freshnessRequests)
			.where(eq(freshnessRequests.campaignId, `campagne-${kind}`));
		expect(answers.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
			{ id: CCAS, answer: 'edit', by: 'partner@test.example.fr' },
			{ id: OTHER, answer: 'confirm', by: 'pilot@test.example.fr' }
		]);
	});
});
