import { parseFrenchPhone } from '$lib/domain/phone-parse';

/**
 * The national dataset's structures as the product imports them. FINESS holds a few telephone
 * numbers that are not French numbers (« 2556432694 », « 9427040727 »); the import refuses a
 * file with one (contract §8, nothing half-written), as it should for a territory's own file.
 * The benchmarks leave those numbers out and say how many.
 */
export function withImportablePhones<T extends { phone?: unknown }>(
	structures: readonly T[]
): { structures: T[]; dropped: number } {
	let dropped = 0;
	const out = structures.map((s) => {
		if (typeof s.phone !== 'string' || s.phone.trim() === '' || parseFrenchPhone(s.phone).ok)
			return s;
		dropped++;
		const { phone: _phone, ...rest } = s;
		return rest as T;
	});
	return { structures: out, dropped };
}
