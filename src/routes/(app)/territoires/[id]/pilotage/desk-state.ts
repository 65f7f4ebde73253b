/**
 * The desk's view state in its URL (the period, `du` and `au`, and whatever else a link set),
 * without an action's own `?/name` nor what said the last action's outcome (`retrait`,
 * `campagne`): what a form keeps in its action's address and its redirect brings back.
 */
export function deskState(params: URLSearchParams): URLSearchParams {
	return new URLSearchParams(
		[...params].filter(([key]) => !key.startsWith('/') && key !== 'retrait' && key !== 'campagne')
	);
}

/** A form's action on the desk, keeping its view state: `?du=…&au=…&/name`. */
export function deskAction(params: URLSearchParams, name: string): string {
	const state = deskState(params).toString();
	return state ? `?${state}&/${name}` : `?/${name}`;
}
