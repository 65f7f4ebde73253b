import { createHash, randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { hasRole } from '$lib/domain/roles';
import { queryRows, type Db } from '$lib/server/db/client';
import {
	idempotencyKeys,
	orientationEvents,
	orientations,
	structures,
	territories
} from '$lib/server/db/schema';
import { answersFor, type Principal } from '$lib/server/auth/principal';
import {
	assessComplexity,
	type ComplexityAssessment,
	type RequestType
} from '$lib/domain/complexity';
import {
	recommend,
	type CandidateStructure,
	type RecommendationRequest,
	type RecommendationResult
} from '$lib/domain/recommendation';
import {
	levelLabel,
	type CriterionCode,
	type LevelCode,
	type ProblemCode
} from '$lib/domain/taxonomy';
import { placeLabel } from '$lib/geo/places';
import {
	ORIENTATION_STATUSES,
	DEFAULT_REMINDER_DAYS,
	OrientationCreateSchema,
	RecommendationRequestSchema,
	REFERENCE_PATTERN,
	REQUEST_TYPE_CODES,
	STATUS_LABELS,
	reasonLabel,
	type OrientationCreateData,
	type OrientationStatus,
	type RecommendationRequestData
} from '$lib/schemas/orientation';
import { issuesOf, type Issue } from '$lib/schemas/zod';
import { deliverPending } from '$lib/server/mail/outbox';
import { audit } from './audit';
import { isUniqueViolation } from './errors';
import { caseloadSql } from './caseload';
import { queueNewOrientation } from './referral-mail';
import { getPlaceCatalog, getPlaces, resolvePoint } from './places';
import { pointCoverage } from './polygon-coverage';
import { caseloadOfIndexed, dayOf, getCaseloads, getRemitIndex } from './remit-index';
import { activeRules } from './rules';
import { REMIT_COLUMNS, remitOf, type RemitRow } from './structures';
import type { RemitIndex } from '$lib/domain/remit-index';
import type { TerritoryRule } from '$lib/domain/recommendation';

/** A request that cannot be answered: 422 (invalid) or 404 (unknown, or outside the scope). */
export class OrientationError extends Error {
	constructor(
		readonly status: 403 | 404 | 422,
		message: string,
		readonly issues: Issue[] = []
	) {
		super(message);
		this.name = 'OrientationError';
	}
}

export interface Caller {
	principal: Principal;
	ip: string | null;
}

export interface RecommendationAnswer {
	place: { code: string; name: string };
	territory: string | null;
	complexity: {
		computed: LevelCode;
		level: LevelCode;
		reasons: string[];
		points: number;
		/** The three MAIA conditions of entry to case management, each held or missing. */
		caseManagement: RecommendationResult['gate'];
	};
	result: RecommendationResult;
}

/** Every territory that contains the place (the caller's scope is applied by the caller). */
async function territoriesOfPlace(db: Db, place: string): Promise<string[]> {
	const rows = await queryRows<{ territory_id: string }>(
		db,
		sql`select territory_id from territory_communes where commune_code = ${place} order by territory_id`
	);
	return rows.map((r) => r.territory_id);
}

/**
 * The structures to weigh: those whose coverage contains the place (whichever territory imported
 * them) and those of the territory (imported into it or covering part of it), taking at least one
 * of the request's problems.
 *
 * The ids are gathered first from the coverage index (`structure_communes` by commune), then the
 * structures fetched by primary key, and whether each covers the place is one probe of the
 * (structure, commune) key. This plan stays fast whatever the planner's statistics: PGlite runs
 * no autovacuum, so after a large import the tables may never be analysed, and the former query,
 * filtering on `problems` first, probed every structure taking the problem (40 ms a request on
 * the national dataset, about 2 ms this way). Testing `covers` against the gathered array instead
 * would be linear in its size, slow where hundreds of structures cover a place.
 */
export async function loadCandidates(
	db: Db,
	place: string,
	territory: string | null,
	problems: readonly ProblemCode[],
	point: { lon: number; lat: number } | null = null
): Promise<CandidateStructure[]> {
	const coveringPlace = sql`select structure_id from structure_communes where commune_code = ${place}`;
	const ofTerritory = territory
		? sql` union select id from structures where territory_id = ${territory}
			union select structure_id from structure_communes where commune_code = any(array(
				select commune_code from territory_communes where territory_id = ${territory}))`
		: sql``;
	const rows = await queryRows<
		RemitRow & {
			caseload_max: number | null;
			caseload_current: number | null;
			updated_at: string | Date | null;
			/** Null when its coverage does not contain the place; else whether it takes only part. */
			partial: boolean | null;
		}
	>(
		db,
		sql`select ${REMIT_COLUMNS}, s.caseload_max, ${caseloadSql('s')} as caseload_current, s.updated_at,
				(select sc.partial from structure_communes sc
					where sc.structure_id = s.id and sc.commune_code = ${place}) as partial
			from structures s
			where s.id = any(array(${coveringPlace}${ofTerritory}))
				and s.problems && array[${sql.join(
					problems.map((p) => sql`${p}`),
					sql`, `
				)}]::text[]
			order by s.id`
	);
	// A polygon that takes only part of the commune: a point is matched against the polygon
	// itself; a request given by the commune alone is recommended with a warning.
	const partial = rows.filter((r) => r.partial === true).map((r) => r.id);
	const inside =
		point && partial.length > 0 ? await pointCoverage(db, partial, point.lon, point.lat) : null;
	return rows.map((r) => ({
		...remitOf(r),
		caseloadMax: r.caseload_max,
		caseloadCurrent: r.caseload_current,
		updatedAt: dayOf(r.updated_at),
		coversPlace: r.partial !== null && (!r.partial || !inside || inside.has(r.id)),
		coversPartly: r.partial === true && !inside
	}));
}

/** {@link loadCandidates} from the remit index: the same structures, in the same order. */
async function indexedCandidates(
	db: Db,
	index: RemitIndex,
	place: string,
	territory: string | null,
	problems: readonly ProblemCode[],
	point: { lon: number; lat: number } | null
): Promise<CandidateStructure[]> {
	const found = index.candidates(place, territory, problems);
	const counted = await (getCaseloads(db) ?? Promise.resolve(new Map<string, number>()));
	const partial = point
		? found.filter((c) => c.partial === true).map((c) => c.structure.remit.id)
		: [];
	// A polygon is matched against the point in the database (rare: polygons taking part of a
	// commune, and a request given by a point).
	const inside =
		point && partial.length > 0 ? await pointCoverage(db, partial, point.lon, point.lat) : null;
	// Every field written out, in one order: one object shape for all candidates. A spread of
	// the remit took most of this function's time on the structures covering Paris.
	return found.map(({ structure: s, partial: part, nameOrder }) => {
		const r = s.remit;
		return {
			id: r.id,
			name: r.name,
			kind: r.kind,
			problems: r.problems,
			levelMin: r.levelMin,
			levelMax: r.levelMax,
			coordination: r.coordination,
			mode: r.mode,
			ageMin: r.ageMin,
			ageMax: r.ageMax,
			apa: r.apa,
			handicap: r.handicap,
			toConfirm: r.toConfirm,
			caseloadMax: s.caseloadMax,
			caseloadCurrent: caseloadOfIndexed(s, counted),
			updatedAt: s.updatedAt,
			coversPlace: part !== null && (!part || !inside || inside.has(r.id)),
			coversPartly: part === true && !inside,
			nameOrder
		};
	});
}

/**
 * Where an answer reads the directory: the remit index (the default) or the database itself
 * (`database`, for the comparison test and the benchmark side by side).
 */
export type AnswerSource = 'index' | 'database';

function validationError(issues: Issue[]): OrientationError {
	return new OrientationError(422, 'Valeurs invalides.', issues);
}

/** A territory's name, or null when it does not exist. */
async function territoryName(db: Db, id: string): Promise<string | null> {
	const [row] = await db
		.select({ name: territories.name })
		.from(territories)
		.where(eq(territories.id, id));
	return row?.name ?? null;
}

/**
 * The territory a request is answered in (contract §3), or null for an unscoped caller and a
 * place no territory contains. The place must lie in the named territory (else 422 on
 * `commune`, naming both) and in one of the caller's territories (else 404 naming the place, as
 * for an unknown territory: a caller scoped to territories cannot orient a person who lives
 * outside them). A named territory outside the caller's scope answers as an unknown one, so the
 * ids of other territories do not leak; the place outside the scope is said before the place
 * outside the named territory, for the same reason.
 *
 * This is also what keeps recommendations within what the caller may open. A recommendation
 * weighs every structure that covers the place, whichever territory imported it (contract §2),
 * plus the structures of the territory (imported into it, or covering part of it); the directory
 * shows a scoped caller the structures imported into one of its territories or covering one of
 * their places (structures.ts `visibleIn`, directory.ts). Once the place lies in one of the
 * caller's territories, a structure covering the place covers a place of that territory, so every
 * structure recommended or excluded is one `getStructure` opens for that caller: both rules hold
 * as written, and neither needs to bend. Without this check, a place outside the caller's
 * territories brought in structures the caller could not open, and recorded orientations there.
 */
async function territoryOfRequest(
	db: Db,
	caller: Caller,
	place: { code: string; name: string },
	named: string | null,
	index: RemitIndex | null
): Promise<string | null> {
	const scope = caller.principal.territories;
	const inScope = (t: string) => !scope || scope.includes(t);
	const territoriesOf = async (code: string) =>
		index ? [...index.territoriesOf(code)] : territoriesOfPlace(db, code);
	if (named) {
		const name = inScope(named)
			? index
				? index.territoryName(named)
				: await territoryName(db, named)
			: null;
		if (name === null) throw new OrientationError(404, `Territoire introuvable : ${named}`);
		const containing = await territoriesOf(place.code);
		if (scope && !containing.some(inScope)) throw outsideScope(place);
		if (!containing.includes(named)) {
			throw validationError([
				{
					path: 'commune',
					message: `${placeLabel(place)} n’appartient pas au territoire ${name} (${named}) : indiquez un lieu de ce territoire, ou le territoire qui le contient`
				}
			]);
		}
		return named;
	}
	const containing = (await territoriesOf(place.code)).filter(inScope);
	if (containing.length === 1) return containing[0] as string;
	if (containing.length > 1) {
		throw validationError([
			{
				path: 'territory',
				message: `le lieu appartient à plusieurs territoires (${containing.join(', ')}) : précisez le territoire (territory)`
			}
		]);
	}
	if (scope) throw outsideScope(place);
	return null;
}

function outsideScope(place: { code: string; name: string }): OrientationError {
	return new OrientationError(404, `Aucun de vos territoires ne contient ${placeLabel(place)}`);
}

const isRequestType = (value: string): value is RequestType =>
	(REQUEST_TYPE_CODES as readonly string[]).includes(value);

/** Said of any unknown field of a request: the most likely one is a name. */
export const UNKNOWN_FIELD =
	'champ inconnu : aucun nom ni autre identifiant direct de la personne n’est accepté';

/** Resolves place and territory, assesses complexity and ranks the structures. Stores nothing. */
export async function answerRequest(
	db: Db,
	caller: Caller,
	request: RecommendationRequestData,
	today = new Date(),
	leftOut: RecommendationRequest['leftOut'] = [],
	source: AnswerSource = 'index'
): Promise<RecommendationAnswer> {
	const index = source === 'index' ? await getRemitIndex(db) : null;
	let placeCode = request.commune;
	if (!placeCode && request.location) {
		placeCode = (await resolvePoint(db, request.location.lon, request.location.lat)) ?? undefined;
		if (!placeCode) {
			throw validationError([
				{
					path: 'location',
					message: 'ce point ne tombe dans aucune commune dont les limites sont chargées'
				}
			]);
		}
	}
	// An old code of a commune merged since is answered for the commune that absorbed it.
	const catalog = await getPlaceCatalog(db);
	const code = catalog.current(placeCode as string) ?? (placeCode as string);
	const [place] = index
		? [catalog.get(code)].filter((p) => p !== undefined)
		: await getPlaces(db, [code]);
	if (!place)
		throw validationError([{ path: 'commune', message: `commune inconnue : ${placeCode}` }]);
	// Coverage is expanded to arrondissements (contract §2): no structure covers the city's own
	// code, so answering for it would call every situation orphan.
	if (catalog.hasArrondissements(place.code)) {
		const parts = catalog.leavesOf(place.code).sort();
		throw validationError([
			{
				path: 'commune',
				message: `${placeLabel(place)} est divisée en arrondissements : indiquez l’arrondissement (${parts[0]} à ${parts[parts.length - 1]}) ou un point`
			}
		]);
	}

	const territory = await territoryOfRequest(db, caller, place, request.territory ?? null, index);
	const complexity: ComplexityAssessment = assessComplexity({
		problems: request.problems,
		criteria: request.criteria,
		requestType: request.request_type
	});
	const level = request.level ?? complexity.computed;
	// A polygon coverage is matched against the point itself when the request gives one.
	const point = request.location ?? null;
	const [candidates, rules] = index
		? [
				await indexedCandidates(db, index, place.code, territory, request.problems, point),
				territory ? index.rules(territory) : []
			]
		: await Promise.all([
				loadCandidates(db, place.code, territory, request.problems, point),
				territory ? activeRules(db, territory) : Promise.resolve<TerritoryRule[]>([])
			]);
	const result = recommend(
		{
			place: place.code,
			age: request.age,
			apa: request.apa,
			handicap: request.handicap,
			problems: request.problems,
			criteria: request.criteria,
			requestType: request.request_type,
			level,
			placeLabel: placeLabel(place),
			caseManagementOverride: request.case_management_reason !== undefined,
			leftOut
		},
		candidates,
		today,
		rules
	);
	const reasons = [...complexity.reasons];
	if (level !== complexity.computed)
		reasons.push(`Niveau choisi par l’agent : ${levelLabel(level).toLowerCase()}`);
	return {
		place: { code: place.code, name: place.name },
		territory,
		complexity: {
			computed: complexity.computed,
			level,
			reasons,
			points: complexity.points,
			caseManagement: result.gate
		},
		result
	};
}

export function parseRecommendationRequest(input: unknown): RecommendationRequestData {
	const parsed = RecommendationRequestSchema.safeParse(input);
	if (!parsed.success) throw validationError(issuesOf(parsed.error, UNKNOWN_FIELD));
	return parsed.data;
}

/** The API answer (contract §3). */
export function toApiAnswer(answer: RecommendationAnswer) {
	return {
		territory: answer.territory,
		commune: answer.place.code,
		complexity: {
			computed: answer.complexity.computed,
			level: answer.complexity.level,
			reasons: answer.complexity.reasons,
			case_management: {
				met: answer.complexity.caseManagement.met,
				override: answer.complexity.caseManagement.override,
				conditions: answer.complexity.caseManagement.conditions
			}
		},
		recommendations: answer.result.recommendations,
		excluded: answer.result.excluded.map((e) => ({ structure: e.structure, reasons: e.reasons })),
		orphan: answer.result.orphan
	};
}

/**
 * The reason of an orphan situation's only event: the instance's own words, not free text
 * (anonymisation keeps it; migration 0006 says it too).
 */
export const ORPHAN_REASON = 'situation orpheline : aucune structure';

function ageBand(age: number | null): number | null {
	return age === null ? null : Math.floor(age / 5) * 5;
}

/* ------------------------------------ Idempotency ------------------------------------ */

/** What the first `POST /orientations` answered, given again to a retry with the same key. */
export interface CreatedOrientation {
	id: string;
	reference: string;
	answer: RecommendationAnswer;
	/** True when this is the answer of an earlier request with the same `Idempotency-Key`. */
	replayed: boolean;
}

export interface CreateOrientationOptions {
	/**
	 * The request's `Idempotency-Key` header (contract §3): a retry with the same key by the same
	 * principal returns the first answer instead of a second record.
	 */
	idempotencyKey?: string;
	/**
	 * The refused or expired orientation this one re-orients (its id or reference, contract §7):
	 * its structure is left out of the recommendations and named among the exclusions, and the two
	 * records are linked both ways.
	 */
	previous?: string;
}

/** What a re-orientation keeps of the orientation it follows. */
interface PreviousOrientation {
	id: string;
	leftOut: NonNullable<RecommendationRequest['leftOut']>;
}

/**
 * The orientation a new one re-orients, checked: visible to the caller, refused or expired, and
 * not re-oriented yet (one re-orientation each: the unique index on `previous_id` decides a race).
 */
export async function previousOrientation(
	db: Db,
	caller: Caller,
	idOrReference: string
): Promise<PreviousOrientation> {
	const o = await loadOrientation(db, caller.principal, idOrReference);
	if (!o) throw new OrientationError(404, `Orientation introuvable : ${idOrReference}`);
	const issue = (message: string) => validationError([{ path: 'previous', message }]);
	if (o.status !== 'refused' && o.status !== 'expired') {
		throw issue(
			`l’orientation ${o.reference} est « ${STATUS_LABELS[o.status]} » : seule une orientation refusée ou expirée se réoriente`
		);
	}
	if (o.next)
		throw issue(`l’orientation ${o.reference} a déjà été réorientée : ${o.next.reference}`);
	const answer = [...o.history].reverse().find((h) => h.status === o.status);
	const why =
		o.status === 'expired'
			? `A laissé expirer l’orientation ${o.reference} sans réponse`
			: `A refusé l’orientation ${o.reference}${
					answer?.reasonCode ? ` : ${reasonLabel('refused', answer.reasonCode)}` : ''
				}`;
	return {
		id: o.id,
		leftOut: o.structure ? [{ structureId: o.structure.id, reason: why }] : []
	};
}

/** Visible ASCII, as a header value and an opaque id (a UUID, a counter, a hash) are. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** JSON with object keys sorted, so that two requests saying the same thing hash alike. */
function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.entries(value as Record<string, unknown>)
			.filter(([, v]) => v !== undefined)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
	}
	return JSON.stringify(value ?? null);
}

/**
 * The key as stored: its SHA-256, with the fingerprint of the validated request (defaults
 * applied, keys sorted: `{"criteria": []}` and no `criteria` are the same request).
 */
function idempotencyOf(key: string | undefined, data: OrientationCreateData) {
	if (key === undefined) return null;
	if (!IDEMPOTENCY_KEY.test(key)) {
		throw validationError([
			{
				path: 'Idempotency-Key',
				message:
					'la clé d’idempotence (en-tête Idempotency-Key) : de 1 à 255 caractères visibles, sans espace (un UUID par exemple)'
			}
		]);
	}
	return { keyHash: sha256(key), requestHash: sha256(canonicalJson(data)) };
}

type Idempotency = NonNullable<ReturnType<typeof idempotencyOf>>;

/** Thrown inside the transaction when another request with the key committed first. */
class KeyTaken extends Error {}

/**
 * The first answer given for this key by this principal, or null when the key is new. The same
 * key with another request is refused (422: the contract's status for invalid values; 409 would
 * suggest that retrying later could succeed, and it never will).
 */
async function replay(
	db: Db,
	caller: Caller,
	key: Idempotency
): Promise<CreatedOrientation | null> {
	const [row] = await db
		.select({
			requestHash: idempotencyKeys.requestHash,
			orientationId: idempotencyKeys.orientationId,
			response: idempotencyKeys.response
		})
		.from(idempotencyKeys)
		.where(
			and(
				eq(idempotencyKeys.principalType, caller.principal.type),
				eq(idempotencyKeys.principalId, caller.principal.id),
				eq(idempotencyKeys.keyHash, key.keyHash)
			)
		);
	if (!row) return null;
	if (row.requestHash !== key.requestHash) {
		throw validationError([
			{
				path: 'Idempotency-Key',
				message:
					'cette clé d’idempotence (Idempotency-Key) a déjà servi pour une autre demande : une nouvelle orientation prend une nouvelle clé'
			}
		]);
	}
	const first = row.response as unknown as Omit<CreatedOrientation, 'replayed'>;
	// Nothing is written but the trace: the answer names the orientation, as a read does.
	await audit(db, {
		actor: caller.principal,
		action: 'orientation.replay',
		outcome: 'success',
		target: { type: 'orientation', id: row.orientationId },
		territoryId: first.answer.territory,
		ip: caller.ip,
		details: { reference: first.reference }
	});
	return { ...first, replayed: true };
}

/**
 * Records an orientation: the same answer as `answerRequest`, then the chosen structure (one of
 * the recommendations) or none for an orphan situation. The orientation, its first event, its
 * audit entry and its idempotency key (if given) are written in one transaction: none exists
 * without the others.
 *
 * With `options.idempotencyKey`, a retry by the same principal (same key, same request) returns
 * the first answer, `replayed: true`, and writes nothing but an `orientation.replay` audit entry —
 * also when the two arrive at once: on PostgreSQL the second waits on the key's row until the
 * first commits, then answers as a replay. The same key with another request is refused (422).
 */
export async function createOrientation(
	db: Db,
	caller: Caller,
	input: unknown,
	today = new Date(),
	options: CreateOrientationOptions = {}
): Promise<CreatedOrientation> {
	const parsed = OrientationCreateSchema.safeParse(input);
	if (!parsed.success) throw validationError(issuesOf(parsed.error, UNKNOWN_FIELD));
	const data = parsed.data;
	const key = idempotencyOf(options.idempotencyKey, data);
	if (key) {
		// Before answering again: the first answer stands even if the directory changed since.
		const first = await replay(db, caller, key);
		if (first) return first;
	}
	const previous = options.previous
		? await previousOrientation(db, caller, options.previous)
		: null;
	const answer = await answerRequest(db, caller, data, today, previous?.leftOut ?? []);
	// Contract §3: `structure` absent records the first recommendation; null records none.
	const structure =
		data.structure === undefined
			? (answer.result.recommendations[0]?.structure.id ?? null)
			: data.structure;
	const issues: Issue[] = [];
	if (data.level !== null && data.level !== answer.complexity.computed && !data.level_reason) {
		issues.push({
			path: 'level_reason',
			message: 'motivez le choix d’un autre niveau que le niveau calculé'
		});
	}
	if (
		structure !== null &&
		!answer.result.recommendations.some((r) => r.structure.id === structure)
	) {
		issues.push({ path: 'structure', message: 'choisissez une des structures recommandées' });
	}
	if (structure === null && !answer.result.orphan) {
		issues.push({ path: 'structure', message: 'choisissez la structure vers laquelle orienter' });
	}
	if (!data.consent && structure !== null) {
		issues.push({
			path: 'consent',
			message: 'le consentement de la personne est requis pour transmettre sa situation'
		});
	}
	if (issues.length > 0) throw validationError(issues);

	const id = randomUUID();
	const status: OrientationStatus = structure ? 'sent' : 'closed';
	const mails: number[] = [];
	try {
		// The reference is drawn by the database within this transaction (schema: `reference`).
		const reference = await db.transaction(async (tx) => {
			const [row] = await tx
				.insert(orientations)
				.values({
					id,
					territoryId: answer.territory,
					commune: answer.place.code,
					age: data.age,
					ageBand: ageBand(data.age),
					apa: data.apa,
					handicap: data.handicap,
					problems: data.problems,
					criteria: data.criteria,
					requestType: data.request_type,
					computedLevel: answer.complexity.computed,
					level: answer.complexity.level,
					levelReason: data.level_reason ?? null,
					caseManagementReason: data.case_management_reason ?? null,
					consent: data.consent,
					structureId: structure,
					orphan: answer.result.orphan,
					status,
					previousId: previous?.id ?? null,
					note: data.note ?? null,
					source: data.source ?? null,
					createdByType: caller.principal.type,
					createdBy: caller.principal.id
				})
				.returning({ reference: orientations.reference });
			const drawn = (row as { reference: string }).reference;
			if (key) {
				// A concurrent request with the same key waits here until the other commits; then
				// nothing is inserted and this transaction is given up (its reference given back).
				const claimed = await tx
					.insert(idempotencyKeys)
					.values({
						principalType: caller.principal.type,
						principalId: caller.principal.id,
						keyHash: key.keyHash,
						requestHash: key.requestHash,
						orientationId: id,
						response: { id, reference: drawn, answer } as unknown as Record<string, unknown>
					})
					.onConflictDoNothing()
					.returning({ keyHash: idempotencyKeys.keyHash });
				if (claimed.length === 0) throw new KeyTaken();
			}
			await tx.insert(orientationEvents).values({
				orientationId: id,
				status,
				reason: structure ? null : ORPHAN_REASON,
				actorId: caller.principal.id
			});
			const mail = structure ? await queueNewOrientation(tx, id) : null;
			if (mail !== null) mails.push(mail);
			await audit(tx, {
				actor: caller.principal,
				action: 'orientation.create',
				outcome: 'success',
				target: { type: 'orientation', id },
				territoryId: answer.territory,
				ip: caller.ip,
				details: {
					reference: drawn,
					orphan: answer.result.orphan,
					level: answer.complexity.level,
					structure,
					previous: previous?.id ?? null
				}
			});
			return drawn;
		});
		// After the commit: a mail is sent only for an orientation that exists. A failure leaves it
		// in the outbox, for the daily job to retry.
		if (mails.length > 0) await deliverPending(db, { ids: mails });
		return { id, reference, answer, replayed: false };
	} catch (error) {
		if (previous && isUniqueViolation(error)) {
			throw validationError([
				{ path: 'previous', message: 'cette orientation vient d’être réorientée par ailleurs' }
			]);
		}
		if (!(error instanceof KeyTaken) || !key) throw error;
		const first = await replay(db, caller, key);
		if (first) return first;
		throw error;
	}
}

export interface OrientationEvent {
	status: OrientationStatus;
	reasonCode: string | null;
	reason: string | null;
	at: Date;
	/** The structure answered itself (a member or its token); false: the orienting side wrote it. */
	byStructure: boolean;
	admission: {
		trois_champs: boolean;
		aides_insuffisantes: boolean;
		sans_coordinateur: boolean;
		from_request: boolean;
	} | null;
}

export interface OrientationDetail {
	id: string;
	/** `OR-2026-00042`: what people call it. */
	reference: string;
	territoryId: string | null;
	commune: string;
	communeName: string | null;
	/** Null for a reader who sees only the structure's side (its members: the age band only). */
	age: number | null;
	ageBand: number | null;
	apa: boolean | null;
	handicap: boolean | null;
	problems: ProblemCode[];
	criteria: string[];
	requestType: string;
	computedLevel: LevelCode;
	level: LevelCode;
	levelReason: string | null;
	caseManagementReason: string | null;
	consent: boolean;
	structure: { id: string; name: string; kind: string } | null;
	/** Whether the structure has members, who then answer themselves (contract §7). */
	structureHasMembers: boolean;
	/** Whether the reader answers for the orientation's structure (a member, its token). */
	answersForStructure: boolean;
	orphan: boolean;
	status: OrientationStatus;
	note: string | null;
	createdAt: Date;
	statusChangedAt: Date;
	mine: boolean;
	/** Sent and still unanswered after the territory's reminder delay. */
	overdue: boolean;
	/** The territory's reminder delay in days (contract §7), for « en retard ». */
	reminderDays: number;
	/** The orientation this one re-orients, and the one that re-oriented it (contract §7). */
	previous: { id: string; reference: string } | null;
	next: { id: string; reference: string } | null;
	history: OrientationEvent[];
}

/**
 * The orientations a principal may open: those of its territories for an agent and above, and
 * those sent to the structures it answers for (contract §7: a structure's member or token is a
 * `partner` who may read that structure's orientations, nothing more).
 */
export function visible(principal: Principal): SQL | undefined {
	const scope = principal.territories;
	const members = principal.structures ?? [];
	const ofStructures = members.length > 0 ? inArray(orientations.structureId, [...members]) : null;
	const byRole = !hasRole(principal.role, 'agent')
		? null
		: scope === null
			? undefined
			: scope.length > 0
				? inArray(orientations.territoryId, [...scope])
				: null;
	if (byRole === undefined) return undefined;
	if (byRole && ofStructures) return or(byRole, ofStructures);
	return byRole ?? ofStructures ?? sql`false`;
}

/**
 * Whether a `sent` orientation is overdue: unanswered after its territory's reminder delay
 * (contract §7, 10 days by default), the instant `now` given.
 */
export function overdueSql(now: Date): SQL {
	return sql`(${orientations.status} = 'sent' and ${orientations.statusChangedAt} < ${now.toISOString()}::timestamptz - make_interval(days => coalesce((select t.reminder_days from territories t where t.id = ${orientations.territoryId}), ${DEFAULT_REMINDER_DAYS})))`;
}

/** An orientation named by its id or by its reference (`OR-2026-00042`, any case). */
function named(idOrReference: string): SQL {
	return REFERENCE_PATTERN.test(idOrReference)
		? eq(orientations.reference, idOrReference.toUpperCase())
		: eq(orientations.id, idOrReference);
}

/**
 * One orientation as the principal may see it, or null (unknown, or not visible: the same).
 * A reader who sees it only as the structure's member gets the age band, not the age.
 */
export async function loadOrientation(
	db: Db,
	principal: Principal,
	idOrReference: string,
	now = new Date()
): Promise<OrientationDetail | null> {
	const scope = visible(principal);
	const which = named(idOrReference);
	const [row] = await db
		.select({
			o: orientations,
			structureName: structures.name,
			structureKind: structures.kind,
			overdue: sql<boolean>`${overdueSql(now)}`,
			reminderDays: sql<number>`coalesce((select t.reminder_days from territories t where t.id = ${orientations.territoryId}), ${DEFAULT_REMINDER_DAYS})`,
			hasMembers: sql<boolean>`exists (select 1 from structure_members m where m.structure_id = ${orientations.structureId})`,
			previousReference: sql<
				string | null
			>`(select p.reference from orientations p where p.id = ${orientations.previousId})`,
			nextId: sql<
				string | null
			>`(select n.id from orientations n where n.previous_id = ${orientations.id})`,
			nextReference: sql<
				string | null
			>`(select n.reference from orientations n where n.previous_id = ${orientations.id})`
		})
		.from(orientations)
		.leftJoin(structures, eq(structures.id, orientations.structureId))
		.where(scope ? and(which, scope) : which);
	if (!row) return null;
	const o = row.o;
	const events = await db
		.select()
		.from(orientationEvents)
		.where(eq(orientationEvents.orientationId, o.id))
		.orderBy(asc(orientationEvents.at), asc(orientationEvents.id));
	const [place] = await getPlaces(db, [o.commune]);
	const status = o.status as OrientationStatus;
	const member = !!o.structureId && answersFor(principal, o.structureId);
	// An agent of the territory sees the record whole; a member of the structure, what the
	// inbox shows (contract §7: the request as the agent saw it, nothing that identifies).
	const agentView =
		hasRole(principal.role, 'agent') &&
		(principal.territories === null ||
			(o.territoryId !== null && principal.territories.includes(o.territoryId)));
	return {
		id: o.id,
		reference: o.reference,
		territoryId: o.territoryId,
		commune: o.commune,
		communeName: place?.name ?? null,
		age: agentView ? o.age : null,
		ageBand: o.ageBand,
		apa: o.apa,
		handicap: o.handicap,
		problems: o.problems as ProblemCode[],
		criteria: o.criteria,
		requestType: o.requestType,
		computedLevel: o.computedLevel as LevelCode,
		level: o.level as LevelCode,
		levelReason: o.levelReason,
		caseManagementReason: o.caseManagementReason,
		consent: o.consent,
		structure:
			o.structureId && row.structureName
				? { id: o.structureId, name: row.structureName, kind: row.structureKind ?? 'autre' }
				: null,
		structureHasMembers: row.hasMembers,
		answersForStructure: member,
		orphan: o.orphan,
		status,
		note: o.note,
		createdAt: o.createdAt,
		statusChangedAt: o.statusChangedAt,
		mine: o.createdBy === principal.id,
		overdue: row.overdue,
		reminderDays: Number(row.reminderDays),
		previous:
			o.previousId && row.previousReference
				? { id: o.previousId, reference: row.previousReference }
				: null,
		next: row.nextId && row.nextReference ? { id: row.nextId, reference: row.nextReference } : null,
		history: events.map((e) => ({
			status: e.status as OrientationStatus,
			reasonCode: e.reasonCode,
			reason: e.reason,
			at: e.at,
			byStructure: e.byStructure,
			admission: e.admission ?? null
		}))
	};
}

/**
 * One orientation and its history, named by its id or its reference, within the caller's
 * territories (else null, as for an unknown one); the read is audited, allowed or denied.
 */
export async function getOrientation(
	db: Db,
	caller: Caller,
	idOrReference: string,
	now = new Date()
): Promise<OrientationDetail | null> {
	const detail = await loadOrientation(db, caller.principal, idOrReference, now);
	await audit(db, {
		actor: caller.principal,
		action: 'orientation.read',
		outcome: detail ? 'success' : 'denied',
		target: { type: 'orientation', id: detail?.id ?? idOrReference },
		territoryId: detail?.territoryId ?? null,
		ip: caller.ip,
		...(detail ? { details: { reference: detail.reference } } : {})
	});
	return detail;
}

/**
 * The request an orientation was made for, in the shape of a recommendation request
 * (`RecommendationRequestInput`), to orient the same situation again (e.g. after a refusal:
 * `/orienter?depuis={id}`). `level` is the level the agent chose when it differed from the
 * computed one (then `level_reason` says why), else null so that the level is computed again.
 * `structure` is the structure the orientation went to — for a refused one, the structure that
 * refused, to leave out of the new recommendations; it is not a choice for the new record.
 * Consent is not carried over: it is asked again. Same scope and audit as getOrientation.
 */
export interface OrientationRequest {
	id: string;
	reference: string;
	status: OrientationStatus;
	territory: string | undefined;
	commune: string;
	age: number | null;
	apa: boolean | null;
	handicap: boolean | null;
	problems: ProblemCode[];
	criteria: CriterionCode[];
	request_type: RequestType;
	level: LevelCode | null;
	level_reason: string | undefined;
	case_management_reason: string | undefined;
	structure: { id: string; name: string; kind: string } | null;
}

export async function getOrientationRequest(
	db: Db,
	caller: Caller,
	idOrReference: string
): Promise<OrientationRequest | null> {
	const o = await getOrientation(db, caller, idOrReference);
	if (!o) return null;
	const overridden = o.level !== o.computedLevel;
	return {
		id: o.id,
		reference: o.reference,
		status: o.status,
		territory: o.territoryId ?? undefined,
		commune: o.commune,
		age: o.age,
		apa: o.apa,
		handicap: o.handicap,
		problems: o.problems,
		criteria: o.criteria as CriterionCode[],
		request_type: isRequestType(o.requestType) ? o.requestType : 'accompagnement',
		level: overridden ? o.level : null,
		level_reason: overridden ? (o.levelReason ?? undefined) : undefined,
		case_management_reason: o.caseManagementReason ?? undefined,
		structure: o.structure
	};
}

/**
 * A status filter of the list: a status, `open` (sent, waiting list or accepted) or `overdue`
 * (sent, unanswered after the territory's reminder delay).
 */
export type StatusFilter = OrientationStatus | 'open' | 'overdue';

/** The statuses still in progress: the agent follows them, the structure works on them. */
export const OPEN_STATUSES: readonly OrientationStatus[] = ['sent', 'waitlisted', 'accepted'];

export interface OrientationFilters {
	status?: StatusFilter;
	mine?: boolean;
	orphan?: boolean;
	territory?: string;
	/** A structure's orientations: its inbox (contract §7). */
	structure?: string;
	/** What changed since this instant (created, or its status changed): for a system that polls. */
	since?: Date;
	/** Dominant problem. */
	problem?: ProblemCode;
	level?: LevelCode;
	limit?: number;
	offset?: number;
	/**
	 * `agent` (default): refused and expired first (each waits for a re-orientation), then the
	 * overdue, then the others, newest first. `inbox`: the overdue first (the longest waiting
	 * first), then the newest.
	 */
	order?: 'agent' | 'inbox';
}

/** How many orientations each status filter would list (the other filters applied). */
export type StatusCounts = Record<OrientationStatus | 'overdue' | 'all', number>;

/**
 * The orientations the caller may see, every status by default, in the order `filters.order`
 * says. `counts` gives, for the same filters, the number of each status.
 */
export async function listOrientations(
	db: Db,
	caller: Caller,
	filters: OrientationFilters,
	now = new Date()
) {
	const isOverdue = overdueSql(now);
	const where: SQL[] = [];
	const scope = visible(caller.principal);
	if (scope) where.push(scope);
	if (filters.mine) where.push(eq(orientations.createdBy, caller.principal.id));
	if (filters.orphan !== undefined) where.push(eq(orientations.orphan, filters.orphan));
	if (filters.territory) where.push(eq(orientations.territoryId, filters.territory));
	if (filters.structure) where.push(eq(orientations.structureId, filters.structure));
	if (filters.since)
		where.push(sql`${orientations.statusChangedAt} >= ${filters.since.toISOString()}::timestamptz`);
	if (filters.problem) where.push(sql`${orientations.problems}[1] = ${filters.problem}`);
	if (filters.level) where.push(eq(orientations.level, filters.level));
	const others = where.length > 0 ? and(...where) : undefined;
	const byStatus = [...where];
	if (filters.status === 'open') byStatus.push(inArray(orientations.status, [...OPEN_STATUSES]));
	else if (filters.status === 'overdue') byStatus.push(isOverdue);
	else if (filters.status) byStatus.push(eq(orientations.status, filters.status));
	const condition = byStatus.length > 0 ? and(...byStatus) : undefined;

	const grouped = await db
		.select({
			status: orientations.status,
			overdue: sql<boolean>`${isOverdue}`,
			count: sql<number>`count(*)::int`
		})
		.from(orientations)
		.where(others)
		.groupBy(orientations.status, sql`2`);
	const counts: StatusCounts = {
		sent: 0,
		accepted: 0,
		refused: 0,
		waitlisted: 0,
		expired: 0,
		closed: 0,
		overdue: 0,
		all: 0
	};
	for (const g of grouped) {
		if ((ORIENTATION_STATUSES as readonly string[]).includes(g.status))
			counts[g.status as OrientationStatus] += g.count;
		if (g.overdue) counts.overdue += g.count;
		counts.all += g.count;
	}
	const total =
		filters.status === undefined
			? counts.all
			: filters.status === 'open'
				? OPEN_STATUSES.reduce((n, st) => n + counts[st], 0)
				: counts[filters.status];

	const waiting = sql`${orientations.status} in ('refused', 'expired')`;
	const order =
		filters.order === 'inbox'
			? [
					sql`case when ${isOverdue} then 0 else 1 end`,
					sql`case when ${isOverdue} then ${orientations.statusChangedAt} end asc nulls last`,
					sql`${orientations.createdAt} desc`,
					sql`${orientations.reference} desc`
				]
			: [
					sql`case when ${waiting} and not exists (select 1 from orientations n where n.previous_id = ${orientations.id}) then 0 when ${isOverdue} then 1 else 2 end`,
					sql`case when ${waiting} then ${orientations.statusChangedAt} end desc nulls last`,
					sql`case when ${isOverdue} then ${orientations.statusChangedAt} end asc nulls last`,
					sql`${orientations.createdAt} desc`,
					sql`${orientations.reference} desc`
				];
	const rows = await db
		.select({
			id: orientations.id,
			reference: orientations.reference,
			commune: orientations.commune,
			ageBand: orientations.ageBand,
			problems: orientations.problems,
			level: orientations.level,
			status: orientations.status,
			overdue: sql<boolean>`${isOverdue}`,
			orphan: orientations.orphan,
			structureId: orientations.structureId,
			structureName: structures.name,
			createdAt: orientations.createdAt,
			statusChangedAt: orientations.statusChangedAt,
			territoryId: orientations.territoryId,
			reasonCode: sql<
				string | null
			>`(select e.reason_code from orientation_events e where e.orientation_id = ${orientations.id} order by e.at desc, e.id desc limit 1)`,
			reoriented: sql<boolean>`exists (select 1 from orientations n where n.previous_id = ${orientations.id})`
		})
		.from(orientations)
		.leftJoin(structures, eq(structures.id, orientations.structureId))
		.where(condition)
		.orderBy(...order)
		.limit(filters.limit ?? 50)
		.offset(filters.offset ?? 0);
	await audit(db, {
		actor: caller.principal,
		action: 'orientation.list',
		outcome: 'success',
		ip: caller.ip,
		details: {
			count: rows.length,
			status: filters.status ?? null,
			...(filters.structure ? { structure: filters.structure } : {})
		}
	});
	return { total, counts, rows };
}
