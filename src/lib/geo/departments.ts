/**
 * Départements of boundary files. The national boundary file is shipped split into one file per
 * département, so that a territory's boundaries load in a fraction of a second instead of the
 * whole of France; which file a feature goes to is decided here.
 */

/** The département of an INSEE code: three characters overseas (971…976), else two (2A, 2B). */
export function departmentOfCode(code: string): string {
	return code.startsWith('97') ? code.slice(0, 3) : code.slice(0, 2);
}

/** A département code as people type it: `5` or `05`, `2a`, `971`. */
const DEPARTMENT = /^(?:\d{1,3}|2[AB])$/i;

/**
 * The département code a person typed, written as the reference list writes it (`5` ⇒ `05`,
 * `2a` ⇒ `2A`), or null when it cannot be one.
 */
export function normalizeDepartment(input: string): string | null {
	const value = input.trim().toUpperCase();
	if (!DEPARTMENT.test(value)) return null;
	return /^\d$/.test(value) ? `0${value}` : value;
}

/** What the split needs of a feature: its INSEE code. */
export interface CodedFeature {
	properties: { code: string };
}

/**
 * Groups a boundary file's features by département, in code order within each. A feature goes to
 * the département of the current commune it belongs to (`currentOf`, e.g.
 * MergedCommunes#currentOf), not to that of its own code: the import stores every part of a
 * merged commune together as that commune's boundary and replaces what was stored, so the parts
 * must travel in one file even when an old commune of another département was absorbed (a
 * commune nouvelle across a border); otherwise loading one file would cut the other's parts off.
 * A code `currentOf` does not know stays in its own département.
 */
export function splitByDepartment<F extends CodedFeature>(
	features: readonly F[],
	currentOf: (code: string) => string | null
): Map<string, F[]> {
	const byDepartment = new Map<string, F[]>();
	for (const feature of features) {
		const { code } = feature.properties;
		const department = departmentOfCode(currentOf(code) ?? code);
		const list = byDepartment.get(department);
		if (list) list.push(feature);
		else byDepartment.set(department, [feature]);
	}
	for (const list of byDepartment.values()) {
		list.sort((a, b) => compareCodes(a.properties.code, b.properties.code));
	}
	return new Map([...byDepartment].sort(([a], [b]) => compareCodes(a, b)));
}

/** Plain string order (01 … 29, 2A, 2B, 30 … 976): stable files, whatever the source's order. */
function compareCodes(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
