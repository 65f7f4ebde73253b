import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '$lib/server/config';
import type { Db } from '$lib/server/db/client';
import { notifications, orientations } from '$lib/server/db/schema';
import { newOrientationMail } from '$lib/server/mail/messages';
import { deliverPending, queueMail, type OutgoingMail } from '$lib/server/mail/outbox';
import { mailEnabled, resetMailTransport } from '$lib/server/mail/transport';
import { DATABASES, useTestDatabase } from '../helpers/databases';
import { startSmtpServer, type TestSmtpServer } from '../setup/smtp-server';

/** A bare orientation for the messages to be about (no structure, nothing on a person). */
async function insertOrientation(db: Db): Promise<{ id: string; reference: string }> {
	const [row] = await db
		.insert(orientations)
		.values({
			id: randomUUID(),
			commune: '13204',
			problems: ['isolement_social'],
			criteria: [],
			requestType: 'orientation',
			computedLevel: 'n1',
			level: 'n1',
			consent: true,
			orphan: true,
			status: 'sent'
		})
		.returning({ id: orientations.id, reference: orientations.reference });
	return row!;
}

function mailAbout(orientationId: string | null, reference: string, key = 'new'): OutgoingMail {
	const text = newOrientationMail({
		reference,
		structureName: 'CLIC du Vieux-Port',
		territoryName: 'Marseille 4-12',
		link: `https://bon-tiers.example.fr/structures/s1/demandes/${orientationId ?? 'aucune'}`
	});
	return {
		orientationId,
		key,
		kind: 'new_orientation',
		recipients: ['Membre.Un@Example.fr', 'membre.deux@example.fr', ' membre.un@example.fr '],
		...text
	};
}

async function rowOf(db: Db, id: number) {
	const [row] = await db.select().from(notifications).where(eq(notifications.id, id));
	return row!;
}

/** A port nothing listens on: the server that refuses every connection. */
async function closedPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address() as net.AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return address.port;
}

const savedSmtpUrl = process.env.SMTP_URL;
const savedMailFrom = process.env.MAIL_FROM;

function useSmtp(url: string | undefined): void {
	if (url === undefined) delete process.env.SMTP_URL;
	else process.env.SMTP_URL = url;
}

describe('mail configuration', () => {
	it('reads SMTP_URL and MAIL_FROM, with a French message and no password when wrong', () => {
		const base = { DATA_DIR: '/tmp/x' };
		expect(readConfig(base).mail).toEqual({
			smtpUrl: undefined,
			from: 'Bon Tiers <ne-pas-repondre@localhost>'
		});
		expect(readConfig({ ...base, SMTP_URL: '' }).mail.smtpUrl).toBeUndefined();
		expect(readConfig({ ...base, ORIGIN: 'https://bon-tiers.exemple.fr' }).mail.from).toBe(
			'Bon Tiers <ne-pas-repondre@bon-tiers.exemple.fr>'
		);
		expect(readConfig({ ...base, ORIGIN: 'http://192.168.1.20:3000' }).mail.from).toBe(
			'Bon Tiers <ne-pas-repondre@localhost>'
		);
		expect(readConfig({ ...base, MAIL_FROM: 'CLIC <clic@exemple.fr>' }).mail.from).toBe(
			'CLIC <clic@exemple.fr>'
		);
		expect(readConfig({ ...base, SMTP_URL: 'smtps://u:p@mail.exemple.fr:465' }).mail.smtpUrl).toBe(
			'smtps://u:p@mail.exemple.fr:465'
		);
		for (const wrong of ['http://u:motdepasse-secret@mail.exemple.fr', 'mail.exemple.fr:587']) {
			expect(() => readConfig({ ...base, SMTP_URL: wrong })).toThrow(
				/^Configuration invalide : SMTP_URL doit être une adresse smtp:\/\/ ou smtps:\/\//
			);
			try {
				readConfig({ ...base, SMTP_URL: wrong });
			} catch (error) {
				expect(String(error)).not.toContain('motdepasse-secret');
			}
		}
		expect(() => readConfig({ ...base, MAIL_FROM: 'personne' })).toThrow(/MAIL_FROM/);
		expect(mailEnabled({ ...base })).toBe(false);
		expect(mailEnabled({ ...base, SMTP_URL: 'smtp://mail.exemple.fr:587' })).toBe(true);
	});
});

describe.each(DATABASES)('mail outbox on %s', (kind) => {
	const t = useTestDatabase(kind);
	let smtp: TestSmtpServer;

	beforeAll(async () => {
		smtp = await startSmtpServer();
	});
	afterAll(async () => {
		await smtp.stop();
		resetMailTransport();
	});
	beforeEach(async () => {
		await t.db.delete(notifications);
		smtp.clear();
		smtp.setRefusing(false);
		delete process.env.MAIL_FROM;
		useSmtp(smtp.url);
	});
	afterEach(() => {
		vi.restoreAllMocks();
		useSmtp(savedSmtpUrl);
		if (savedMailFrom === undefined) delete process.env.MAIL_FROM;
		else process.env.MAIL_FROM = savedMailFrom;
	});

	it('queues one message per orientation and key, recipients lowercased and deduplicated', async () => {
		const orientation = await insertOrientation(t.db);
		const mail = mailAbout(orientation.id, orientation.reference);
		const first = await t.db.transaction((tx) => queueMail(tx as unknown as Db, mail));
		const second = await t.db.transaction((tx) => queueMail(tx as unknown as Db, mail));
		expect(first).toEqual(expect.any(Number));
		expect(second).toBeNull();
		const rows = await t.db.select().from(notifications);
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({
			id: first,
			orientationId: orientation.id,
			key: 'new',
			kind: 'new_orientation',
			recipients: ['membre.un@example.fr', 'membre.deux@example.fr'],
			sentAt: null,
			claimedAt: null,
			attempts: 0
		});
		// Another key of the same orientation is another message.
		expect(
			await queueMail(t.db, mailAbout(orientation.id, orientation.reference, 'rappel:1'))
		).toEqual(expect.any(Number));
		// A message about no orientation (an invitation) is unique by its key too.
		const invitation = mailAbout(null, '', 'invitation:u1');
		expect(await t.db.transaction((tx) => queueMail(tx as unknown as Db, invitation))).toEqual(
			expect.any(Number)
		);
		expect(await t.db.transaction((tx) => queueMail(tx as unknown as Db, invitation))).toBeNull();
		// Nobody to write to: nothing queued.
		expect(
			await queueMail(t.db, {
				...mailAbout(orientation.id, orientation.reference, 'x'),
				recipients: [' ']
			})
		).toBeNull();
		expect(await t.db.select().from(notifications)).toHaveLength(3);
	});

	it('a rolled-back transaction queues nothing', async () => {
		const orientation = await insertOrientation(t.db);
		await expect(
			t.db.transaction(async (tx) => {
				await queueMail(tx as unknown as Db, mailAbout(orientation.id, orientation.reference));
				throw new Error('annulé');
			})
		).rejects.toThrow('annulé');
		expect(await t.db.select().from(notifications)).toHaveLength(0);
	});

	it('delivers through SMTP once, to the recipients only, with the link', async () => {
		const orientation = await insertOrientation(t.db);
		const mail = mailAbout(orientation.id, orientation.reference);
		const id = (await queueMail(t.db, mail))!;

		expect(await deliverPending(t.db)).toEqual({ sent: 1, logged: 0, failed: 0 });
		const received = await smtp.waitFor((m) => m.subject === mail.subject);
		expect(received.to.sort()).toEqual(['membre.deux@example.fr', 'membre.un@example.fr']);
		expect(received.from).toBe('ne-pas-repondre@localhost');
		expect(received.subject).toBe(
			`Nouvelle orientation ${orientation.reference} pour CLIC du Vieux-Port`
		);
		expect(received.text).toContain(
			`https://bon-tiers.example.fr/structures/s1/demandes/${orientation.id}`
		);
		// No recipient reads another's address in the headers.
		expect(received.headers.get('to')).not.toContain('@example.fr');
		expect(received.headers.has('bcc')).toBe(false);
		expect(received.headers.get('from')).toContain('Bon Tiers <ne-pas-repondre@localhost>');

		const row = await rowOf(t.db, id);
		expect(row.sentAt).toBeInstanceOf(Date);
		expect(row.transport).toBe('smtp');
		expect(row.attempts).toBe(0);

		expect(await deliverPending(t.db)).toEqual({ sent: 0, logged: 0, failed: 0 });
		expect(smtp.messages).toHaveLength(1);
	});

	it('without SMTP_URL, writes each message to the log and marks it so', async () => {
		useSmtp(undefined);
		const log = vi.spyOn(console, 'log').mockImplementation(() => {});
		const orientation = await insertOrientation(t.db);
		const mail = mailAbout(orientation.id, orientation.reference);
		const id = (await queueMail(t.db, mail))!;

		expect(await deliverPending(t.db)).toEqual({ sent: 0, logged: 1, failed: 0 });
		expect(log).toHaveBeenCalledTimes(1);
		expect(log).toHaveBeenCalledWith(
			`[bon-tiers] Courriel non envoyé (SMTP_URL non configuré) à membre.un@example.fr, ` +
				`membre.deux@example.fr : ${mail.subject} — ` +
				`https://bon-tiers.example.fr/structures/s1/demandes/${orientation.id}`
		);
		const row = await rowOf(t.db, id);
		expect(row.transport).toBe('log');
		expect(row.sentAt).toBeInstanceOf(Date);
		expect(smtp.messages).toHaveLength(0);
		expect(await deliverPending(t.db)).toEqual({ sent: 0, logged: 0, failed: 0 });
	});

	it('a server that cannot be reached leaves the message pending, delivered on a later run', async () => {
		vi.spyOn(console, 'error').mockImplementation(() => {});
		const orientation = await insertOrientation(t.db);
		const first = (await queueMail(t.db, mailAbout(orientation.id, orientation.reference)))!;
		const second = (await queueMail(t.db, mailAbout(orientation.id, orientation.reference, 'b')))!;
		useSmtp(`smtp://bontiers:mot-de-passe-secret@127.0.0.1:${await closedPort()}`);

		expect(await deliverPending(t.db)).toEqual({ sent: 0, logged: 0, failed: 1 });
		const failed = await rowOf(t.db, first);
		expect(failed).toMatchObject({ sentAt: null, claimedAt: null, attempts: 1, transport: null });
		expect(failed.lastError).toMatch(/^E[A-Z]+ : .*ECONNREFUSED/);
		expect(failed.lastError!.length).toBeLessThanOrEqual(300);
		expect(failed.lastError).not.toContain('mot-de-passe-secret');
		// The rest of the batch is released untried rather than charged for the same outage.
		expect(await rowOf(t.db, second)).toMatchObject({ sentAt: null, claimedAt: null, attempts: 0 });

		useSmtp(smtp.url);
		expect(await deliverPending(t.db)).toEqual({ sent: 2, logged: 0, failed: 0 });
		expect(await rowOf(t.db, first)).toMatchObject({ transport: 'smtp', attempts: 1 });
		expect(smtp.messages).toHaveLength(2);
	});

	it('a refused login is kept as an error without the password', async () => {
		vi.spyOn(console, 'error').mockImplementation(() => {});
		const orientation = await insertOrientation(t.db);
		const id = (await queueMail(t.db, mailAbout(orientation.id, orientation.reference)))!;
		const wrong = new URL(smtp.url);
		wrong.password = 'mauvais-mot-de-passe';
		useSmtp(wrong.href);
		expect(await deliverPending(t.db)).toEqual({ sent: 0, logged: 0, failed: 1 });
		const row = await rowOf(t.db, id);
		expect(row.lastError).toMatch(/^EAUTH/);
		expect(row.lastError).not.toContain('mauvais-mot-de-passe');
		expect(smtp.messages).toHaveLength(0);
	});

	it('a server that refuses the message counts an attempt; after five, the message is left alone', async () => {
		vi.spyOn(console, 'error').mockImplementation(() => {});
		const orientation = await insertOrientation(t.db);
		const id = (await queueMail(t.db, mailAbout(orientation.id, orientation.reference)))!;
		smtp.setRefusing(true);
		for (let attempt = 1; attempt <= 5; attempt++) {
			expect(await deliverPending(t.db)).toEqual({ sent: 0, logged: 0, failed: 1 });
			expect((await rowOf(t.db, id)).attempts).toBe(attempt);
		}
		expect((await rowOf(t.db, id)).lastError).toMatch(/451/);
		smtp.setRefusing(false);
		expect(await deliverPending(t.db)).toEqual({ sent: 0, logged: 0, failed: 0 });
		expect(smtp.messages).toHaveLength(0);
	});

	it('two concurrent runs send each message once', async () => {
		const orientation = await insertOrientation(t.db);
		const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
		for (const key of keys)
			await queueMail(t.db, mailAbout(orientation.id, orientation.reference, key));

		const runs = await Promise.all([
			deliverPending(t.db),
			deliverPending(t.db),
			deliverPending(t.db)
		]);
		expect(runs.reduce((total, run) => total + run.sent, 0)).toBe(keys.length);
		expect(runs.every((run) => run.failed === 0 && run.logged === 0)).toBe(true);
		expect(smtp.messages).toHaveLength(keys.length);
		const pending = await t.db
			.select({ count: sql<number>`count(*)::int` })
			.from(notifications)
			.where(sql`${notifications.sentAt} is null`);
		expect(pending[0]!.count).toBe(0);
	});

	it('takes over a stale claim, leaves a fresh one, and limits a run to the given ids', async () => {
		const orientation = await insertOrientation(t.db);
		const stale = (await queueMail(t.db, mailAbout(orientation.id, orientation.reference, 's')))!;
		const fresh = (await queueMail(t.db, mailAbout(orientation.id, orientation.reference, 'f')))!;
		const other = (await queueMail(t.db, mailAbout(orientation.id, orientation.reference, 'o')))!;
		const now = new Date();
		await t.db
			.update(notifications)
			.set({ claimedAt: new Date(now.getTime() - 11 * 60_000) })
			.where(eq(notifications.id, stale));
		await t.db
			.update(notifications)
			.set({ claimedAt: new Date(now.getTime() - 60_000) })
			.where(eq(notifications.id, fresh));

		expect(await deliverPending(t.db, { ids: [stale, fresh], now })).toEqual({
			sent: 1,
			logged: 0,
			failed: 0
		});
		expect((await rowOf(t.db, stale)).sentAt).toEqual(now);
		expect((await rowOf(t.db, fresh)).sentAt).toBeNull();
		expect((await rowOf(t.db, other)).sentAt).toBeNull();
		expect(await deliverPending(t.db, { ids: [] })).toEqual({ sent: 0, logged: 0, failed: 0 });
		expect(await deliverPending(t.db, { ids: [other] })).toEqual({ sent: 1, logged: 0, failed: 0 });
	});
});
