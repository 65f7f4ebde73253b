import { error, fail, redirect } from '@sveltejs/kit';
import { placeLabel } from '$lib/geo/places';
import { REQUEST_TYPE_CODES, type RecommendationRequestInput } from '$lib/schemas/orientation';
import { scopeOf } from '$lib/server/auth/principal';
import { outsideScopeMessage, resolvePlaceInput } from '$lib/server/services/directory';
import {
	OrientationError,
	answerRequest,
	createOrientation,
	getOrientationRequest,
	parseRecommendationRequest,
	previousOrientation,
	toApiAnswer
} from '$lib/server/services/orientations';
import { listTerritories } from '$lib/server/services/territories';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url, getClientAddress }) => {
	const territories = await listTerritories(locals.db, scopeOf(locals.principal));
	const from = url.searchParams.get('depuis');
	if (!from) return { territories, prefill: null, previous: null };
	// « Réorienter » (a refused record): the same request, typed again for the agent.
	const stored = await getOrientationRequest(locals.db, caller(locals, getClientAddress()), from);
	if (!stored) error(404, 'Orientation introuvable.');
	const resolved = await resolvePlaceInput(locals.db, stored.commune);
	const [dominant = '', ...others] = stored.problems;
	const prefill: OrientForm = {
		place: resolved.status === 'found' ? placeLabel(resolved.place) : stored.commune,
		lon: '',
		lat: '',
		territory: stored.territory ?? '',
		age: stored.age === null ? '' : String(stored.age),
		apa: yesNo(stored.apa),
		handicap: yesNo(stored.handicap),
		dominant,
		problems: others,
		criteria: stored.criteria,
		requestType: stored.request_type,
		level: stored.level ?? '',
		levelReason: stored.level_reason ?? '',
		caseManagementReason: stored.case_management_reason ?? '',
		consent: false,
		structure: '',
		note: '',
		source: '',
		previous: stored.id
	};
	return {
		territories,
		prefill,
		previous: {
			id: stored.id,
			reference: stored.reference,
			status: stored.status,
			structureId: stored.structure?.id ?? null,
			structureName: stored.structure?.name ?? null
		}
	};
};

/** A status as the form's radios say it: « oui », « non », or « » (nobody knows). */
function yesNo(value: boolean | null): string {
	return value === true ? 'oui' : value === false ? 'non' : '';
}

/** The radios' value back to the request's status (« ne sait pas » is null). */
function statusOf(value: string): boolean | null {
	return value === 'oui' ? true : value === 'non' ? false : null;
}

const isRequestType = (value: string): value is (typeof REQUEST_TYPE_CODES)[number] =>
	(REQUEST_TYPE_CODES as readonly string[]).includes(value);

/** The form as typed, kept to refill the page after a submit. */
function readForm(form: FormData) {
	const text = (name: string) => String(form.get(name) ?? '').trim();
	const dominant = text('dominant');
	const others = form
		.getAll('problems')
		.map(String)
		.filter((p) => p !== dominant);
	return {
		// A suggested place's button (no-JS) names the place; else what was typed.
		place: text('place_pick') || text('place'),
		lon: text('lon'),
		lat: text('lat'),
		territory: text('territory'),
		age: text('age'),
		apa: text('apa'),
		handicap: text('handicap'),
		dominant,
		problems: others,
		criteria: form.getAll('criteria').map(String),
		requestType: text('request_type') || 'accompagnement',
		level: text('level'),
		levelReason: text('level_reason'),
		caseManagementReason: text('case_management_reason'),
		consent: form.get('consent') === 'on',
		structure: text('structure'),
		note: text('note'),
		source: text('source'),
		/** The refused or expired orientation this one re-orients (`?depuis=`), as a hidden field. */
		previous: text('previous')
	};
}

export type OrientForm = ReturnType<typeof readForm>;

/** From the form to the API's request shape; the place picker accepts names and postal codes. */
async function toRequest(
	db: App.Locals['db'],
	scope: readonly string[] | null,
	values: OrientForm
) {
	const issues: { path: string; message: string }[] = [];
	let commune: string | undefined;
	let location: { lon: number; lat: number } | undefined;
	let candidates: { code: string; name: string }[] = [];
	if (values.lon || values.lat) {
		const lon = Number(values.lon.replace(',', '.'));
		const lat = Number(values.lat.replace(',', '.'));
		if (!values.lon || !Number.isFinite(lon) || Math.abs(lon) > 180)
			issues.push({
				path: 'location',
				message: 'longitude : un nombre entre -180 et 180 (ex. 5.40)'
			});
		if (!values.lat || !Number.isFinite(lat) || Math.abs(lat) > 90)
			issues.push({
				path: 'location',
				message: 'latitude : un nombre entre -90 et 90 (ex. 43.30)'
			});
		location = { lon, lat };
	} else if (values.place) {
		const resolved = await resolvePlaceInput(db, values.place, scope);
		if (resolved.status === 'found') {
			commune = resolved.place.code;
			// A place outside the agent's territories: say where it stands and what to do, at once.
			const outside = await outsideScopeMessage(db, scope, commune);
			if (outside) issues.push({ path: 'place', message: outside });
		} else if (resolved.status === 'ambiguous') {
			candidates = resolved.candidates.map(({ code, name }) => ({ code, name }));
			issues.push({ path: 'place', message: 'plusieurs lieux correspondent : choisissez-en un' });
		} else {
			if (resolved.status === 'unknown')
				candidates = resolved.candidates.map(({ code, name }) => ({ code, name }));
			issues.push({
				path: 'place',
				message:
					candidates.length > 0
						? `aucun lieu ne s’appelle exactement « ${values.place} » : vouliez-vous dire…`
						: `aucun lieu ne correspond à « ${values.place} » (nom, code postal ou code INSEE)`
			});
		}
	} else {
		issues.push({
			path: 'place',
			message: 'indiquez le lieu de vie (commune, arrondissement ou code postal)'
		});
	}
	const request: RecommendationRequestInput = {
		...(values.territory ? { territory: values.territory } : {}),
		...(commune ? { commune } : {}),
		...(location ? { location } : {}),
		age: values.age === '' ? null : Number(values.age),
		apa: statusOf(values.apa),
		handicap: statusOf(values.handicap),
		problems: values.dominant ? [values.dominant, ...values.problems] : values.problems,
		criteria: values.criteria,
		request_type: isRequestType(values.requestType) ? values.requestType : 'accompagnement',
		level: values.level === '' ? null : values.level,
		...(values.caseManagementReason ? { case_management_reason: values.caseManagementReason } : {}),
		consent: values.consent
	} as RecommendationRequestInput;
	if (!values.dominant)
		issues.push({ path: 'problems', message: 'choisissez le problème dominant' });
	if (values.age !== '' && !/^\d{1,3}$/.test(values.age))
		issues.push({
			path: 'age',
			message: 'indiquez l’âge en années (un nombre de 0 à 130), ou laissez vide'
		});
	return { request, issues, candidates };
}

function caller(locals: App.Locals, ip: string) {
	return { principal: locals.principal as NonNullable<App.Locals['principal']>, ip };
}

/**
 * The answer to show beside the issues of a refused submit, so the agent corrects them without
 * retyping: the request's own answer or, when only the case-management reason is wrong, the
 * answer without it (the reason is then corrected in place, the answer in view); else none.
 */
async function answerBeside(
	locals: App.Locals,
	ip: string,
	body: RecommendationRequestInput,
	previous: string
): Promise<AnswerView | null> {
	const { case_management_reason: _reason, ...withoutReason } = body;
	for (const request of [body, withoutReason]) {
		try {
			const answer = await answerRequest(
				locals.db,
				caller(locals, ip),
				parseRecommendationRequest(request),
				new Date(),
				await leftOutOf(locals, ip, previous)
			);
			return { ...toApiAnswer(answer), placeName: answer.place.name };
		} catch {
			// Not answerable as it stands: try the next, or show the issues alone.
		}
	}
	return null;
}

type AnswerView = ReturnType<typeof toApiAnswer> & { placeName: string };

/**
 * A re-orientation's live answer leaves out the structure that refused, as the record will
 * (createOrientation's `previous`): the agent is never offered a choice the save would refuse.
 */
async function leftOutOf(locals: App.Locals, ip: string, previous: string) {
	if (!previous) return [];
	return (await previousOrientation(locals.db, caller(locals, ip), previous)).leftOut;
}

export const actions: Actions = {
	evaluer: async ({ request, locals, getClientAddress }) => {
		const values = readForm(await request.formData());
		const {
			request: body,
			issues,
			candidates
		} = await toRequest(locals.db, scopeOf(locals.principal), values);
		if (issues.length > 0) return fail(400, { values, issues, candidates, answer: null });
		try {
			const answer = await answerRequest(
				locals.db,
				caller(locals, getClientAddress()),
				parseRecommendationRequest(body),
				new Date(),
				await leftOutOf(locals, getClientAddress(), values.previous)
			);
			return {
				values,
				issues: [],
				candidates: [],
				answer: { ...toApiAnswer(answer), placeName: answer.place.name }
			};
		} catch (error) {
			if (error instanceof OrientationError) {
				return fail(400, {
					values,
					issues:
						error.issues.length > 0 ? error.issues : [{ path: 'place', message: error.message }],
					candidates: [],
					answer: await answerBeside(locals, getClientAddress(), body, values.previous)
				});
			}
			throw error;
		}
	},
	enregistrer: async ({ request, locals, getClientAddress }) => {
		const values = readForm(await request.formData());
		const {
			request: body,
			issues,
			candidates
		} = await toRequest(locals.db, scopeOf(locals.principal), values);
		if (issues.length > 0) return fail(400, { values, issues, candidates, answer: null });
		let id: string;
		try {
			({ id } = await createOrientation(
				locals.db,
				caller(locals, getClientAddress()),
				{
					...body,
					structure: values.structure || null,
					...(values.levelReason ? { level_reason: values.levelReason } : {}),
					...(values.note ? { note: values.note } : {}),
					...(values.source ? { source: values.source } : {})
				},
				new Date(),
				values.previous ? { previous: values.previous } : {}
			));
		} catch (error) {
			if (error instanceof OrientationError) {
				// Show the answer again so the agent can fix the choice without retyping.
				return fail(400, {
					values,
					issues:
						error.issues.length > 0 ? error.issues : [{ path: 'place', message: error.message }],
					candidates: [],
					answer: await answerBeside(locals, getClientAddress(), body, values.previous)
				});
			}
			throw error;
		}
		redirect(303, `/orientations/${id}?enregistree=1`);
	}
};
