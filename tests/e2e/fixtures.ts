import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
	chromium,
	type Browser,
	type BrowserContext,
	type BrowserContextOptions,
	type ConsoleMessage,
	type Page
} from 'playwright-core';
import { expect, test as base } from 'vitest';
import type { AccountName } from '../setup/e2e-accounts';
import { baseUrl, SESSION_COOKIE, signInSession } from './http';

/**
 * Browser fixtures of the e2e tests: one headless Chromium and one context per test file, one page
 * per test. Every page fails its test on an uncaught exception (`pageerror`) or a console error,
 * unless the test declared that error expected (`pageErrors.allow`), e.g. the 404 of a missing page.
 * `test` browses anonymously; `testAs(account)` signs the file's context in first.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'screenshots');

/** The system Chromium: the tests never download a browser. */
const CHROMIUM_ARGS = [
	'--headless=new',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

export { baseUrl };

export function launchBrowser(): Promise<Browser> {
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: CHROMIUM_ARGS
	});
}

export function contextOptions(options: BrowserContextOptions = {}): BrowserContextOptions {
	return {
		baseURL: baseUrl(),
		locale: 'fr-FR',
		timezoneId: 'Europe/Paris',
		viewport: { width: 1280, height: 900 },
		// axe is injected as an inline script: a future Content-Security-Policy must not block it.
		bypassCSP: true,
		...options
	};
}

/** The errors a page reported; `allow` accepts the console errors a test expects. */
export class PageErrors {
	readonly errors: string[] = [];
	private readonly allowed: RegExp[] = [];

	constructor(page: Page) {
		page.on('pageerror', (error) => {
			this.errors.push(`pageerror: ${error.stack ?? error.message}`);
		});
		page.on('console', (message: ConsoleMessage) => {
			if (message.type() !== 'error') return;
			const text = message.text();
			if (this.allowed.some((pattern) => pattern.test(text))) return;
			const { url, lineNumber } = message.location();
			this.errors.push(`console.error: ${text}${url ? ` (${url}:${lineNumber})` : ''}`);
		});
	}

	allow(pattern: RegExp): void {
		this.allowed.push(pattern);
	}

	/** Fails the current test if the page reported an error. */
	expectNone(): void {
		expect(this.errors, 'erreurs JavaScript ou console de la page').toEqual([]);
	}
}

/** Opens a page that records its errors; the caller checks them with `expectNone()`. */
export async function watchedPage(
	context: BrowserContext
): Promise<{ page: Page; errors: PageErrors }> {
	const page = await context.newPage();
	return { page, errors: new PageErrors(page) };
}

/**
 * Signs a browser context in as this account: the real sign-in form posted once over HTTP, its
 * session cookie (HttpOnly, so only Playwright can set it) given to the context. A fresh session
 * per call.
 */
export async function signIn(context: BrowserContext, account: AccountName): Promise<void> {
	const session = await signInSession(account);
	await context.addCookies([
		{
			name: SESSION_COOKIE,
			value: session,
			url: `${baseUrl()}/`,
			httpOnly: true,
			sameSite: 'Lax'
		}
	]);
}

type FileFixtures = { browser: Browser; context: BrowserContext };
type TestFixtures = { page: Page; pageErrors: PageErrors };

const errorsOfPage = new WeakMap<Page, PageErrors>();

function browserTest(account: AccountName | null) {
	return base
		.extend<FileFixtures>({
			browser: [
				// eslint-disable-next-line no-empty-pattern -- vitest reads fixture dependencies from the pattern
				async ({}, use) => {
					const browser = await launchBrowser();
					await use(browser);
					await browser.close();
				},
				{ scope: 'file' }
			],
			context: [
				async ({ browser }, use) => {
					const context = await browser.newContext(contextOptions());
					if (account) await signIn(context, account);
					await use(context);
					await context.close();
				},
				{ scope: 'file' }
			]
		})
		.extend<TestFixtures>({
			page: async ({ context }, use) => {
				const { page, errors } = await watchedPage(context);
				errorsOfPage.set(page, errors);
				await use(page);
				await page.close();
				// After the test body: an error thrown here fails the test that used the page.
				errors.expectNone();
			},
			pageErrors: async ({ page }, use) => {
				await use(errorsOfPage.get(page) as PageErrors);
			}
		});
}

/** Browser tests without a session (every page but /connexion sends them to sign in). */
export const test = browserTest(null);

/**
 * Browser tests "authenticated as" an account of this run (tests/setup/e2e-accounts.ts): the
 * file's context holds its session.
 */
export function testAs(account: AccountName) {
	return browserTest(account);
}

export { expect };

/** Full-page PNG under test-results/screenshots/. */
export async function screenshot(page: Page, name: string): Promise<string> {
	fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
	const file = path.join(SCREENSHOT_DIR, name.endsWith('.png') ? name : `${name}.png`);
	await page.screenshot({ path: file, fullPage: true });
	return file;
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

type AxeNode = { target: unknown[]; html: string; failureSummary?: string };
type AxeViolation = {
	id: string;
	impact?: string | null;
	help: string;
	helpUrl: string;
	nodes: AxeNode[];
};

function formatViolations(violations: AxeViolation[]): string {
	return violations
		.map((violation) => {
			const nodes = violation.nodes
				.map(
					(node) =>
						`    - ${node.target.map(String).join(' ')}\n      ${node.html}\n      ${(
							node.failureSummary ?? ''
						).replace(/\n/g, '\n      ')}`
				)
				.join('\n');
			return `[${violation.impact ?? '?'}] ${violation.id}: ${violation.help}\n  ${violation.helpUrl}\n${nodes}`;
		})
		.join('\n\n');
}

/** Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page and fails on any violation. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
	axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
	await page.addScriptTag({ content: axeSource });
	const violations = await page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run: (...args: unknown[]) => Promise<unknown> } })
			.axe;
		const results = (await axe.run(document, {
			runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']
		})) as { violations: AxeViolation[] };
		return results.violations.map((v) => ({
			id: v.id,
			impact: v.impact,
			help: v.help,
			helpUrl: v.helpUrl,
			nodes: v.nodes.map((n) => ({
				target: n.target,
				html: n.html,
				failureSummary: n.failureSummary
			}))
		}));
	});
	expect(
		violations.length,
		`violations axe sur ${page.url()} :\n${formatViolations(violations)}`
	).toBe(0);
}
