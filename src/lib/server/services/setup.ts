import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { settings } from '$lib/server/db/schema';
import { systemCaller } from '$lib/server/auth/principal';
import { countPlaces, loadShippedBoundaries, seedDir, seedPlaces } from './geography';
import { importStructures, type ImportResult } from './structure-import';
import { putTerritory } from './territories';
import { createUser, hasUsers } from './users';

export const DEMO_TERRITORY = {
	id: 'marseille-4-12',
	name: 'Marseille 4e et 12e arrondissements',
	communes: ['13204', '13212'],
	file: 'demo-marseille-4-12.json'
} as const;

/** The first administrator of a new instance (renamed or replaced later from the admin pages). */
export const FIRST_ADMIN_EMAIL = 'admin@example.org';

export type Progress = (message: string) => void;

/** Loads the reference places and the shipped boundaries when the database has none yet. */
export async function ensureGeography(db: Db, progress: Progress = () => {}): Promise<void> {
	const { places } = await countPlaces(db);
	if (places > 0) return;
	progress('Chargement des communes de France (@etalab/decoupage-administratif)…');
	const count = await seedPlaces(db);
	progress(`${count} communes et arrondissements chargés ; limites des Bouches-du-Rhône…`);
	const shapes = await loadShippedBoundaries(db);
	progress(`${shapes} limites chargées.`);
}

/**
 * The demo territory of the core study, loaded through the same import service as a user's file
 * (`replace`: loading it again restores it as shipped).
 */
export async function seedDemo(db: Db): Promise<ImportResult> {
	await ensureGeography(db);
	await putTerritory(db, DEMO_TERRITORY.id, {
		name: DEMO_TERRITORY.name,
		communes: [...DEMO_TERRITORY.communes]
	});
	const records = JSON.parse(
		fs.readFileSync(path.join(seedDir(), DEMO_TERRITORY.file), 'utf8')
	) as unknown[];
	return importStructures(db, DEMO_TERRITORY.id, records, 'replace');
}

/**
 * First start of an instance: geography, then the demo territory once. Remembered in `settings`
 * so that a deployment that deletes the demo does not get it back at the next restart.
 */
export interface FirstAdmin {
	email: string;
	oneTimePassword: string;
}

export async function initializeInstance(
	db: Db,
	options: { demo: boolean; progress?: Progress }
): Promise<{ firstAdmin: FirstAdmin | null }> {
	const progress = options.progress ?? (() => {});
	await ensureGeography(db, progress);
	const [done] = await db.select().from(settings).where(eq(settings.key, 'initialized_at'));
	if (done) return { firstAdmin: null };
	if (options.demo) {
		progress(`Chargement du territoire de démonstration ${DEMO_TERRITORY.id}…`);
		const result = await seedDemo(db);
		progress(`${result.total} structures chargées.`);
	}
	let firstAdmin: FirstAdmin | null = null;
	if (!(await hasUsers(db))) {
		// Nobody can sign in yet: open the first administrator account with a one-time password,
		// shown once by the caller (it must be changed at first sign-in).
		const { user, oneTimePassword } = await createUser(db, systemCaller('setup'), {
			email: FIRST_ADMIN_EMAIL,
			role: 'admin'
		});
		if (oneTimePassword) firstAdmin = { email: user.email, oneTimePassword };
	}
	await db
		.insert(settings)
		.values({ key: 'initialized_at', value: new Date().toISOString() })
		.onConflictDoNothing();
	return { firstAdmin };
}
