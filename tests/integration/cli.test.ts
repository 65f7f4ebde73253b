/**
 * The command line as a user runs it (contract §5): a child process on the embedded database
 * (DATA_DIR) and on PostgreSQL (DATABASE_URL). An import with one bad row exits ≠ 0 naming the row
 * and the field, and nothing is written; on the embedded database, a data dir held by a running
 * process is refused at once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock } from '$lib/server/db/lock';
import { runCli } from '../helpers/cli';
import { DATABASES, openTestDatabase, type TestDatabase } from '../helpers/databases';
import { DEMO_TERRITORY_ID, demoRecords } from '../factories/structures';
import { dataInclusionProblems } from '../helpers/data-inclusion-schema';

describe.each(DATABASES)('command line on %s', (kind) => {
	let dir: string;
	let env: Record<string, string>;
	let postgres: TestDatabase | undefined;
	const file = (name: string) => path.join(dir, name);
	const exportDemo = async () => {
		const result = await runCli(['export', 'structures', '--territory', DEMO_TERRITORY_ID], env);
		expect(result.code, result.stderr).toBe(0);
		return JSON.parse(result.stdout) as { id: string; name: string }[];
	};

	beforeAll(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bontiers-cli-'));
		// The embedded data dir lives in a sub-directory, next to the files the tests write.
		env = { DATA_DIR: file('data') };
		if (kind === 'postgres') {
			// A fresh, empty database; the CLI loads the geography itself, as on a new instance.
			postgres = await openTestDatabase('postgres');
			await postgres.database.close();
			env.DATABASE_URL = postgres.url ?? '';
		}
		const seeded = await runCli(['seed', 'demo'], env);
		expect(seeded.code, seeded.stderr).toBe(0);
		expect(seeded.stderr).toMatch(/33 structures/);
	});

	afterAll(async () => {
		await postgres?.close().catch(() => {});
		if (dir) fs.rmSync(dir, { recursive: true, force: true });
	});

	it('rejects a file with a bad row, naming the row and the field, and writes nothing', async () => {
		const before = await exportDemo();
		expect(before.map((s) => s.id)).toEqual(
			demoRecords()
				.map((s) => s.id)
				.sort()
		);
		// Every other row would rename a structure; `replace` would also delete the missing ones.
		const bad = before.slice(0, -2).map((s, i) => ({
			...s,
			name: `${s.name} (modifié)`,
			...(i === 2 ? { kind: 'hospice' } : {})
		}));
		fs.writeFileSync(file('bad.json'), JSON.stringify(bad));

		const result = await runCli(
			[
				'import',
				'structures',
				file('bad.json'),
				'--territory',
				DEMO_TERRITORY_ID,
				'--mode',
				'replace'
			],
			env
		);
		expect(result.code).not.toBe(0);
		expect(result.stderr).toMatch(/ligne 3, kind : .*hospice/);
		expect(result.stderr).not.toMatch(/Erreur inattendue/);
		expect(await exportDemo()).toEqual(before);
	});

	it('names the line of a CSV file (header = line 1)', async () => {
		fs.writeFileSync(
			file('bad.csv'),
			[
				'id,name,kind,coverage,problems,level_min,level_max',
				'cli:1,Premier,ccas,13204,droits,information,simple',
				'cli:2,Second,ccas,13204|99999,droits,information,simple'
			].join('\n')
		);
		const result = await runCli(
			['import', 'structures', file('bad.csv'), '--territory', DEMO_TERRITORY_ID],
			env
		);
		expect(result.code).not.toBe(0);
		expect(result.stderr).toMatch(/ligne 3, coverage : .*99999/);
		expect((await exportDemo()).map((s) => s.id)).not.toContain('cli:1');
	});

	it('imports a CSV file saved in Windows-1252, and its phone in E.164', async () => {
		// One byte a character: Windows-1252 writes é and « » as 0xE9, 0xAB and 0xBB, as Latin-1.
		const text = [
			'id;name;kind;coverage;problems;level_min;level_max;phone',
			'cli:cp1252;Résidence « Les Lilas »;ccas;13204;droits;information;simple;04 91 23 45 67'
		].join('\r\n');
		fs.writeFileSync(file('excel.csv'), Uint8Array.from([...text].map((c) => c.charCodeAt(0))));
		// A territory of its own: the demo's structures are counted by the other tests.
		const put = await runCli(
			['territory', 'put', 'cli-cp1252', '--name', 'Essai', '--communes', '13204'],
			env
		);
		expect(put.code, put.stderr).toBe(0);
		const result = await runCli(
			['import', 'structures', file('excel.csv'), '--territory', 'cli-cp1252'],
			env
		);
		expect(result.code, result.stderr).toBe(0);
		// Its progress on stderr, a line per phase at least (issue 17).
		expect(result.stderr).toMatch(/^vérification : 1 \/ 1$/m);
		expect(result.stderr).toMatch(/^structures : 1 \/ 1$/m);
		expect(result.stderr).toMatch(/^communes couvertes : 1 \/ 1$/m);
		const exported = await runCli(['export', 'structures', '--territory', 'cli-cp1252'], env);
		expect(exported.code, exported.stderr).toBe(0);
		expect(JSON.parse(exported.stdout)).toEqual([
			expect.objectContaining({ name: 'Résidence « Les Lilas »', phone: '+33491234567' })
		]);
	});

	it('imports a valid file and says what it did', async () => {
		const [first] = demoRecords();
		fs.writeFileSync(file('one.json'), JSON.stringify([{ ...first, name: 'Nouveau nom' }]));
		const result = await runCli(
			['import', 'structures', file('one.json'), '--territory', DEMO_TERRITORY_ID],
			env
		);
		expect(result.code, result.stderr).toBe(0);
		expect(result.stderr).toMatch(/1 structures \(0 créées, 1 mises à jour, 0 retirées\)/);
		const after = await exportDemo();
		expect(after.find((s) => s.id === first?.id)?.name).toBe('Nouveau nom');
		expect(after).toHaveLength(demoRecords().length);
	});

	it('exports data·inclusion files and reads them back, all or nothing, its warnings printed', async () => {
		const count = demoRecords().length;
		const out = file('di');
		const exported = await runCli(
			['export', 'data-inclusion', '--territory', DEMO_TERRITORY_ID, '--output', out],
			env
		);
		expect(exported.code, exported.stderr).toBe(0);
		expect(exported.stderr).toContain(`${count} structures et ${count} services écrits`);
		const read = (name: string) =>
			JSON.parse(fs.readFileSync(path.join(out, name), 'utf8')) as Record<string, unknown>[];
		const [structures, services] = [read('structures.json'), read('services.json')];
		expect(structures).toHaveLength(count);
		expect(dataInclusionProblems('structure', structures)).toEqual([]);
		expect(dataInclusionProblems('service', services)).toEqual([]);
		const before = await exportDemo();

		// One bad value in one service: refused naming the file, record and field; nothing written.
		const broken = structuredClone(services);
		(broken[1]?.bon_tiers as Record<string, unknown>).level_max = 'enorme';
		fs.mkdirSync(file('di-bad'));
		fs.writeFileSync(file('di-bad/structures.json'), JSON.stringify(structures));
		fs.writeFileSync(file('di-bad/services.json'), JSON.stringify(broken));
		const bad = await runCli(
			[
				'import',
				'data-inclusion',
				file('di-bad'),
				'--territory',
				DEMO_TERRITORY_ID,
				'--mode',
				'replace'
			],
			env
		);
		expect(bad.code).not.toBe(0);
		expect(bad.stderr).toMatch(
			/services\.json, enregistrement 2 \([^)]+\), bon_tiers\.level_max : .*enorme/
		);
		expect(bad.stderr).not.toMatch(/Erreur inattendue/);
		expect(await exportDemo()).toEqual(before);

		// Another producer's service: imported through the mapping, each gap printed.
		fs.writeFileSync(
			file('dora.json'),
			JSON.stringify({
				structures: [{ id: 'cli:dora-s1', nom: 'Centre social', date_maj: '2025-01-02' }],
				services: [
					{
						id: 'cli:dora-v1',
						structure_id: 'cli:dora-s1',
						nom: 'Soutien aux aidants',
						date_maj: '2025-01-02',
						thematiques: ['famille--soutien-aidants', 'mobilite--preparer-un-permis'],
						zone_eligibilite: ['13204']
					}
				]
			})
		);
		const foreign = await runCli(
			['import', 'data-inclusion', file('dora.json'), '--territory', DEMO_TERRITORY_ID],
			env
		);
		expect(foreign.code, foreign.stderr).toBe(0);
		expect(foreign.stderr).toMatch(
			/Avertissement : services\.json, enregistrement 1 \(cli:dora-v1\), thematiques : .*mobilite--preparer-un-permis.*sans équivalent/
		);
		expect(foreign.stderr).toMatch(/1 structures \(1 créées/);
		expect((await exportDemo()).map((s) => s.id)).toContain('cli:dora-v1');

		// The two files by their names, replacing: every structure read back as it was, the other
		// producer's one removed.
		const good = await runCli(
			[
				'import',
				'data-inclusion',
				path.join(out, 'services.json'),
				path.join(out, 'structures.json'),
				'--territory',
				DEMO_TERRITORY_ID,
				'--mode',
				'replace'
			],
			env
		);
		expect(good.code, good.stderr).toBe(0);
		expect(good.stderr).toContain(
			`${count} structures (0 créées, ${count} mises à jour, 1 retirées)`
		);
		expect(good.stderr).not.toMatch(/Avertissement/);
		expect(await exportDemo()).toEqual(before);
	});

	it('loads the shipped boundaries of a département, those it has not loaded yet', async () => {
		// One child process (each costs seconds): the département services are tested on their own.
		const result = await runCli(['geo', 'load', '--department', '90,13'], env);
		expect(result.code, result.stderr).toBe(0);
		expect(result.stderr).toMatch(/90 \(Territoire de Belfort\) : \d+ limites chargées en/);
		expect(result.stderr).toMatch(/13 \(Bouches-du-Rhône\) : limites déjà chargées\./);
	});

	if (kind === 'pglite') {
		it('refuses at once while a running process holds the data dir, naming it', async () => {
			const lock = acquireDataDirLock(file('data'), {
				role: 'server',
				url: 'http://localhost:5173'
			});
			try {
				const result = await runCli(
					['export', 'structures', '--territory', DEMO_TERRITORY_ID],
					env,
					30_000
				);
				expect(result.code).not.toBe(0);
				// Refused before the database is opened: no migration, no geography, no output.
				expect(result.stderr).not.toMatch(/Chargement|Migrations/);
				expect(result.stdout).toBe('');
				expect(result.stderr).toContain(`pid ${process.pid}`);
				expect(result.stderr).toContain('http://localhost:5173');
				expect(result.stderr).toMatch(/serveur Bon Tiers/);
				// The lock is still this process' own.
				const content = JSON.parse(fs.readFileSync(file('data/bon-tiers.lock'), 'utf8')) as {
					pid: number;
				};
				expect(content.pid).toBe(process.pid);
			} finally {
				lock.release();
			}
			// Once released, the same command works.
			expect((await exportDemo()).length).toBe(demoRecords().length);
		});

		it('says plainly that a DATA_DIR it cannot write to is unusable, without a stack trace', async () => {
			// Under a plain file, the directory can never be made (ENOTDIR), even for root, whose
			// permission bits a read-only test folder would not stop.
			const blocker = file('pas-un-dossier');
			fs.writeFileSync(blocker, 'x');
			const result = await runCli(
				['export', 'structures', '--territory', DEMO_TERRITORY_ID],
				{ DATA_DIR: path.join(blocker, 'data') },
				30_000
			);
			expect(result.code).toBe(1);
			expect(result.stderr).toContain('n’est pas utilisable');
			expect(result.stderr).toContain('ENOTDIR');
			expect(result.stderr).toContain('DATA_DIR');
			expect(result.stderr).not.toMatch(/\n\s+at /);
		});
	} else {
		it('ignores the embedded data dir lock: with DATABASE_URL, processes share the database', async () => {
			const lock = acquireDataDirLock(file('data'), { role: 'server' });
			try {
				expect((await exportDemo()).length).toBe(demoRecords().length);
			} finally {
				lock.release();
			}
		});
	}
});
