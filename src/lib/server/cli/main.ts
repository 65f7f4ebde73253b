/**
 * The command line (contract §5): `npm run cli -- <command>`. Same services and the same rules
 * as the API: clear errors naming the field, exit code ≠ 0, nothing half-written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readConfig } from '$lib/server/config';
import { openDatabase, type Database } from '$lib/server/db/client';
import { DataDirBusyError, DataDirUnwritableError } from '$lib/server/db/lock';
import {
	BoundaryImportError,
	importBoundaries,
	readGeojsonFile
} from '$lib/server/services/geography';
import {
	ensureDepartmentBoundaries,
	loadBoundariesInBackground,
	shippedDepartmentFiles
} from '$lib/server/services/department-boundaries';
import { referenceNames } from '$lib/server/services/reference';
import { ensureGeography, seedDemo } from '$lib/server/services/setup';
import { normalizeDepartment } from '$lib/geo/departments';
import {
	formatFromName,
	parseStructureFile,
	structuresToCsv,
	structuresToGeojson,
	structuresToJson
} from '$lib/server/services/structure-files';
import { exportStructures } from '$lib/server/services/structures';
import { importFromFiness, previewFinessImport } from '$lib/server/services/finess-import';
import {
	exportDataInclusion,
	importDataInclusion,
	parseDataInclusionJson,
	type DataInclusionFiles
} from '$lib/server/services/data-inclusion';
import { ImportError, importStructures } from '$lib/server/services/structure-import';
import { progressLine, throttledProgress } from '$lib/domain/import-progress';
import { TerritoryError, putTerritory, territoryExists } from '$lib/server/services/territories';
import { systemCaller } from '$lib/server/auth/principal';
import { createApiToken } from '$lib/server/services/api-tokens';
import { audit } from '$lib/server/services/audit';
import { ServiceError, issuesMessage } from '$lib/server/services/errors';
import { purge } from '$lib/server/services/privacy';
import { createUser } from '$lib/server/services/users';
import { runReferralJobs } from '$lib/server/services/referrals';

/** A mistake in the command line itself: the usage is printed after it. */
class UsageError extends Error {}
/** A clear refusal that needs no usage text (unknown territory, missing file…). */
class CliError extends Error {}

const USAGE = `Usage : npm run cli -- <commande>

  migrate                                         applique les migrations
  seed demo                                       (re)charge le territoire de démonstration marseille-4-12
  territory put ID --name NOM --communes CODE,CODE… [--reminder-days N] [--expiry-days N]
                                                  crée ou met à jour un territoire (délais de relance et
                                                  d’expiration des orientations : 10 et 30 jours par défaut)
  import structures FICHIER --territory ID [--mode upsert|replace]
                                                  importe des structures (JSON ou CSV), tout ou rien
  import communes FICHIER.geojson[.gz]            ajoute ou remplace des limites de communes
  import finess [FICHIER] --territory ID [--communes CODE,…] [--exclude FINESS,…] [--dry-run]
                                                  amorce un territoire depuis FINESS (sans FICHIER : l’extrait
                                                  livré du 2021-01-08) : les établissements de ses communes
                                                  (ou du périmètre --communes : INSEE, dep:XX, epci:SIREN),
                                                  missions proposées « à confirmer » ; relancé, ne met à jour
                                                  que les champs du registre
  geo load --department CODE[,CODE…]… | --all     charge maintenant les limites livrées de ces départements
                                                  (ou de tous) s’ils n’en ont pas encore ; le serveur les
                                                  charge aussi en arrière-plan après son démarrage
  export structures --territory ID [--format json|csv|geojson] [--output FICHIER]
                                                  exporte les structures d’un territoire
  export data-inclusion --territory ID [--output DOSSIER]
                                                  écrit structures.json et services.json au schéma data·inclusion
                                                  (dans le dossier courant sans --output)
  import data-inclusion DOSSIER|FICHIERS… --territory ID [--mode upsert|replace]
                                                  importe structures.json et services.json (data·inclusion), tout ou
                                                  rien ; les écarts de la table de correspondance sont signalés
  user create --email E --role R [--territory ID]… [--password P] [--structure ID]…
                                                  crée un compte (sans --password : mot de passe à usage unique affiché),
                                                  membre des structures données (il répond à leurs orientations)
  token create --role R --name N [--territory ID]… [--structure ID]
                                                  crée un jeton d’API (affiché seul sur la dernière ligne) ;
                                                  avec --structure, le jeton répond pour cette structure
  referrals run [--now INSTANT]                   relances, expirations et courriels en attente du circuit
                                                  d’orientation (la tâche quotidienne du serveur)
  purge                                           purge (sessions expirées, données au-delà de la durée de conservation)

Rôles : partner, agent, pilot, admin. Sans --territory : tous les territoires de l’instance.

Base : DATABASE_URL (PostgreSQL) ou, sinon, la base embarquée dans DATA_DIR (défaut ./data).`;

const log = (message: string) => console.error(message);

/**
 * The command line's caller: whoever runs it on the server's machine, an unscoped administrator
 * (contract §5). The services check and audit with it as with any other caller.
 */
const CLI = systemCaller('cli');
/** The audit log's "who" for the commands whose services do not audit yet. */
const CLI_ACTOR = { type: 'system', label: 'cli' } as const;

async function withDatabase<T>(run: (database: Database) => Promise<T>): Promise<T> {
	const config = readConfig();
	const database = await openDatabase({
		databaseUrl: config.databaseUrl,
		dataDir: config.dataDir,
		migrationsDir: config.migrationsDir,
		owner: { role: 'cli' }
	});
	try {
		return await run(database);
	} finally {
		await database.close();
	}
}

function required(value: string | undefined, what: string): string {
	if (!value) throw new UsageError(`${what} manquant`);
	return value;
}

function readBytes(file: string): Uint8Array {
	if (!fs.existsSync(file)) throw new CliError(`fichier introuvable : ${file}`);
	return fs.readFileSync(file);
}

/** A JSON file (data·inclusion): UTF-8, as JSON is. */
function readFile(file: string): string {
	return new TextDecoder().decode(readBytes(file));
}

/**
 * The two files of a data·inclusion import: a directory holding structures.json and
 * services.json, the two files themselves (told apart by their names: « structure » or « service »
 * in it), or one file holding the
 * API's answer `{"structures": […], "services": […]}`.
 */
function readDataInclusionFiles(paths: string[]): DataInclusionFiles {
	const [first] = paths;
	if (paths.length === 1 && first && fs.existsSync(first) && fs.statSync(first).isDirectory()) {
		return readDataInclusionFiles([
			path.join(first, 'structures.json'),
			path.join(first, 'services.json')
		]);
	}
	if (paths.length === 1 && first) {
		const both = parseDataInclusionJson(readFile(first), first) as Partial<DataInclusionFiles>;
		if (
			both === null ||
			typeof both !== 'object' ||
			!('structures' in both) ||
			!('services' in both)
		)
			throw new CliError(
				`${first} : un dossier, les deux fichiers structures.json et services.json, ou un objet {"structures": […], "services": […]} est attendu`
			);
		return { structures: both.structures, services: both.services };
	}
	const found: Partial<Record<keyof DataInclusionFiles, string>> = {};
	for (const file of paths) {
		const name = path.basename(file).toLowerCase();
		const isStructures = name.includes('structure');
		const isServices = name.includes('service');
		if (isStructures === isServices)
			throw new UsageError(
				`${file} : le nom du fichier dit s’il tient les structures ou les services (structures.json, services.json)`
			);
		const key = isStructures ? 'structures' : 'services';
		if (found[key]) throw new UsageError(`deux fichiers ${key} : ${found[key]} et ${file}`);
		found[key] = file;
	}
	if (!found.structures || !found.services)
		throw new UsageError('il faut les deux fichiers : structures.json et services.json');
	return {
		structures: parseDataInclusionJson(readFile(found.structures), found.structures),
		services: parseDataInclusionJson(readFile(found.services), found.services)
	};
}

export async function main(argv: string[]): Promise<number> {
	const { values, positionals } = parseArgs({
		args: argv,
		allowPositionals: true,
		strict: true,
		options: {
			name: { type: 'string' },
			communes: { type: 'string' },
			territory: { type: 'string', multiple: true },
			email: { type: 'string' },
			role: { type: 'string' },
			password: { type: 'string' },
			structure: { type: 'string', multiple: true },
			now: { type: 'string' },
			'reminder-days': { type: 'string' },
			'expiry-days': { type: 'string' },
			mode: { type: 'string' },
			format: { type: 'string' },
			output: { type: 'string' },
			exclude: { type: 'string' },
			'dry-run': { type: 'boolean' },
			// `--out` is how issue 15 first spelt it; the contract (§5) says `--output`.
			out: { type: 'string' },
			department: { type: 'string', multiple: true },
			all: { type: 'boolean' },
			help: { type: 'boolean', short: 'h' }
		}
	});
	const [command, sub, arg, ...more] = positionals;
	if (values.help || !command) {
		console.log(USAGE);
		return command || values.help ? 0 : 2;
	}

	switch (`${command} ${sub ?? ''}`.trim()) {
		case 'migrate':
			return withDatabase(async (database) => {
				log(`Migrations appliquées (${database.location}).`);
				return 0;
			});

		case 'seed demo':
			return withDatabase(async (database) => {
				const result = await seedDemo(database.db);
				log(
					`Territoire ${result.territory} : ${result.total} structures (${result.created} créées, ${result.updated} mises à jour, ${result.deleted} retirées).`
				);
				return 0;
			});

		case 'territory put': {
			const id = required(arg, 'identifiant du territoire');
			const name = required(values.name, '--name');
			const communes = required(values.communes, '--communes')
				.split(',')
				.map((c) => c.trim())
				.filter(Boolean);
			return withDatabase(async ({ db }) => {
				await ensureGeography(db, log);
				const days = (flag: string, value: string | undefined) => {
					if (value === undefined) return undefined;
					const n = Number(value);
					if (!Number.isInteger(n))
						throw new UsageError(`${flag} : un nombre entier de jours attendu`);
					return n;
				};
				const reminder = days('--reminder-days', values['reminder-days']);
				const expiry = days('--expiry-days', values['expiry-days']);
				const { created } = await putTerritory(
					db,
					id,
					{
						name,
						communes,
						...(reminder !== undefined ? { reminder_days: reminder } : {}),
						...(expiry !== undefined ? { expiry_days: expiry } : {})
					},
					CLI
				);
				log(`Territoire ${id} ${created ? 'créé' : 'mis à jour'} (${communes.length} lieu(x)).`);
				return 0;
			});
		}

		case 'import structures': {
			const file = required(arg, 'fichier à importer');
			const territory = required(values.territory?.[0], '--territory');
			const mode = values.mode ?? 'upsert';
			if (mode !== 'upsert' && mode !== 'replace') {
				throw new UsageError(`--mode : « upsert » ou « replace » attendu, reçu « ${mode} »`);
			}
			const format = formatFromName(file);
			if (!format) throw new UsageError(`${file} : extension .json ou .csv attendue`);
			// Bytes, not text: a CSV file's encoding (UTF-8 or Windows-1252) is detected.
			const parsed = parseStructureFile(readBytes(file), format);
			return withDatabase(async ({ db }) => {
				await ensureGeography(db, log);
				if (!(await territoryExists(db, territory))) {
					throw new CliError(`territoire inconnu : ${territory} (créez-le avec « territory put »)`);
				}
				// A national file takes a while: a progress line a second on stderr, as the other logs.
				const result = await importStructures(
					db,
					territory,
					parsed.records,
					mode,
					parsed.rows,
					{ caller: CLI, format },
					throttledProgress((progress) => log(progressLine(progress)))
				);
				log(
					`Import dans ${territory} : ${result.total} structures (${result.created} créées, ${result.updated} mises à jour, ${result.deleted} retirées).`
				);
				return 0;
			});
		}

		case 'import finess': {
			const territory = required(values.territory?.[0], '--territory');
			const list = (v: string | undefined) =>
				(v ?? '')
					.split(',')
					.map((c) => c.trim())
					.filter(Boolean);
			const options = {
				file: arg,
				communes: values.communes ? list(values.communes) : undefined,
				exclude: list(values.exclude)
			};
			return withDatabase(async ({ db }) => {
				await ensureGeography(db, log);
				if (!(await territoryExists(db, territory))) {
					throw new CliError(`territoire inconnu : ${territory} (créez-le avec « territory put »)`);
				}
				const started = performance.now();
				if (values['dry-run']) {
					const preview = await previewFinessImport(db, CLI, territory, options);
					const byKind = new Map<string, number>();
					for (const c of preview.candidates) {
						byKind.set(c.kindLabel, (byKind.get(c.kindLabel) ?? 0) + 1);
					}
					log(
						`FINESS (extrait du ${preview.extractDate ?? 'date inconnue'}) : ${preview.candidates.length} établissements dans le périmètre (${preview.places} lieux), rien n’a été écrit.`
					);
					for (const [kind, count] of [...byKind].sort((a, b) => b[1] - a[1])) {
						log(`  ${String(count).padStart(5)}  ${kind}`);
					}
					const linked = preview.candidates.filter((c) => c.status === 'linked').length;
					const updates = preview.candidates.filter((c) => c.status === 'update').length;
					const kept = preview.candidates.filter((c) => c.status === 'kept').length;
					log(
						`  ${updates} déjà importés de FINESS (mis à jour), ${kept} déjà saisis dans le territoire (laissés tels quels), ${linked} tenus par un autre territoire (liés, laissés tels quels), ${preview.unresolved.length} sans commune trouvée.`
					);
					return 0;
				}
				const result = await importFromFiness(db, CLI, territory, options);
				log(
					`Import FINESS dans ${territory} (extrait du ${result.extractDate ?? 'date inconnue'}) : ${result.created} structures créées (missions proposées, à confirmer), ${result.updated} mises à jour (champs du registre), ${result.kept} déjà saisies dans le territoire (laissées telles quelles), ${result.linked.length} liées (tenues par un autre territoire), ${result.excluded} écartées, en ${((performance.now() - started) / 1000).toFixed(1)} s.`
				);
				for (const w of result.warnings.slice(0, 20)) {
					log(`  ${w.id}, ${w.field} : ${w.message} (valeur du registre ignorée)`);
				}
				return 0;
			});
		}

		case 'import communes': {
			const file = required(arg, 'fichier GeoJSON');
			if (!fs.existsSync(file)) throw new CliError(`fichier introuvable : ${file}`);
			log(`Lecture de ${file}…`);
			const collection = readGeojsonFile(file);
			return withDatabase(async ({ db }) => {
				await ensureGeography(db, log);
				const started = performance.now();
				const result = await importBoundaries(db, collection);
				await audit(db, {
					actor: CLI_ACTOR,
					action: 'import.communes',
					outcome: 'success',
					details: { features: result.features, added: result.added }
				});
				log(
					`${result.features} limites importées (${result.added} lieux ajoutés, ${result.updated} mis à jour${result.merged > 0 ? `, ${result.merged} communes fusionnées rattachées à la commune qui les a absorbées` : ''}${result.unmapped > 0 ? `, ${result.unmapped} codes inconnus de la liste officielle gardés tels quels` : ''}) en ${((performance.now() - started) / 1000).toFixed(1)} s.`
				);
				return 0;
			});
		}

		case 'geo load': {
			const given = (values.department ?? []).flatMap((d) => d.split(',')).map((d) => d.trim());
			if (values.all === given.length > 0) {
				throw new UsageError('--department CODE ou --all attendu (l’un ou l’autre)');
			}
			const files = shippedDepartmentFiles();
			const departments = given.map((input) => {
				const department = normalizeDepartment(input);
				if (!department || !files.has(department)) {
					throw new CliError(
						`département sans limites livrées : ${input} (livrés : ${[...files.keys()].join(', ')})`
					);
				}
				return department;
			});
			return withDatabase(async ({ db }) => {
				await ensureGeography(db, log);
				const started = performance.now();
				if (values.all) {
					// The background load's own loop, without its pauses: nothing else waits here.
					const run = await loadBoundariesInBackground(db, { progress: log, pauseMs: 0 });
					if (run.departments.length === 0) log('Limites de tous les départements déjà chargées.');
					const result = await run.done;
					return result.failed.length > 0 ? 1 : 0;
				}
				const loads = await ensureDepartmentBoundaries(db, departments);
				const names = referenceNames().departments;
				for (const department of new Set(departments)) {
					const load = loads.find((l) => l.department === department);
					const name = `${department} (${names.get(department) ?? 'département'})`;
					log(
						load
							? `${name} : ${load.communes} limites chargées en ${(load.ms / 1000).toFixed(1)} s.`
							: `${name} : limites déjà chargées.`
					);
				}
				log(`Terminé en ${((performance.now() - started) / 1000).toFixed(1)} s.`);
				return 0;
			});
		}

		case 'export structures': {
			const territory = required(values.territory?.[0], '--territory');
			const format = values.format ?? 'json';
			const writers = {
				json: structuresToJson,
				csv: structuresToCsv,
				geojson: structuresToGeojson
			};
			if (!(format in writers)) {
				throw new UsageError(`--format : json, csv ou geojson attendu, reçu « ${format} »`);
			}
			return withDatabase(async ({ db }) => {
				if (!(await territoryExists(db, territory)))
					throw new CliError(`territoire inconnu : ${territory}`);
				const rows = await exportStructures(db, territory);
				const text = writers[format as keyof typeof writers](rows);
				if (values.output) {
					fs.writeFileSync(values.output, text);
					log(`${rows.length} structures écrites dans ${values.output}.`);
				} else process.stdout.write(text);
				return 0;
			});
		}

		case 'export data-inclusion': {
			const territory = required(values.territory?.[0], '--territory');
			const dir = values.output ?? values.out ?? '.';
			if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory())
				throw new UsageError(`--output : un dossier est attendu, ${dir} est un fichier`);
			return withDatabase(async ({ db }) => {
				const result = await exportDataInclusion(db, CLI, territory);
				fs.mkdirSync(dir, { recursive: true });
				// Both files or neither: each written beside its final name, then renamed.
				const files = [
					['structures.json', result.structures],
					['services.json', result.services]
				] as const;
				for (const [name, records] of files)
					fs.writeFileSync(path.join(dir, `.${name}.tmp`), JSON.stringify(records, null, 2) + '\n');
				for (const [name] of files)
					fs.renameSync(path.join(dir, `.${name}.tmp`), path.join(dir, name));
				for (const warning of result.warnings) log(`Avertissement : ${warning}`);
				log(
					`${result.structures.length} structures et ${result.services.length} services écrits dans ${path.join(dir, 'structures.json')} et ${path.join(dir, 'services.json')}.`
				);
				return 0;
			});
		}

		case 'import data-inclusion': {
			const territory = required(values.territory?.[0], '--territory');
			const mode = values.mode ?? 'upsert';
			if (mode !== 'upsert' && mode !== 'replace') {
				throw new UsageError(`--mode : « upsert » ou « replace » attendu, reçu « ${mode} »`);
			}
			const files = readDataInclusionFiles([
				required(arg, 'dossier ou fichiers à importer'),
				...more
			]);
			return withDatabase(async ({ db }) => {
				await ensureGeography(db, log);
				if (!(await territoryExists(db, territory))) {
					throw new CliError(`territoire inconnu : ${territory} (créez-le avec « territory put »)`);
				}
				const result = await importDataInclusion(db, CLI, territory, files, mode);
				for (const warning of result.warnings) log(`Avertissement : ${warning}`);
				log(
					`Import data·inclusion dans ${territory} : ${result.total} structures (${result.created} créées, ${result.updated} mises à jour, ${result.deleted} retirées)${result.warnings.length > 0 ? `, ${result.warnings.length} avertissement(s)` : ''}.`
				);
				return 0;
			});
		}

		case 'user create': {
			const email = required(values.email, '--email');
			const role = required(values.role, '--role');
			return withDatabase(async ({ db }) => {
				const { user, oneTimePassword } = await createUser(db, CLI, {
					email,
					role,
					territories: values.territory ?? [],
					password: values.password,
					structures: values.structure ?? []
				});
				log(
					`Compte ${user.email} créé (${user.role}${user.territories.length > 0 ? `, ${user.territories.join(', ')}` : ', tous les territoires'}).`
				);
				if (oneTimePassword) {
					log('Mot de passe à usage unique (à changer à la première connexion) :');
					console.log(oneTimePassword);
				}
				return 0;
			});
		}

		case 'token create': {
			const role = required(values.role, '--role');
			const name = required(values.name, '--name');
			return withDatabase(async ({ db }) => {
				if ((values.structure?.length ?? 0) > 1)
					throw new UsageError('un jeton répond pour une structure au plus (--structure ID)');
				const { token, summary } = await createApiToken(db, CLI, {
					name,
					role,
					territories: values.territory ?? [],
					...(values.structure?.[0] ? { structure: values.structure[0] } : {})
				});
				log(`Jeton « ${summary.name} » créé (${summary.role}). Il ne sera plus affiché :`);
				console.log(token);
				return 0;
			});
		}

		case 'referrals run': {
			const now = values.now === undefined ? new Date() : new Date(values.now);
			if (Number.isNaN(now.getTime()))
				throw new UsageError(
					`--now : instant ISO 8601 attendu (2026-12-01T08:00:00Z), reçu ${values.now}`
				);
			return withDatabase(async ({ db }) => {
				const r = await runReferralJobs(db, now);
				log(
					`Circuit d’orientation : ${r.reminders} relance(s), ${r.finalReminders} dernière(s) relance(s), ${r.expired} orientation(s) expirée(s) ; courriels : ${r.mail.sent} envoyé(s), ${r.mail.logged} écrit(s) dans le journal, ${r.mail.failed} en échec.`
				);
				return r.mail.failed > 0 ? 1 : 0;
			});
		}

		case 'purge':
			return withDatabase(async ({ db }) => {
				const result = await purge(db);
				log(
					`Purge faite (conservation ${result.retentionMonths} mois) : ${result.sessions} session(s) expirée(s), ${result.throttle} compteur(s) de connexion.`
				);
				return 0;
			});

		default:
			throw new UsageError(`commande inconnue : ${positionals.join(' ')}`);
	}
}

function report(error: unknown): number {
	if (error instanceof UsageError) {
		log(`Erreur : ${error.message}\n\n${USAGE}`);
		return 2;
	}
	if (error instanceof ServiceError) {
		// An AccountError's message is its issues already; another refusal says both.
		const issues = issuesMessage(error.issues);
		log(
			`Erreur : ${error.message === issues || !issues ? error.message : `${error.message}\n${issues}`}`
		);
		return 1;
	}
	if (
		error instanceof CliError ||
		error instanceof ImportError ||
		error instanceof BoundaryImportError ||
		error instanceof TerritoryError ||
		error instanceof DataDirBusyError ||
		error instanceof DataDirUnwritableError
	) {
		log(`Erreur : ${error.message}`);
		return 1;
	}
	if (
		error instanceof Error &&
		'code' in error &&
		String(error.code).startsWith('ERR_PARSE_ARGS')
	) {
		log(`Erreur : ${error.message}\n\n${USAGE}`);
		return 2;
	}
	log(
		`Erreur inattendue : ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
	);
	return 1;
}

main(process.argv.slice(2)).then(
	(code) => {
		process.exitCode = code;
	},
	(error: unknown) => {
		process.exitCode = report(error);
	}
);
