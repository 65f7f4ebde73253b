import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { localDay } from '$lib/domain/local-time';
import type { Db } from '$lib/server/db/client';
import { structures, territories, territoryCommunes } from '$lib/server/db/schema';
import { StructureImportSchema, type StructureImport } from '$lib/schemas/structure';
import { FORM_FIELDS } from '$lib/schemas/structure-form';
import type { Caller } from '$lib/server/auth/principal';
import { audit } from './audit';
import { ServiceError, structureNotFound } from './errors';
import { markFreshnessAnswered } from './freshness-answers';
import { getPlaceCatalog } from './places';
import { ImportError, importStructureRecords } from './structure-import';
import { toImportRecord } from './structures';
import { vouchesFor } from './structure-remit';

/**
 * A structure edited in the browser (issue 15): by a pilot of the territory that holds it, or by
 * one of its members (contract §7) — the two who know what it really takes. The form's record
 * goes through the import's own validation and write (one record, all or nothing), so a field
 * the import refuses is refused here with the same words; the change is audited with the fields
 * it touched, and dated: saving is a person vouching for the data (« vérifiée le » today, the
 * « à confirmer » flag cleared, an open freshness campaign answered).
 */

export interface CoverageChoice {
	code: string;
	label: string;
}

export interface EditableStructure {
	record: StructureImport;
	territoryId: string;
	territoryName: string;
	as: 'pilot' | 'member';
	/** Labels of the coverage codes as stored. */
	coverageLabels: CoverageChoice[];
	/** The départements and EPCIs of the territory's places and of the current coverage. */
	departments: CoverageChoice[];
	epcis: CoverageChoice[];
	/**
	 * A digest of the record as loaded: saved with the form, so that a change made meanwhile by
	 * someone else is not silently overwritten.
	 */
	version: string;
}

const versionOf = (record: StructureImport) =>
	createHash('sha256').update(JSON.stringify(record)).digest('base64url').slice(0, 16);

async function loadFor(db: Db, caller: Caller, structureId: string) {
	const [row] = await db
		.select({ structure: structures, territoryName: territories.name })
		.from(structures)
		.innerJoin(territories, eq(territories.id, structures.territoryId))
		.where(eq(structures.id, structureId));
	const as = row ? vouchesFor(caller, row.structure) : null;
	if (!row || !as) throw structureNotFound(structureId);
	return { row: row.structure, territoryName: row.territoryName, as };
}

/** The structure as its edit form shows it; not found for anyone who may not edit it. */
export async function structureForEdit(
	db: Db,
	caller: Caller,
	structureId: string
): Promise<EditableStructure> {
	const { row, territoryName, as } = await loadFor(db, caller, structureId);
	const record = toImportRecord(row);
	const catalog = await getPlaceCatalog(db);
	const territoryPlaces = await db
		.select({ code: territoryCommunes.communeCode })
		.from(territoryCommunes)
		.where(eq(territoryCommunes.territoryId, row.territoryId));
	const groups = catalog.groupsOf([...territoryPlaces.map((p) => p.code), ...row.coverage]);
	const choice = (code: string) => ({ code, label: catalog.describe(code) });
	return {
		record,
		territoryId: row.territoryId,
		territoryName,
		as,
		coverageLabels: row.coverage.map(choice),
		departments: groups.departments.map(choice),
		epcis: groups.epcis.map(choice).sort((a, b) => a.label.localeCompare(b.label, 'fr')),
		version: versionOf(record)
	};
}

/** The import format's fields whose value differs between two records. */
function changedFields(before: StructureImport, after: StructureImport): string[] {
	const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
	return FORM_FIELDS.filter((f) => !same(before[f], after[f]));
}

/**
 * Saves the form. `input` is the form read as one import record (structureFormToInput); the id
 * is the structure's own. Refused with the import's issues (`invalid`, each naming its field),
 * `conflict` when the structure changed since the form was loaded, `not_found` for a caller who
 * may not edit it.
 */
export async function updateStructure(
	db: Db,
	caller: Caller,
	structureId: string,
	input: Record<string, unknown>,
	version?: string
): Promise<{ changed: string[] }> {
	const { row, as } = await loadFor(db, caller, structureId);
	const before = toImportRecord(row);
	if (version !== undefined && version !== versionOf(before)) {
		throw new ServiceError(
			'conflict',
			'La fiche a été modifiée par quelqu’un d’autre depuis que vous l’avez ouverte : rechargez-la, puis refaites vos changements.'
		);
	}
	const today = localDay(new Date());
	const record = { ...input, id: row.id, updated_at: today };
	let changed: string[] = [];
	try {
		await importStructureRecords(db, row.territoryId, [record], async (tx) => {
			changed = changedFields(before, StructureImportSchema.parse(record));
			await tx
				.update(structures)
				.set({ confirmedAt: sql`now()`, confirmedBy: caller.principal.label })
				.where(eq(structures.id, row.id));
			await audit(tx, {
				actor: caller.principal,
				action: 'structure.update',
				outcome: 'success',
				target: { type: 'structure', id: row.id },
				territoryId: row.territoryId,
				ip: caller.ip,
				details: { as, fields: changed.join(','), confirmed: row.toConfirm }
			});
			await markFreshnessAnswered(tx, caller, row.id, 'edit');
		});
	} catch (error) {
		if (error instanceof ImportError) {
			throw new ServiceError(
				'invalid',
				'La fiche n’est pas enregistrée : corrigez les champs signalés.',
				error.issues.map((i) => ({ path: i.field, message: i.message }))
			);
		}
		throw error;
	}
	return { changed };
}
