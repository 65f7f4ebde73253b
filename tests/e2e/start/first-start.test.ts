import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { freePort, linkedCheckout } from '../../helpers/checkout';
import { launchBrowser } from '../fixtures';

/**
 * The README's first step, as a newcomer takes it: `npm start` on a fresh checkout, with none of
 * the variables the README does not ask for (no ORIGIN, no DATA_DIR, no HOST), then sign in at
 * the printed address with the printed one-time password, change it, reach /orienter. A suite
 * that set ORIGIN once hid a 403 at this very step.
 *
 * The checkout is seen through a folder of links (everything but `data/`), so that the README's
 * default `./data` is a fresh one and a developer's own data is never touched; the build is the
 * one `npm test` made just before, so `npm start` must not build again.
 */

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const STOP_TIMEOUT_MS = 10_000;

function portIsFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, () => server.close(() => resolve(true)));
	});
}

let checkout: string;
let child: ChildProcess;
let output = '';
let browser: Browser;
let port = 3000;

async function waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const match = pattern.exec(output);
		if (match) return match;
		if (child.exitCode !== null) throw new Error(`npm start s'est arrêté :\n${output}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`${pattern} absent de la sortie de npm start après ${timeoutMs} ms :\n${output}`);
}

beforeAll(async () => {
	checkout = linkedCheckout(ROOT);
	const env: NodeJS.ProcessEnv = { ...process.env };
	for (const name of [
		'ORIGIN',
		'DATA_DIR',
		'HOST',
		'PORT',
		'DATABASE_URL',
		'BODY_SIZE_LIMIT',
		'SEED_DEMO',
		'NODE_ENV'
	])
		delete env[name];
	// The README's address is http://localhost:3000; only when something else holds that port
	// (a developer's own server) does the test move to another one.
	if (!(await portIsFree(3000))) {
		port = await freePort();
		env.PORT = String(port);
	}
	// In a process group of its own, as a terminal or a service manager starts it, so that a
	// signal reaches npm and the server it started alike (a kill of npm alone left the server
	// running, holding port 3000, after the test).
	child = spawn('npm', ['start'], {
		cwd: checkout,
		env,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true
	});
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
	await browser?.close();
	if (child?.pid) {
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			// The group is gone already.
		}
	}
	fs.rmSync(checkout, { recursive: true, force: true });
});

describe('npm start, as the README says', () => {
	it('prints the address and the one-time password last, framed, without rebuilding', async () => {
		const banner = await waitFor(/╚═+╝\n/, 90_000);
		expect(output).not.toContain('Construction de l’application');
		expect(output).toMatch(new RegExp(`Adresse\\s+: http://localhost:${port}`));
		expect(output).toContain('Identifiant : admin@example.org');
		// The frame comes after the server's own « Listening on » line, and after it only the
		// progress of the background load of France's boundaries, announced before the frame.
		expect(output.indexOf('Listening on')).toBeGreaterThan(-1);
		expect(output.indexOf('Listening on')).toBeLessThan(output.indexOf('╔'));
		expect(output.indexOf('à charger en arrière-plan')).toBeLessThan(output.indexOf('╔'));
		await new Promise((resolve) => setTimeout(resolve, 1_000));
		const after = output.slice((banner.index ?? 0) + banner[0].length).trim();
		for (const line of after === '' ? [] : after.split('\n')) {
			expect(line).toMatch(/^\[bon-tiers\] Limites des communes/);
		}
	});

	it('signs in over plain http with the printed password, changes it, reaches /orienter', async () => {
		const password = (await waitFor(/Mot de passe à usage unique : (\S+)/, 1_000))[1] as string;
		const url = `http://localhost:${port}`;
		const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
		const page = await context.newPage();
		const first = await page.goto(`${url}/`);
		expect(first?.headers()['strict-transport-security']).toBeUndefined();
		await page.waitForURL(/\/connexion/);
		await page.waitForSelector('html[data-hydrated="true"]');
		await page.locator('input[name=email]').focus();
		await page.keyboard.type('admin@example.org');
		await page.locator('input[name=password]').focus();
		await page.keyboard.type(password);
		await page.keyboard.press('Enter');
		await page.waitForURL(/\/compte\?premiere=1/);
		const cookie = (await context.cookies()).find((c) => c.name === 'bt_session');
		expect(cookie?.secure).toBe(false);
		expect(cookie?.httpOnly).toBe(true);

		const chosen = `un cheval vert mange ${Date.now()} pommes`;
		await page.waitForSelector('html[data-hydrated="true"]');
		await page.locator('#current').fill(password);
		await page.locator('#password').fill(chosen);
		await page.locator('#confirm').fill(chosen);
		await page.locator('form[action="?/password"] button[type=submit]').click();
		await page.waitForURL(/\/compte\?modifie=1/);

		await page.goto(`${url}/orienter`);
		expect(page.url()).toBe(`${url}/orienter`);
		expect(await page.locator('h1').textContent()).toBe('Orienter une demande');
		await context.close();
	});

	it('stops on SIGTERM within 10 s', async () => {
		expect(child.exitCode, `npm start s'est arrêté avant :\n${output}`).toBeNull();
		const exited = new Promise<number | null>((resolve) =>
			child.once('exit', (code) => resolve(code))
		);
		// Ctrl-C in a terminal, or a service manager stopping it, signals the whole group.
		process.kill(-(child.pid as number), 'SIGTERM');
		const code = await Promise.race([
			exited,
			new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), STOP_TIMEOUT_MS))
		]);
		expect(code).not.toBe('late');
		// The server itself is gone, not only npm: its port is free again.
		await expect.poll(() => portIsFree(port), { timeout: STOP_TIMEOUT_MS }).toBe(true);
	});
});
