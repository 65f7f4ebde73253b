/**
 * Prepares the data dir of the browser tests before the server starts, in one process (run with
 * `tsx --tsconfig tsconfig.cli.json`, DATA_DIR set): the demo territory, a second territory with
 * one structure (to test territory scoping), one account per role and API tokens. The same services
 * as the CLI (`seed demo`, `territory put`, `import structures`, `user create`, `token create`);
 * the CLI itself is tested in tests/integration/cli.test.ts — one process instead of a dozen keeps
 * the setup fast. Prints the credentials as JSON on its last stdout line.
 *
 * Input: E2E_PASSWORD, the passphrase given to every account (a fresh one per run).
 */
import { readConfig } from '$lib/server/config';
import { openDatabase } from '$lib/server/db/client';
import { systemCaller } from '$lib/server/auth/principal';
import { createApiToken } from '$lib/server/services/api-tokens';
import { initializeInstance, seedDemo } from '$lib/server/services/setup';
import { importStructures } from '$lib/server/services/structure-import';
import { putTerritory } from '$lib/server/services/territories';
import { createUser } from '$lib/server/services/users';
import {
	ACCOUNT_SPECS,
	OTHER_TERRITORY,
	TOKEN_SPECS,
	emailOf,
	type AccountName,
	type E2eAccount,
	type E2eData,
	type E2eToken,
	type TokenName
} from './e2e-accounts';

async function main(): Promise<void> {
	const password = process.env.E2E_PASSWORD;
	if (!password) throw new Error('E2E_PASSWORD manquant');
	const config = readConfig();
	if (config.databaseUrl) throw new Error('les tests e2e utilisent la base embarquée');
	const database = await openDatabase({
		dataDir: config.dataDir,
		migrationsDir: config.migrationsDir,
		owner: { role: 'cli' }
	});
	try {
		const { db } = database;
		await seedDemo(db);
		const { structure, ...territory } = OTHER_TERRITORY;
		await putTerritory(db, territory.id, {
			name: territory.name,
			communes: [...territory.communes]
		});
		await importStructures(db, territory.id, [structure], 'upsert');

		const accounts = {} as Record<AccountName, E2eAccount>;
		for (const [name, spec] of Object.entries(ACCOUNT_SPECS) as [
			AccountName,
			(typeof ACCOUNT_SPECS)[AccountName]
		][]) {
			const { user } = await createUser(db, systemCaller('e2e'), {
				email: emailOf(name),
				role: spec.role,
				territories: [...spec.territories],
				password,
				structures: 'structures' in spec ? [...spec.structures] : []
			});
			accounts[name] = {
				id: user.id,
				email: user.email,
				password,
				role: user.role,
				territories: user.territories
			};
		}
		const tokens = {} as Record<TokenName, E2eToken>;
		for (const [name, spec] of Object.entries(TOKEN_SPECS) as [
			TokenName,
			(typeof TOKEN_SPECS)[TokenName]
		][]) {
			const { token, summary } = await createApiToken(db, systemCaller('e2e'), {
				name: `e2e ${name}`,
				role: spec.role,
				territories: [...spec.territories]
			});
			tokens[name] = {
				id: summary.id,
				token,
				role: summary.role,
				territories: summary.territories
			};
		}
		// Marks the instance initialised (demo loaded, accounts present): the server's first start
		// then neither reloads the demo nor opens a first admin with a one-time password.
		await initializeInstance(db, { demo: false });
		const data: E2eData = { accounts, tokens };
		process.stdout.write(`${JSON.stringify(data)}\n`);
	} finally {
		await database.close();
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
	process.exitCode = 1;
});
