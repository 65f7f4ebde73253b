import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { inArray, sql } from 'drizzle-orm';
import { queryRows, type Db } from '$lib/server/db/client';
import { structures } from '$lib/server/db/schema';
import {
	FINESS_COLUMNS,
	cleanFinessName,
	finessCategory,
	finessRowOf,
	proposedCoverage,
	resolveFinessCommune,
	type CommuneMethod,
	type FinessCategory,
	type FinessRow
} from '$lib/domain/finess';
import { kindLabel, type KindCode } from '$lib/domain/taxonomy';
import { StructureImportSchema, type StructureInput } from '$lib/schemas/structure';
import { COVERAGE_CODE, type PlaceCatalog, type PlaceRecord } from '$lib/geo/places';
import type { Caller } from '$lib/server/auth/principal';
import { audit } from './audit';
import { ServiceError } from './errors';
import { seedDir } from './geography';
import { getPlaceCatalog, getPlaceIndex } from './places';
import { requireTerritory } from './scope';
import { ImportError, importStructureRecords } from './structure-import';
import { decodeCsv, detectDelimiter } from './structure-files';
import { ensureDepartmentBoundaries } from './department-boundaries';
import { isFinessKeyValid } from '$lib/domain/identifiers';
import { getTerritory } from './territories';

/**
 * The FINESS bootstrap of a territory (contract §8): the establishments of the register that
 * stand in the territory's places (or the part of it a pilot chooses) become its structures,
 * `finess:<number>`, with a remit proposed by category and flagged `to_confirm`. A re-run only
 * refreshes the register's fields (name, address, commune, position, phone). An establishment
 * another territory already holds is left with it — shown as linked, never copied nor taken:
 * through its coverage it already serves the places it covers, whichever territory holds it.
 */

/** The extract shipped with the instance (2021-01-08, Licence Ouverte), used when no file is given. */
export const SHIPPED_FINESS = 'finess-france-20210108.csv.gz';

export interface FinessExtract {
	rows: FinessRow[];
	/** The extract's date: from the file's name (…-YYYYMMDD…), else the newest record change. */
	date: string | null;
	file: string;
}

const extracts = new Map<string, { mtime: number; extract: FinessExtract }>();

/**
 * Reads a FINESS extract in the columns of the shipped file (gzipped or not, `,` or `;`). Parsed
 * once per file and kept while the file is unchanged: the national file is 47 895 rows, and a
 * pilot's page previews it several times.
 */
export function readFinessExtract(file?: string): FinessExtract {
	const resolved = path.resolve(file ?? path.join(seedDir(), SHIPPED_FINESS));
	let stat: fs.Stats;
	try {
		stat = fs.statSync(resolved);
	} catch {
		throw new ServiceError('invalid', `Fichier FINESS introuvable : ${file ?? resolved}`, [
			{ path: 'file', message: 'fichier introuvable' }
		]);
	}
	const cached = extracts.get(resolved);
	if (cached && cached.mtime === stat.mtimeMs) return cached.extract;
	const bytes = fs.readFileSync(resolved);
	const text = decodeCsv(bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes);
	const header = text.split(/\r?\n/, 1)[0] ?? '';
	const delimiter = detectDelimiter(text);
	const columns = header.split(delimiter).map((c) => c.trim().replace(/^"|"$/g, ''));
	const missing = FINESS_COLUMNS.filter((c) => !columns.includes(c));
	if (missing.length > 0) {
		throw new ServiceError(
			'invalid',
			`Fichier FINESS : colonne(s) manquante(s) ${missing.join(', ')} (attendues : celles de l’extrait livré, finess_et, raison_sociale, categetab, code_postal, latitude, longitude…)`,
			missing.map((c) => ({ path: c, message: 'colonne manquante' }))
		);
	}
	let records: Record<string, string>[];
	try {
		records = parse(text, {
			columns: true,
			delimiter,
			skip_empty_lines: true,
			relax_column_count: true,
			bom: true
		}) as Record<string, string>[];
	} catch (error) {
		throw new ServiceError('invalid', `Fichier FINESS illisible : ${(error as Error).message}`, [
			{ path: 'file', message: 'CSV illisible' }
		]);
	}
	// A number whose key does not check is no establishment of the register (a typing slip).
	const rows = records.map(finessRowOf).filter((r) => isFinessKeyValid(r.finess));
	const named = /(\d{4})(\d{2})(\d{2})/.exec(path.basename(resolved));
	const date = named
		? `${named[1]}-${named[2]}-${named[3]}`
		: rows.reduce<string | null>(
				(max, r) => (r.updated && (!max || r.updated > max) ? r.updated : max),
				null
			);
	const extract = { rows, date, file: resolved };
	extracts.set(resolved, { mtime: stat.mtimeMs, extract });
	return extract;
}

/**
 * `new`: not in the instance; `update`: brought by FINESS into this territory earlier, its
 * register fields refreshed; `kept`: already in this territory from a person's own data (same
 * id), left as they entered it; `linked`: held by another territory, left with it.
 */
export type FinessStatus = 'new' | 'update' | 'kept' | 'linked';

export interface FinessCandidate {
	id: string;
	finess: string;
	name: string;
	category: string;
	categoryLabel: string;
	group: FinessCategory['group'];
	kind: KindCode;
	kindLabel: string;
	commune: string;
	communeName: string;
	method: CommuneMethod;
	address: string;
	phone: string;
	lon: number | null;
	lat: number | null;
	status: FinessStatus;
	/** For a linked establishment: the territory that holds it. */
	owner: string | null;
}

export interface FinessPreview {
	territory: string;
	/** The perimeter, as coverage codes (the territory's own places when none was chosen). */
	perimeter: string[];
	places: number;
	extractDate: string | null;
	candidates: FinessCandidate[];
	/** Establishments of the retained categories in the perimeter's départements whose commune could not be found. */
	unresolved: { finess: string; name: string; postalCode: string; town: string }[];
	/** Rows standing in the perimeter whose category is not one coordination deals with. */
	otherCategories: number;
}

export interface FinessImportOptions {
	/** A FINESS extract in the shipped file's columns; the shipped extract when absent. */
	file?: string;
	/** The perimeter (INSEE codes, `dep:XX`, `epci:SIREN`), within the territory; default all of it. */
	communes?: readonly string[];
}

/** The perimeter's places, checked: known codes, all inside the territory. */
async function perimeterOf(db: Db, territoryId: string, codes: readonly string[] | undefined) {
	const territory = await getTerritory(db, territoryId);
	const own = new Set((territory?.places ?? []).map((p) => p.code));
	const catalog = await getPlaceCatalog(db);
	const ownLeaves = new Set(catalog.expand([...own]).places);
	if (ownLeaves.size === 0) {
		throw new ServiceError(
			'invalid',
			'Le territoire n’a encore aucune commune : indiquez d’abord ses communes (page du territoire ou territory put --communes).',
			[{ path: 'communes', message: 'territoire sans commune' }]
		);
	}
	if (!codes || codes.length === 0) {
		return { perimeter: compactCodes(catalog, [...own], ownLeaves), places: ownLeaves, catalog };
	}
	const issues: { path: string; message: string }[] = [];
	for (const code of codes) {
		if (!COVERAGE_CODE.test(code)) {
			issues.push({
				path: 'communes',
				message: `« ${code} » : code INSEE, « dep:XX » ou « epci:SIREN » attendu`
			});
		}
	}
	const expanded = catalog.expand(codes.filter((c) => COVERAGE_CODE.test(c)));
	for (const problem of expanded.problems)
		issues.push({ path: 'communes', message: problem.message });
	const outside = expanded.places.filter((p) => !ownLeaves.has(p));
	if (outside.length > 0) {
		issues.push({
			path: 'communes',
			message: `hors du territoire : ${outside
				.slice(0, 5)
				.map((c) => catalog.describe(c))
				.join(', ')}${outside.length > 5 ? ` et ${outside.length - 5} autre(s)` : ''}`
		});
	}
	if (issues.length > 0) {
		throw new ServiceError(
			'invalid',
			`Périmètre refusé : ${issues.map((i) => i.message).join(' ; ')}`,
			issues
		);
	}
	return { perimeter: [...codes], places: new Set(expanded.places), catalog };
}

/**
 * The territory's places as few coverage codes: a département all of whose places are in the
 * territory becomes `dep:XX` (the proposed coverage of its establishments stays readable, and
 * light to expand), the others stay as listed.
 */
function compactCodes(catalog: PlaceCatalog, codes: string[], leaves: ReadonlySet<string>) {
	const departments = new Set<string>();
	for (const leaf of leaves) {
		const dep = catalog.get(leaf)?.department;
		if (dep) departments.add(dep);
	}
	const whole = [...departments].filter((dep) =>
		catalog.expand([`dep:${dep}`]).places.every((p) => leaves.has(p))
	);
	const rest = codes.filter((code) => !whole.includes(catalog.get(code)?.department ?? ''));
	return [...whole.map((dep) => `dep:${dep}`), ...rest.sort()];
}

/** Establishments of the extract in the perimeter, with their commune and their status here. */
async function candidatesFor(
	db: Db,
	territoryId: string,
	options: FinessImportOptions
): Promise<FinessPreview & { extract: FinessExtract }> {
	const { perimeter, places, catalog } = await perimeterOf(db, territoryId, options.communes);
	const extract = readFinessExtract(options.file);
	const departments = new Set<string>();
	for (const code of places) {
		const dep = catalog.get(code)?.department;
		if (dep) departments.add(dep);
	}
	// The postal code's first digits name the département for all but a few border communes; a
	// row is also looked at when its point lies near the perimeter (its bounding box).
	const postalPrefixes = [
		...new Set([...departments].map((d) => (d === '2A' || d === '2B' ? '20' : d)))
	];
	// The points are read against the boundaries: those of a département not loaded yet (the
	// background load still running, or turned off) are loaded now.
	await ensureDepartmentBoundaries(db, departments, { announce: false });
	const index = await getPlaceIndex(db);
	const postal = await postalCodeIndex(db, departments);
	const lookup = {
		placeAt: (lon: number, lat: number) => index.locate(lon, lat),
		communesOfPostalCode: (code: string) => postal.get(code) ?? []
	};
	const candidates: FinessCandidate[] = [];
	const unresolved: FinessPreview['unresolved'] = [];
	let otherCategories = 0;
	for (const row of extract.rows) {
		if (!postalPrefixes.some((p) => row.postalCode.startsWith(p))) {
			const at = row.lon !== null && row.lat !== null ? lookup.placeAt(row.lon, row.lat) : null;
			if (!at || !places.has(at)) continue;
		}
		const category = finessCategory(row.category);
		const resolved = resolveFinessCommune(row, lookup);
		if (!resolved) {
			if (category) {
				unresolved.push({
					finess: row.finess,
					name: cleanFinessName(row.name),
					postalCode: row.postalCode,
					town: row.town
				});
			}
			continue;
		}
		const commune = catalog.current(resolved.code) ?? resolved.code;
		if (!places.has(commune)) continue;
		if (!category) {
			otherCategories++;
			continue;
		}
		candidates.push({
			id: `finess:${row.finess}`,
			finess: row.finess,
			name: cleanFinessName(row.name),
			category: category.code,
			categoryLabel: category.label,
			group: category.group,
			kind: category.remit.kind,
			kindLabel: kindLabel(category.remit.kind),
			commune,
			communeName: catalog.get(commune)?.name ?? commune,
			method: resolved.method,
			address: row.address,
			phone: row.phone,
			lon: row.lon,
			lat: row.lat,
			status: 'new',
			owner: null
		});
	}
	const ids = candidates.map((c) => c.id);
	const owners = new Map<string, { territoryId: string; source: string | null }>();
	for (let i = 0; i < ids.length; i += 1000) {
		const found = await db
			.select({ id: structures.id, territoryId: structures.territoryId, source: structures.source })
			.from(structures)
			.where(inArray(structures.id, ids.slice(i, i + 1000)));
		for (const f of found) owners.set(f.id, f);
	}
	for (const c of candidates) {
		const owner = owners.get(c.id);
		if (owner === undefined) continue;
		if (owner.territoryId !== territoryId) {
			c.status = 'linked';
			c.owner = owner.territoryId;
		} else c.status = owner.source === 'finess' ? 'update' : 'kept';
	}
	candidates.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name, 'fr'));
	return {
		territory: territoryId,
		perimeter,
		places: places.size,
		extractDate: extract.date,
		candidates,
		unresolved,
		otherCategories,
		extract
	};
}

/** The communes each postal code of these départements serves (from the reference list). */
async function postalCodeIndex(db: Db, departments: ReadonlySet<string>) {
	const map = new Map<string, { code: string; name: string }[]>();
	if (departments.size === 0) return map;
	const rows = await queryRows<{ code: string; name: string; postal_codes: string[] }>(
		db,
		sql`select code, name, postal_codes from communes
			where department in ${[...departments]} and code not in (
				select distinct parent_code from communes where parent_code is not null)`
	);
	for (const row of rows) {
		for (const pc of row.postal_codes ?? []) {
			const list = map.get(pc) ?? [];
			list.push({ code: row.code, name: row.name });
			map.set(pc, list);
		}
	}
	return map;
}

/** What an import from FINESS would do, for the page and `import finess --dry-run`: nothing is written. */
export async function previewFinessImport(
	db: Db,
	caller: Caller,
	territoryId: string,
	options: FinessImportOptions = {}
): Promise<FinessPreview> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const { extract: _extract, ...preview } = await candidatesFor(db, territoryId, options);
	return preview;
}

export interface FinessImportResult {
	territory: string;
	extractDate: string | null;
	/** New structures, their remit proposed and to confirm. */
	created: number;
	/** Structures of this territory whose register fields were refreshed. */
	updated: number;
	/** Already in this territory from a person's own data: left as entered. */
	kept: number;
	/** Held by another territory: left as they are. */
	linked: { id: string; owner: string }[];
	/** Unticked by the pilot. */
	excluded: number;
	/** Register values dropped because they do not pass the import's validation (a malformed phone). */
	warnings: { id: string; field: string; message: string }[];
}

/** The import record a new establishment becomes: register fields, proposed remit, to confirm. */
function recordOf(
	c: FinessCandidate,
	perimeter: readonly string[],
	place: PlaceRecord
): StructureInput {
	const category = finessCategory(c.category) as FinessCategory;
	const remit = category.remit;
	const record: Record<string, unknown> = {
		id: c.id,
		name: c.name,
		kind: remit.kind,
		finess: c.finess,
		address: c.address || undefined,
		commune: c.commune,
		lon: c.lon ?? undefined,
		lat: c.lat ?? undefined,
		// A proposal as well, by category (see reachOf): to confirm with the remit.
		coverage: proposedCoverage(category, place, perimeter),
		problems: remit.problems,
		level_min: remit.levelMin,
		level_max: remit.levelMax,
		mode: remit.mode,
		age_min: remit.ageMin,
		age_max: remit.ageMax,
		apa: remit.apa,
		handicap: remit.handicap,
		phone: c.phone || undefined,
		to_confirm: true
	};
	return Object.fromEntries(
		Object.entries(record).filter(([, v]) => v !== undefined)
	) as StructureInput;
}

/** Fields of the register that may be dropped, with a warning, when they do not validate. */
const OPTIONAL_REGISTER_FIELDS = new Set(['phone', 'address', 'lon', 'lat']);

/**
 * Imports the establishments of the perimeter into the territory, all or nothing, in one
 * transaction with its audit entry: new ones as structures to confirm, this territory's own
 * refreshed in their register fields only, others' left alone (linked), unticked ones skipped.
 */
export async function importFromFiness(
	db: Db,
	caller: Caller,
	territoryId: string,
	options: FinessImportOptions & {
		exclude?: readonly string[];
		/** The ids a page showed: what appeared in the register since is left for the next run. */
		only?: readonly string[];
	} = {}
): Promise<FinessImportResult> {
	await requireTerritory(db, caller, territoryId, 'pilot');
	const preview = await candidatesFor(db, territoryId, options);
	const excluded = new Set(options.exclude ?? []);
	const only = options.only ? new Set(options.only) : null;
	const chosen = preview.candidates.filter(
		(c) => !excluded.has(c.id) && !excluded.has(c.finess) && (!only || only.has(c.id))
	);
	const catalog = await getPlaceCatalog(db);
	const warnings: FinessImportResult['warnings'] = [];
	const fresh: StructureInput[] = [];
	for (const c of chosen.filter((c) => c.status === 'new')) {
		const place = catalog.get(c.commune) as PlaceRecord;
		const record = recordOf(c, preview.perimeter, place) as Record<string, unknown>;
		const parsed = StructureImportSchema.safeParse(record);
		if (!parsed.success) {
			for (const issue of parsed.error.issues) {
				const field = String(issue.path[0] ?? '');
				if (!OPTIONAL_REGISTER_FIELDS.has(field)) continue;
				warnings.push({ id: c.id, field, message: issue.message });
				delete record[field];
				if (field === 'lon' || field === 'lat') {
					delete record.lon;
					delete record.lat;
				}
			}
		}
		fresh.push(record as StructureInput);
	}
	const updates = chosen.filter((c) => c.status === 'update');
	const linked = chosen
		.filter((c) => c.status === 'linked')
		.map((c) => ({ id: c.id, owner: c.owner as string }));
	const result: FinessImportResult = {
		territory: territoryId,
		extractDate: preview.extractDate,
		created: fresh.length,
		updated: updates.length,
		kept: chosen.filter((c) => c.status === 'kept').length,
		linked,
		excluded: preview.candidates.length - chosen.length,
		warnings
	};
	const finish = async (tx: Db) => {
		const ids = fresh.map((r) => r.id as string);
		for (let i = 0; i < ids.length; i += 1000) {
			await tx
				.update(structures)
				.set({
					source: 'finess',
					sourceSyncedAt: sql`now()`,
					sourceDate: preview.extractDate,
					toConfirm: true
				})
				.where(inArray(structures.id, ids.slice(i, i + 1000)));
		}
		for (const c of updates) {
			// The register's phone, as the import would store it; a malformed one keeps the old.
			const phone = StructureImportSchema.shape.phone.safeParse(c.phone || undefined);
			await tx.execute(sql`update structures set
				name = ${c.name}, finess = ${c.finess}, address = ${c.address || null},
				commune = ${c.commune}, lon = ${c.lon}, lat = ${c.lat},
				phone = coalesce(${phone.success ? (phone.data ?? null) : null}, phone),
				source = 'finess', source_synced_at = now(), source_date = ${preview.extractDate}
				where id = ${c.id}`);
		}
		await audit(tx, {
			actor: caller.principal,
			action: 'import.finess',
			outcome: 'success',
			target: { type: 'territory', id: territoryId },
			territoryId,
			ip: caller.ip,
			details: {
				extract: preview.extractDate,
				perimeter: preview.perimeter.slice(0, 50).join(' '),
				created: result.created,
				updated: result.updated,
				linked: linked.length,
				excluded: result.excluded
			}
		});
	};
	if (fresh.length > 0) {
		try {
			await importStructureRecords(db, territoryId, fresh, finish);
		} catch (error) {
			if (!(error instanceof ImportError)) throw error;
			// The rows are positions in the list built here: name the establishment instead.
			const issues = error.issues.map((i) => ({
				path: `${String(fresh[i.row - 1]?.id ?? 'fichier')}.${i.field}`,
				message: i.message
			}));
			throw new ServiceError(
				'invalid',
				`Import FINESS refusé, rien n’a été écrit : ${issues
					.slice(0, 10)
					.map((i) => `${i.path} : ${i.message}`)
					.join(' ; ')}`,
				issues
			);
		}
	} else {
		await db.transaction(async (tx) => finish(tx as unknown as Db));
	}
	return result;
}
