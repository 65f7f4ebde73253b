import { ApiFailure } from './api';
import { OrientationError, type Caller, type OrientationDetail } from './services/orientations';

/** The caller of an API request (the authorization handle guarantees a principal). */
export function apiCaller(locals: App.Locals, ip: string): Caller {
	return { principal: locals.principal as NonNullable<App.Locals['principal']>, ip };
}

/** Runs an orientation service call, turning its refusals into the API's error format. */
export async function orientationCall<T>(run: () => Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (error) {
		if (error instanceof OrientationError)
			throw new ApiFailure(error.status, error.message, error.issues);
		throw error;
	}
}

/**
 * An orientation as the API returns it: `id` (the stable identifier), `reference` (the short
 * `OR-2026-00042` people use; either names it in a URL), its request, structure, status and
 * history (contract §3, §7). Instants are ISO 8601 in UTC; codes stay codes.
 */
export function toApiOrientation(detail: OrientationDetail) {
	return {
		id: detail.id,
		reference: detail.reference,
		territory: detail.territoryId,
		commune: detail.commune,
		age: detail.age,
		age_band: detail.ageBand,
		apa: detail.apa,
		handicap: detail.handicap,
		problems: detail.problems,
		criteria: detail.criteria,
		request_type: detail.requestType,
		level: detail.level,
		computed_level: detail.computedLevel,
		level_reason: detail.levelReason,
		case_management_reason: detail.caseManagementReason,
		consent: detail.consent,
		structure: detail.structure,
		orphan: detail.orphan,
		status: detail.status,
		overdue: detail.overdue,
		note: detail.note,
		created_at: detail.createdAt.toISOString(),
		status_changed_at: detail.statusChangedAt.toISOString(),
		previous: detail.previous?.id ?? null,
		next: detail.next?.id ?? null,
		complexity: { computed: detail.computedLevel, level: detail.level },
		request: {
			commune: detail.commune,
			age: detail.age,
			age_band: detail.ageBand,
			apa: detail.apa,
			handicap: detail.handicap,
			problems: detail.problems,
			criteria: detail.criteria,
			request_type: detail.requestType,
			note: detail.note
		},
		history: detail.history.map((h) => ({
			status: h.status,
			reason_code: h.reasonCode,
			reason: h.reason,
			at: h.at.toISOString(),
			by_structure: h.byStructure,
			admission: h.admission
		}))
	};
}
