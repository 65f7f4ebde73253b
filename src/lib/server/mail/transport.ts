import nodemailer, { type Transporter } from 'nodemailer';
import { readConfig, type AppConfig } from '$lib/server/config';

/**
 * The SMTP side of the referral loop's e-mail (contract §6): SMTP_URL names the server
 * (`smtp://user:pass@host:587`, STARTTLS when the server offers it; `smtps://…:465`, TLS from the
 * start; nodemailer's URL options such as `?tls.rejectUnauthorized=false` pass through). Unset,
 * no e-mail leaves: the outbox writes each message to the log instead and the UI says so.
 */

type MailConfig = AppConfig['mail'];

/**
 * Bounded so that a delivery run ends well within the outbox's claim lifetime (10 minutes, see
 * outbox.ts), whatever the server does: nodemailer's defaults (2 minutes to connect, 10 of
 * silence) would let a stalled server hold a batch past it and another run send it again.
 */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

let cached: { url: string; transporter: Transporter } | undefined;

/** Whether an SMTP server is configured, i.e. whether the loop's e-mails actually leave. */
export function mailEnabled(env: Record<string, string | undefined> = process.env): boolean {
	return readConfig(env).mail.smtpUrl !== undefined;
}

/**
 * The transport for the configured SMTP server, or null when there is none. Read from the
 * configuration at each call, and cached per URL: a changed SMTP_URL (a test, a reload) gets a
 * transport of its own and the previous one is closed.
 */
export function mailTransport(config: MailConfig = readConfig().mail): Transporter | null {
	const url = config.smtpUrl;
	if (!url) return null;
	if (cached?.url === url) return cached.transporter;
	cached?.transporter.close();
	const transporter = nodemailer.createTransport({ url, ...TIMEOUTS });
	cached = { url, transporter };
	return transporter;
}

/** Closes the cached transport (tests, shutdown). */
export function resetMailTransport(): void {
	cached?.transporter.close();
	cached = undefined;
}

/** The bare address of a sender written `Name <address>` or `address`, for the SMTP envelope. */
export function envelopeAddress(from: string): string {
	return /<([^<>]+)>\s*$/.exec(from)?.[1]?.trim() ?? from.trim();
}

/**
 * Removes the credentials of an SMTP URL from a text (an error message) before it is stored or
 * printed: nodemailer's messages do not quote the URL, but nothing here relies on it.
 */
export function withoutCredentials(text: string, smtpUrl: string | undefined): string {
	if (!smtpUrl) return text;
	let result = text.replaceAll(smtpUrl, '[SMTP_URL]');
	try {
		const url = new URL(smtpUrl);
		for (const secret of [url.password, decodeURIComponent(url.password)]) {
			if (secret.length >= 3) result = result.replaceAll(secret, '***');
		}
	} catch {
		// Not a URL: config.ts refuses it before it gets here.
	}
	return result;
}
