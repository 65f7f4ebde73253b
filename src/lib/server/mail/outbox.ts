import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '$lib/server/db/client';
import { notifications } from '$lib/server/db/schema';
import { readConfig } from '$lib/server/config';
import { envelopeAddress, mailTransport, withoutCredentials } from './transport';

/**
 * The referral loop's e-mail as an outbox (contract §6–§7). A service that changes an orientation
 * queues its messages in `notifications` within its own transaction, so a message exists exactly
 * when the change does; a delivery run sends them afterwards, through SMTP or, without SMTP_URL,
 * to the server's log. Rows are claimed before being sent, so that several servers sharing one
 * PostgreSQL never send one message twice.
 *
 * One SMTP message per notification, its recipients in the envelope only (the `To:` header says
 * `undisclosed-recipients`): nobody sees another recipient's address — a structure's members may
 * well know each other, but an expiry notice goes to the orienting agent and the members together,
 * and a partner's address is not the agent's to give out. One message rather than one per
 * recipient keeps a delivery all-or-nothing: a retry after a failure never sends a second copy to
 * the recipients a first, partial run had reached.
 */

export interface OutgoingMail {
	/** The orientation it is about; null for a message about none (an invitation). */
	orientationId: string | null;
	/** What makes the message unique for its orientation (`new`, `reminder:1`, `answer:<event>`). */
	key: string;
	kind: string;
	recipients: string[];
	subject: string;
	body: string;
}

/** Rows a delivery run claims at most, so that it ends well within {@link CLAIM_LIFETIME_MS}. */
const BATCH_SIZE = 20;
/** A claim older than this is taken for the mark of a run that died: the row is claimed again. */
const CLAIM_LIFETIME_MS = 10 * 60 * 1000;
/** Failed deliveries after which a message is left alone (it stays in the table, unsent). */
const MAX_ATTEMPTS = 5;
const MAX_ERROR_LENGTH = 300;

/** Lowercased, trimmed, without duplicates or empty entries, in their first order. */
function normalizeRecipients(recipients: readonly string[]): string[] {
	const seen = new Set<string>();
	for (const recipient of recipients) {
		const address = recipient.trim().toLowerCase();
		if (address !== '') seen.add(address);
	}
	return [...seen];
}

/**
 * Inserts one message in `notifications` within the caller's transaction; unique
 * (orientation_id, key) ⇒ a second queue of the same key does nothing. Returns its id, or null if
 * it was already there. Recipients deduplicated, lowercased; no recipient ⇒ nothing queued
 * (returns null).
 */
export async function queueMail(tx: Db, mail: OutgoingMail): Promise<number | null> {
	const recipients = normalizeRecipients(mail.recipients);
	if (recipients.length === 0) return null;
	if (mail.orientationId === null) {
		// The unique index holds NULLs distinct, so it cannot tell two messages of no orientation
		// apart: the key is locked for the rest of the caller's transaction, then looked up.
		await tx.execute(
			sql`select pg_advisory_xact_lock(hashtext(${`bon-tiers:notifications:${mail.key}`}))`
		);
		const [existing] = await tx
			.select({ id: notifications.id })
			.from(notifications)
			.where(and(isNull(notifications.orientationId), eq(notifications.key, mail.key)))
			.limit(1);
		if (existing) return null;
	}
	const [row] = await tx
		.insert(notifications)
		.values({
			orientationId: mail.orientationId,
			key: mail.key,
			kind: mail.kind,
			recipients,
			subject: mail.subject,
			body: mail.body
		})
		.onConflictDoNothing({ target: [notifications.orientationId, notifications.key] })
		.returning({ id: notifications.id });
	return row?.id ?? null;
}

interface ClaimedMail {
	id: number;
	recipients: string[];
	subject: string;
	body: string;
	attempts: number;
}

/**
 * Takes up to {@link BATCH_SIZE} pending rows in one statement. On PostgreSQL, `SKIP LOCKED`
 * makes a concurrent run pass over the rows this one is taking, and a row another run claimed
 * and committed in the meantime fails the outer condition when PostgreSQL re-reads it, so no row
 * is ever returned to two runs. PGlite runs one statement at a time: the same holds trivially.
 */
async function claim(db: Db, now: Date, ids: number[] | undefined): Promise<ClaimedMail[]> {
	const staleBefore = new Date(now.getTime() - CLAIM_LIFETIME_MS);
	const claimable = and(
		isNull(notifications.sentAt),
		lt(notifications.attempts, MAX_ATTEMPTS),
		or(isNull(notifications.claimedAt), lt(notifications.claimedAt, staleBefore)),
		ids ? inArray(notifications.id, ids) : undefined
	);
	const candidates = db
		.select({ id: notifications.id })
		.from(notifications)
		.where(claimable)
		.orderBy(notifications.id)
		.limit(BATCH_SIZE)
		.for('update', { skipLocked: true });
	const rows = await db
		.update(notifications)
		.set({ claimedAt: now })
		.where(and(inArray(notifications.id, candidates), claimable))
		.returning({
			id: notifications.id,
			recipients: notifications.recipients,
			subject: notifications.subject,
			body: notifications.body,
			attempts: notifications.attempts
		});
	return rows.sort((a, b) => a.id - b.id);
}

/** The first http(s) link of a body: what the log line shows of a message. */
function firstLink(body: string): string | undefined {
	return /https?:\/\/[^\s<>"]+/.exec(body)?.[0];
}

function logLine(mail: ClaimedMail): string {
	const link = firstLink(mail.body);
	return (
		`[bon-tiers] Courriel non envoyé (SMTP_URL non configuré) à ${mail.recipients.join(', ')} : ` +
		`${mail.subject}${link ? ` — ${link}` : ''}`
	);
}

/**
 * What is kept of a failed delivery: nodemailer's code (`ECONNECTION`, `EAUTH`, `EENVELOPE`) and
 * its message on one line, short, without the SMTP credentials.
 */
function describeFailure(error: unknown, smtpUrl: string | undefined): string {
	const fields = (error && typeof error === 'object' ? error : {}) as {
		code?: unknown;
		message?: unknown;
	};
	const code = typeof fields.code === 'string' ? fields.code : undefined;
	const message = typeof fields.message === 'string' ? fields.message : String(error);
	const text = withoutCredentials(code ? `${code} : ${message}` : message, smtpUrl)
		.replace(/\s+/g, ' ')
		.trim();
	return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/**
 * nodemailer's codes for a server that cannot be reached or will not let this instance in, as
 * opposed to one message refused (EENVELOPE, EMESSAGE): the rest of the batch would fail alike.
 */
const SERVER_FAILURES = new Set([
	'ECONNECTION',
	'ETIMEDOUT',
	'ESOCKET',
	'EDNS',
	'ETLS',
	'EPROXY',
	'EAUTH',
	'ENOAUTH',
	'ECONFIG'
]);

function isServerFailure(error: unknown): boolean {
	const code = (error as { code?: unknown } | null)?.code;
	return typeof code === 'string' && SERVER_FAILURES.has(code);
}

/** Runs a bookkeeping write; a failure is logged, never thrown (the caller reports counts). */
async function record(what: string, write: () => Promise<unknown>): Promise<void> {
	try {
		await write();
	} catch (error) {
		console.error(`[bon-tiers] Courriels : ${what} impossible à enregistrer`, error);
	}
}

/**
 * Delivers pending messages (sent_at null): claims them first (claimed_at set, in one
 * UPDATE … RETURNING on rows not claimed or claimed more than 10 minutes ago, attempts < 5) so two
 * servers never send one twice; sends each through SMTP, or writes it to the log when SMTP_URL is
 * unset; sets sent_at and transport (`smtp` | `log`); on failure increments attempts, keeps
 * last_error (short, no secrets) and clears claimed_at. Never throws: returns counts. `ids`
 * limits the run to those rows (a service delivering what it has just queued).
 *
 * When the server cannot be reached or refuses the login, the rest of the batch is released untried (neither sent nor
 * counted as failed) rather than charged an attempt each for the same outage.
 */
export async function deliverPending(
	db: Db,
	options: { ids?: number[]; now?: Date } = {}
): Promise<{ sent: number; logged: number; failed: number }> {
	const counts = { sent: 0, logged: 0, failed: 0 };
	if (options.ids && options.ids.length === 0) return counts;
	const at = () => options.now ?? new Date();

	let claimed: ClaimedMail[];
	let config: ReturnType<typeof readConfig>['mail'];
	try {
		config = readConfig().mail;
		claimed = await claim(db, at(), options.ids);
	} catch (error) {
		console.error('[bon-tiers] Courriels : distribution impossible', error);
		return counts;
	}

	const transport = config.smtpUrl ? mailTransport(config) : null;
	for (const [index, mail] of claimed.entries()) {
		if (!transport) {
			console.log(logLine(mail));
			await record(`le courriel ${mail.id}`, () =>
				db
					.update(notifications)
					.set({ sentAt: at(), transport: 'log' })
					.where(eq(notifications.id, mail.id))
			);
			counts.logged++;
			continue;
		}
		try {
			await transport.sendMail({
				from: config.from,
				to: 'undisclosed-recipients:;',
				envelope: { from: envelopeAddress(config.from), to: mail.recipients },
				subject: mail.subject,
				text: mail.body
			});
		} catch (error) {
			const lastError = describeFailure(error, config.smtpUrl);
			console.error(
				`[bon-tiers] Courriel ${mail.id} non remis (tentative ${mail.attempts + 1}/${MAX_ATTEMPTS}) : ${lastError}`
			);
			await record(`l’échec du courriel ${mail.id}`, () =>
				db
					.update(notifications)
					.set({ attempts: sql`${notifications.attempts} + 1`, lastError, claimedAt: null })
					.where(eq(notifications.id, mail.id))
			);
			counts.failed++;
			if (isServerFailure(error)) {
				const untried = claimed.slice(index + 1).map((m) => m.id);
				if (untried.length > 0) {
					await record('la remise en attente des courriels', () =>
						db
							.update(notifications)
							.set({ claimedAt: null })
							.where(inArray(notifications.id, untried))
					);
				}
				break;
			}
			continue;
		}
		await record(`le courriel ${mail.id}`, () =>
			db
				.update(notifications)
				.set({ sentAt: at(), transport: 'smtp' })
				.where(eq(notifications.id, mail.id))
		);
		counts.sent++;
	}
	return counts;
}
