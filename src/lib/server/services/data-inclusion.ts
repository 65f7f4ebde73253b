import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { structureCommunes, structures } from '$lib/server/db/schema';
import type { Caller } from '$lib/server/auth/principal';
import {
	fromDataInclusion,
	toDataInclusion,
	type DataInclusionExport,
	type DiFile,
	type DiLocation,
	type DiNote,
	type DiServiceIn,
	type DiStructureIn,
	type MappedRecord
} from '$lib/domain/data-inclusion';
import { DiServiceInSchema, DiStructureInSchema } from '$lib/schemas/data-inclusion';
import { issuesOf, z } from '$lib/schemas/zod';
import { audit } from './audit';
import { ServiceError } from './errors';
import { getPlaceCatalog } from './places';
import { referenceNames } from './reference';
import { requireTerritory } from './scope';
import {
	ImportError,
	importStructures,
	type ImportMode,
	type ImportResult
} from './structure-import';
import { toImportRecord } from './structures';

/**
 * data·inclusion (contract §8): a territory's structures out as the schema's structures and
 * services, and such files back in through the one import. The mapping is the domain's
 * (src/lib/domain/data-inclusion.ts); this module reads the rows, checks the caller and turns the
 * mapping's notes and the import's issues into messages naming the file, record and field.
 */

export interface DataInclusionExportResult extends DataInclusionExport {
	/** What could not be written as it is (printed by the CLI; the API answers the data alone). */
	warnings: string[];
}

/** Where a note is, in words: « services.json, enregistrement 3 (dora--42), zone_eligibilite ». */
export function locationText(l: DiLocation): string {
	if (l.record === 0) return `${l.file}, ${l.field}`;
	return `${l.file}, enregistrement ${l.record}${l.id ? ` (${l.id})` : ''}, ${l.field}`;
}

export function noteText(note: DiNote): string {
	return `${locationText(note)} : ${note.message}`;
}

/**
 * Whether a structure's remit is proposed and not yet confirmed (contract §8). The `to_confirm`
 * column is being added by another change: read it from the row when it is there, so the export
 * carries the flag from the day it exists.
 */
function toConfirmOf(row: typeof structures.$inferSelect): boolean {
	return row.toConfirm;
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The territory's structures (those imported into it, as `export structures`) as data·inclusion
 * structures and services. Any caller who can read the territory may export it.
 */
export async function exportDataInclusion(
	db: Db,
	caller: Caller,
	territoryId: string,
	today: Date = new Date()
): Promise<DataInclusionExportResult> {
	await requireTerritory(db, caller, territoryId, 'partner');
	const rows = await db
		.select()
		.from(structures)
		.where(eq(structures.territoryId, territoryId))
		.orderBy(asc(structures.id));
	// A polygon coverage is written as the places it takes (the schema knows no polygon).
	const places = new Map<string, string[]>();
	const polygonIds = rows.filter((r) => r.coverageGeojson !== null).map((r) => r.id);
	if (polygonIds.length > 0) {
		const pairs = await db
			.select({ id: structureCommunes.structureId, code: structureCommunes.communeCode })
			.from(structureCommunes)
			.where(inArray(structureCommunes.structureId, polygonIds))
			.orderBy(asc(structureCommunes.communeCode));
		for (const { id, code } of pairs) places.set(id, [...(places.get(id) ?? []), code]);
	}
	const catalog = await getPlaceCatalog(db);
	const day = isoDay(today);
	const out: DataInclusionExportResult = { structures: [], services: [], warnings: [] };
	for (const row of rows) {
		const { structure, service, warnings } = toDataInclusion(
			{
				record: toImportRecord(row),
				places: places.get(row.id) ?? [],
				importedOn: isoDay(row.importedAt),
				toConfirm: toConfirmOf(row),
				communeName: row.commune ? (catalog.get(row.commune)?.name ?? null) : null
			},
			day
		);
		out.structures.push(structure);
		out.services.push(service);
		out.warnings.push(...warnings);
	}
	return out;
}

/** The two files of a data·inclusion import, parsed as JSON (each an array of records). */
export interface DataInclusionFiles {
	structures: unknown;
	services: unknown;
}

export interface DataInclusionImportResult extends ImportResult {
	/** The mapping's gaps and guesses, one line each naming file, record and field. */
	warnings: string[];
}

function refusal(notes: DiNote[]): ServiceError {
	return new ServiceError(
		'invalid',
		`Import data·inclusion refusé : ${notes.length} problème(s), rien n’a été écrit.`,
		notes.map((n) => ({ path: locationText(n), message: n.message }))
	);
}

/** Reads one file's text as JSON, or a refusal naming the file. */
export function parseDataInclusionJson(text: string, file: string): unknown {
	try {
		return JSON.parse(text.replace(/^\uFEFF/, ''));
	} catch (error) {
		throw new ServiceError('invalid', `${file} : JSON illisible (${(error as Error).message})`, [
			{ path: file, message: `JSON illisible : ${(error as Error).message}` }
		]);
	}
}

function readRecords<T>(value: unknown, file: DiFile, schema: z.ZodType<T>, errors: DiNote[]): T[] {
	if (!Array.isArray(value)) {
		errors.push({
			file,
			record: 0,
			field: 'fichier',
			message: 'un tableau JSON d’enregistrements est attendu'
		});
		return [];
	}
	const out: T[] = [];
	value.forEach((item, i) => {
		const parsed = schema.safeParse(item);
		if (parsed.success) out.push(parsed.data);
		else {
			const rawId = (item as { id?: unknown } | null)?.id;
			for (const issue of issuesOf(parsed.error)) {
				errors.push({
					file,
					record: i + 1,
					...(typeof rawId === 'string' ? { id: rawId } : {}),
					field: issue.path || '(enregistrement)',
					message: issue.message
				});
			}
		}
	});
	return out;
}

/** An import issue on a record, located where its field came from. */
function locate(issue: { row: number; field: string; message: string }, mapped: MappedRecord[]) {
	const m = mapped[issue.row - 1];
	if (issue.row === 0 || !m) {
		const message =
			issue.field === 'fichier'
				? 'aucun service importable (voir les avertissements)'
				: issue.message;
		return { file: 'services.json' as const, record: 0, field: issue.field, message };
	}
	const [head = issue.field, ...rest] = issue.field.split('.');
	const origin = m.origins[head] ?? { ...(m.origins.id as DiLocation), field: head };
	const field = rest.length > 0 ? `${origin.field}.${rest.join('.')}` : origin.field;
	return {
		...origin,
		field,
		message: `${issue.message}${head !== origin.field ? ` (${head})` : ''}`
	};
}

/**
 * Imports data·inclusion structures and services into a territory: mapped to the import format
 * (one Bon Tiers structure per service, see fromDataInclusion), then the one all-or-nothing
 * import with the caller, which checks the role and scope and audits. Any problem — unreadable
 * records, a service without its structure, what the import refuses — rejects everything,
 * each problem naming its file, record and field; the mapping's gaps are the warnings.
 */
export async function importDataInclusion(
	db: Db,
	caller: Caller,
	territoryId: string,
	files: DataInclusionFiles,
	mode: ImportMode = 'upsert'
): Promise<DataInclusionImportResult> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const errors: DiNote[] = [];
	const structuresIn = readRecords<DiStructureIn>(
		files.structures,
		'structures.json',
		DiStructureInSchema,
		errors
	);
	const servicesIn = readRecords<DiServiceIn>(
		files.services,
		'services.json',
		DiServiceInSchema,
		errors
	);
	const mapped =
		errors.length === 0
			? fromDataInclusion(structuresIn, servicesIn, {
					national: [...referenceNames().departments.keys()]
				})
			: { records: [], warnings: [], errors: [] };
	errors.push(...mapped.errors);
	if (errors.length > 0) {
		// Refused before the import: audited as the import audits its own refusals.
		await audit(db, {
			actor: caller.principal,
			action: 'import.structures',
			outcome: 'failure',
			target: { type: 'territory', id: territoryId },
			territoryId,
			ip: caller.ip,
			details: { format: 'data-inclusion', mode, problems: errors.length }
		});
		throw refusal(errors);
	}
	try {
		const result = await importStructures(
			db,
			territoryId,
			mapped.records.map((m) => m.record),
			mode,
			undefined,
			{ caller, format: 'data-inclusion' }
		);
		return { ...result, warnings: mapped.warnings.map(noteText) };
	} catch (error) {
		if (error instanceof ImportError)
			throw refusal(error.issues.map((issue) => locate(issue, mapped.records)));
		throw error;
	}
}
