/**
 * A local SMTP server for the tests of the referral loop's e-mail: listens on 127.0.0.1 (a free
 * port), accepts the given user and password (or anyone, without `auth`), and keeps what it
 * receives. Plain text only: STARTTLS is disabled, so that nodemailer does not try to upgrade to
 * a TLS the server has no certificate for, and AUTH is allowed over the clear connection.
 *
 *   const smtp = await startSmtpServer();
 *   process.env.SMTP_URL = smtp.url;
 *   …
 *   await smtp.waitFor((m) => m.subject.includes('OR-2026'));
 *   await smtp.stop();
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
	/** The envelope's sender (MAIL FROM). */
	from: string;
	/** The envelope's recipients (RCPT TO): who it is delivered to, Bcc included. */
	to: string[];
	subject: string;
	text: string;
	/** The message's headers, lowercased names (`to`, `from`, `bcc`…), as raw lines. */
	headers: Map<string, string>;
}

export interface TestSmtpServer {
	/** `smtp://user:pass@127.0.0.1:PORT` (no credentials with `auth: false`). */
	url: string;
	port: number;
	/** Every message received, in order. */
	messages: ReceivedMail[];
	/** Resolves with the first message matching, waiting for it up to `timeoutMs`. */
	waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
	/** While set, every message is refused with a temporary failure (451). */
	setRefusing(refusing: boolean): void;
	clear(): void;
	stop(): Promise<void>;
}

export async function startSmtpServer(
	options: { auth?: { user: string; pass: string } | false } = {}
): Promise<TestSmtpServer> {
	const auth =
		options.auth === undefined ? { user: 'bontiers', pass: 'secret-smtp-42' } : options.auth;
	const messages: ReceivedMail[] = [];
	const waiters = new Set<() => void>();
	let refusing = false;

	const server = new SMTPServer({
		logger: false,
		disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
		allowInsecureAuth: true,
		authOptional: !auth,
		onAuth(credentials, _session, callback) {
			if (auth && credentials.username === auth.user && credentials.password === auth.pass) {
				callback(null, { user: credentials.username });
			} else {
				callback(new Error('Identifiants refusés'));
			}
		},
		onMailFrom(_address, _session, callback) {
			if (!refusing) return callback();
			const error = new Error('Service temporairement indisponible') as Error & {
				responseCode: number;
			};
			error.responseCode = 451;
			callback(error);
		},
		onData(stream, session, callback) {
			simpleParser(stream)
				.then((parsed) => {
					const headers = new Map<string, string>();
					for (const line of parsed.headerLines) headers.set(line.key, line.line);
					messages.push({
						from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
						to: session.envelope.rcptTo.map((r) => r.address),
						subject: parsed.subject ?? '',
						text: parsed.text ?? '',
						headers
					});
					for (const wake of waiters) wake();
					callback();
				})
				.catch((error: unknown) => callback(error as Error));
		}
	});

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	// Errors after start (a client that drops its connection) are the test's business, not a crash.
	server.on('error', () => {});
	const address = server.server.address();
	if (!address || typeof address === 'string') throw new Error('Serveur SMTP de test sans port');
	const port = address.port;
	const credentials = auth
		? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@`
		: '';

	return {
		url: `smtp://${credentials}127.0.0.1:${port}`,
		port,
		messages,
		waitFor(predicate, timeoutMs = 5000) {
			return new Promise((resolve, reject) => {
				const check = () => {
					const found = messages.find(predicate);
					if (!found) return;
					clearTimeout(timer);
					waiters.delete(check);
					resolve(found);
				};
				const timer = setTimeout(() => {
					waiters.delete(check);
					reject(new Error(`Aucun courriel attendu reçu en ${timeoutMs} ms`));
				}, timeoutMs);
				waiters.add(check);
				check();
			});
		},
		setRefusing(value) {
			refusing = value;
		},
		clear() {
			messages.length = 0;
		},
		stop() {
			return new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
