import { createRequire } from 'node:module';
import type { communes } from '$lib/server/db/schema';
import { MergedCommunes } from '$lib/geo/merged-communes';

/**
 * The reference list of places: the official Etalab list of communes, arrondissements, EPCIs and
 * départements (@etalab/decoupage-administratif), read from the package. Loading it into the
 * database is geography.ts; the place cache that reads it back is places.ts.
 */

interface DecoupageCommune {
	code: string;
	nom: string;
	type: string;
	departement: string;
	commune?: string;
	/** For a delegated or associated commune, the current commune that absorbed it. */
	chefLieu?: string;
	population?: number;
	codesPostaux?: string[];
}
interface DecoupageEpci {
	code: string;
	nom: string;
	membres: { code: string }[];
}
interface DecoupageDepartement {
	code: string;
	nom: string;
}

// The official Etalab list ships as JSON in an npm package; require() reads it from node_modules
// in the CLI and in the built server alike.
const require = createRequire(import.meta.url);
function decoupage<T>(file: 'communes' | 'epci' | 'departements'): T[] {
	return require(`@etalab/decoupage-administratif/data/${file}.json`) as T[];
}

let names: { departments: Map<string, string>; epcis: Map<string, string> } | undefined;
export function referenceNames() {
	names ??= {
		departments: new Map(
			decoupage<DecoupageDepartement>('departements').map((d) => [d.code, d.nom])
		),
		epcis: new Map(decoupage<DecoupageEpci>('epci').map((e) => [e.code, e.nom]))
	};
	return names;
}

/** Places of orientation from @etalab/decoupage-administratif: current communes + arrondissements. */
export function referencePlaces(): (typeof communes.$inferInsert)[] {
	const epciOf = new Map<string, string>();
	for (const epci of decoupage<DecoupageEpci>('epci')) {
		for (const member of epci.membres) epciOf.set(member.code, epci.code);
	}
	return decoupage<DecoupageCommune>('communes')
		.filter((c) => c.type === 'commune-actuelle' || c.type === 'arrondissement-municipal')
		.map((c) => {
			const arrondissement = c.type === 'arrondissement-municipal';
			return {
				code: c.code,
				name: c.nom,
				kind: arrondissement ? 'arrondissement' : 'commune',
				department: c.departement,
				parentCode: arrondissement ? (c.commune ?? null) : null,
				epci: epciOf.get(c.code) ?? null,
				population: c.population ?? null,
				postalCodes: c.codesPostaux ?? []
			};
		});
}

let merged: MergedCommunes | undefined;
function mergedCommunes(): MergedCommunes {
	merged ??= new MergedCommunes(decoupage<DecoupageCommune>('communes'));
	return merged;
}

/**
 * The current place a code of the reference list stands for: itself when current (commune or
 * municipal arrondissement), the commune that absorbed it when it is a delegated or associated
 * commune (Romette 05125 → Gap 05061), null when the list does not know the code.
 */
export function absorbingCommune(code: string): string | null {
	return mergedCommunes().currentOf(code);
}
