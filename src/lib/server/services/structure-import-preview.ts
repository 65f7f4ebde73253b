import { eq } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { structures, territoryCommunes } from '$lib/server/db/schema';
import type { Caller } from '$lib/server/auth/principal';
import { getPlaceCatalog } from './places';
import { requireTerritory } from './scope';
import {
	ImportError,
	REPLACED_ON_REIMPORT,
	toRow,
	validateStructureImport,
	type ImportIssue,
	type ImportMode,
	type StructureRow
} from './structure-import';

/**
 * « Importer un fichier » (issue 15): what an import would do to a territory, before it is done.
 * The records go through the import's own validation (validateStructureImport), so the problems
 * listed are those the import would refuse with; a valid file is compared with the territory's
 * structures on the columns a re-import replaces. Nothing is written, and nothing is audited: a
 * look is not a change (the import itself is audited, refused or done).
 */

export interface PreviewStructure {
	id: string;
	name: string;
	/** Where the file names it (CSV line, JSON position). */
	row: number;
}

export interface StructureImportPreview {
	territory: string;
	mode: ImportMode;
	/** Records in the file. */
	total: number;
	/** Every problem, with its row and field; when there is any, the diff is empty. */
	problems: ImportIssue[];
	added: PreviewStructure[];
	/** With the import format's fields whose value changes (`phone`, `level_max`…). */
	changed: (PreviewStructure & { fields: string[] })[];
	/** `replace` only: the territory's structures the file no longer lists. */
	removed: { id: string; name: string }[];
	unchanged: number;
	/** What the import takes but a pilot may not mean (coverage outside the territory). */
	warnings: ImportIssue[];
}

/** The preview of a file refused before any comparison: its problems, nothing else. */
export function refusedPreview(
	territory: string,
	mode: ImportMode,
	total: number,
	problems: ImportIssue[]
): StructureImportPreview {
	return {
		territory,
		mode,
		total,
		problems,
		added: [],
		changed: [],
		removed: [],
		unchanged: 0,
		warnings: []
	};
}

/** The import format's name of a column (`levelMax` → `level_max`). */
const fieldOf = (column: string) => column.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** JSON with object keys sorted: jsonb gives a polygon's keys back in its own order. */
function canonical(value: unknown): string {
	return JSON.stringify(value ?? null, (_key, v: unknown) =>
		v && typeof v === 'object' && !Array.isArray(v)
			? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
			: v
	);
}

const COMPARED = REPLACED_ON_REIMPORT.filter((c) => c !== 'territoryId');

function changedFields(before: StructureRow, after: StructureRow): string[] {
	return COMPARED.filter((c) => canonical(before[c]) !== canonical(after[c])).map(fieldOf);
}

/**
 * The preview of importing `records` into a territory, as importStructures would (same mode,
 * same rows): refused like the import for a caller below pilot (`forbidden`) or outside the
 * territory (`not_found`); a file the import would refuse comes back with its problems.
 */
export async function previewStructureImport(
	db: Db,
	caller: Caller,
	territoryId: string,
	records: readonly unknown[],
	rows: readonly number[] | undefined,
	mode: ImportMode = 'upsert'
): Promise<StructureImportPreview> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	let validated;
	try {
		validated = await validateStructureImport(db, territoryId, records, rows);
	} catch (error) {
		if (!(error instanceof ImportError)) throw error;
		return refusedPreview(territoryId, mode, records.length, error.issues);
	}
	const preview = refusedPreview(territoryId, mode, records.length, []);
	const stored = await db.select().from(structures).where(eq(structures.territoryId, territoryId));
	const storedById = new Map(stored.map((s) => [s.id, s]));
	for (const { row, data } of validated.valid) {
		const before = storedById.get(data.id);
		const entry = { id: data.id, name: data.name, row };
		if (!before) preview.added.push(entry);
		else {
			const fields = changedFields(before, toRow(territoryId, data));
			if (fields.length > 0) preview.changed.push({ ...entry, fields });
			else preview.unchanged++;
		}
	}
	if (mode === 'replace') {
		const listed = new Set(validated.ids);
		preview.removed = stored
			.filter((s) => !listed.has(s.id))
			.map((s) => ({ id: s.id, name: s.name }))
			.sort((a, b) => a.name.localeCompare(b.name, 'fr'));
	}

	// A structure is found wherever its coverage lies, whichever territory imported it: one that
	// covers none of this territory's places is legal, and most likely a wrong code.
	const catalog = await getPlaceCatalog(db);
	const own = await db
		.select({ code: territoryCommunes.communeCode })
		.from(territoryCommunes)
		.where(eq(territoryCommunes.territoryId, territoryId));
	const territoryPlaces = new Set(catalog.expand(own.map((p) => p.code)).places);
	for (const { row, data } of validated.valid) {
		const places = validated.placesById.get(data.id) ?? [];
		if (places.length > 0 && !places.some((p) => territoryPlaces.has(p))) {
			preview.warnings.push({
				row,
				field: data.coverage_geojson && !data.coverage?.length ? 'coverage_geojson' : 'coverage',
				message: `${data.name} ne couvre aucune commune du territoire`
			});
		}
	}
	return preview;
}
