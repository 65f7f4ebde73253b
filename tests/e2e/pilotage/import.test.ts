import type { Page } from 'playwright-core';
import { describe } from 'vitest';
import { apiToken, request } from '../http';
import { expect, expectNoAxeViolations, screenshot, testAs } from '../fixtures';

/**
 * Issue 15, « Importer un fichier »: a pilot uploads a CSV of three structures with one bad line;
 * the preview names the line and the field and nothing is written; the fixed file previews as
 * three to add, and the confirmation imports them without a second upload.
 */

const test = testAs('pilot');
const TERRITORY = { id: 'e2e-import-fichier', name: 'Import de fichier (e2e)' };
/** Marseille 4e and 12e, as the demo territory. */
// Communes of their own (Martigues, Istres): a place in two territories asks which one, and the
// other browser tests orient in the demo territory's without saying.
const COMMUNES = ['13056', '13047'];

const HEADER = 'id;name;kind;coverage;problems;level_min;level_max;phone';
function csv(kindOfSecond: string): Buffer {
	const lines = [
		HEADER,
		'e2e-import:ccas;CCAS de test;ccas;13056;droits|finances;information;coordonnee;04 91 00 10 01',
		`e2e-import:clic;CLIC de test;${kindOfSecond};13056|13047;perte_autonomie;information;coordonnee;`,
		'e2e-import:ssiad;SSIAD de test;ssiad;13047;soins_domicile;simple;coordonnee;04 91 00 10 03'
	];
	return Buffer.from(lines.join('\r\n') + '\r\n', 'utf8');
}

async function hydrated(page: Page, url: string): Promise<void> {
	await page.goto(url);
	await page.waitForSelector('html[data-hydrated="true"]');
}

const IDS = ['e2e-import:ccas', 'e2e-import:clic', 'e2e-import:ssiad'];

/** Which of the file's structures the API knows (the directory by territory also lists others). */
async function imported(): Promise<string[]> {
	const found: string[] = [];
	for (const id of IDS) {
		const response = await request(`/api/v1/structures/${encodeURIComponent(id)}`, {
			token: apiToken('pilot')
		});
		expect([200, 404], id).toContain(response.status);
		if (response.status === 200) found.push(id);
	}
	return found;
}

describe('importer un fichier de structures', () => {
	test('une ligne en erreur, rien d’écrit ; corrigé, aperçu puis import', async ({ page }) => {
		const put = await request(`/api/v1/territories/${TERRITORY.id}`, {
			method: 'PUT',
			token: apiToken('pilot'),
			json: { name: TERRITORY.name, communes: COMMUNES }
		});
		expect(put.status).toBeLessThan(300);

		await hydrated(page, `/territoires/${TERRITORY.id}`);
		await page.getByRole('link', { name: 'Importer un fichier' }).click();
		await page.waitForURL(`**/territoires/${TERRITORY.id}/import`);
		await page.waitForSelector('html[data-hydrated="true"]');
		const preview = page.getByRole('button', { name: 'Voir l’aperçu' });

		// Neither CSV nor JSON: refused on the field.
		await page.setInputFiles('#fichier', {
			name: 'structures.txt',
			mimeType: 'text/plain',
			buffer: Buffer.from('rien')
		});
		await preview.click();
		await expect
			.poll(() => page.locator('#fichier-erreur').textContent())
			.toMatch(/\.csv ou \.json/);
		expect(await page.locator('#fichier').getAttribute('aria-describedby')).toContain(
			'fichier-erreur'
		);

		// An empty file: refused on the field too.
		await page.setInputFiles('#fichier', {
			name: 'vide.csv',
			mimeType: 'text/csv',
			buffer: Buffer.alloc(0)
		});
		await preview.click();
		await expect.poll(() => page.locator('#fichier-erreur').textContent()).toMatch(/est vide/);

		// One bad line (line 3: an unknown kind): listed with its line and field, nothing written.
		await page.setInputFiles('#fichier', {
			name: 'structures.csv',
			mimeType: 'text/csv',
			buffer: csv('inconnu')
		});
		await preview.click();
		const heading = page.locator('#apercu');
		await expect.poll(() => heading.textContent()).toMatch(/1 problème — rien n’a été écrit/);
		expect(await page.evaluate(() => document.activeElement?.id)).toBe('apercu');
		const cells = await page
			.locator('table.problems tbody tr')
			.first()
			.locator('td')
			.allTextContents();
		expect(cells.slice(0, 2)).toEqual(['3', 'kind']);
		expect(await page.getByRole('button', { name: /Confirmer l’import/ }).count()).toBe(0);
		await expectNoAxeViolations(page);
		await screenshot(page, 'import-problemes');
		expect(await imported()).toEqual([]);

		// Fixed: three to add, then confirmed without uploading again.
		await page.setInputFiles('#fichier', {
			name: 'structures.csv',
			mimeType: 'text/csv',
			buffer: csv('clic')
		});
		await preview.click();
		await expect.poll(() => heading.textContent()).toMatch(/3 structures dans le fichier/);
		expect(await page.locator('.preview h3').allTextContents()).toEqual([
			'À ajouter (3)',
			'À modifier (0)',
			'À retirer (0)'
		]);
		await expectNoAxeViolations(page);
		await screenshot(page, 'import-apercu');
		await page.getByRole('button', { name: 'Confirmer l’import de 3 structures' }).click();
		await page.waitForURL(`**/territoires/${TERRITORY.id}?import=3-0-0*`);
		await expect
			.poll(() => page.locator('[role=status]').first().textContent())
			.toMatch(/Import du fichier fait : 3 structure\(s\) ajoutée\(s\), 0 mise\(s\) à jour/);
		expect(await imported()).toEqual(IDS);
	});

	test('un gros fichier : « Import en cours… », l’avancement par phase, puis le compte', async ({
		page
	}) => {
		// Issue 17: 3 000 structures covering Corse-du-Sud, some 370 000 (structure, commune)
		// pairs: long enough for the progress to show. A département no other browser test uses:
		// covering the Bouches-du-Rhône, they were 3 000 more structures on the demo territory's
		// map and lists for every test run after this one.
		const territory = { id: 'e2e-import-gros', name: 'Gros import (e2e)' };
		const put = await request(`/api/v1/territories/${territory.id}`, {
			method: 'PUT',
			token: apiToken('pilot'),
			json: { name: territory.name, communes: ['2A004'] }
		});
		expect(put.status).toBeLessThan(300);
		const lines = [HEADER];
		for (let i = 0; i < 3_000; i++) {
			lines.push(`e2e-gros:${i};Service ${i};saad;dep:2A;aides_domicile;simple;coordonnee;`);
		}
		await hydrated(page, `/territoires/${territory.id}/import`);
		await page.setInputFiles('#fichier', {
			name: 'gros.csv',
			mimeType: 'text/csv',
			buffer: Buffer.from(lines.join('\n') + '\n', 'utf8')
		});
		await page.getByRole('button', { name: 'Voir l’aperçu' }).click();
		await expect
			.poll(() => page.locator('#apercu').textContent(), { timeout: 60_000 })
			.toMatch(/3000 structures dans le fichier/);
		// What the page shows while it imports, recorded as it changes (the client-side navigation
		// at the end keeps this window).
		await page.evaluate(() => {
			const seen: string[] = [];
			(window as unknown as { seen: string[] }).seen = seen;
			new MutationObserver(() => {
				const status = document.querySelector('.progress [role=status]')?.textContent?.trim();
				const bar = document.querySelector('.progress progress');
				const entry = `${status ?? ''} | ${bar ? `${bar.getAttribute('aria-label')} ${bar.getAttribute('value')}/${bar.getAttribute('max')}` : ''}`;
				if (status && seen.at(-1) !== entry) seen.push(entry);
			}).observe(document.body, {
				subtree: true,
				childList: true,
				attributes: true,
				characterData: true
			});
		});
		await page.getByRole('button', { name: /Confirmer l’import de 3/ }).click();
		await page.waitForURL(`**/territoires/${territory.id}?import=3000-0-0*`, { timeout: 120_000 });
		await expect
			.poll(() => page.locator('[role=status]').first().textContent())
			.toMatch(/Import du fichier fait : 3000 structure\(s\) ajoutée\(s\)/);
		const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
		expect(seen[0]).toMatch(/^Import en cours…/);
		expect(
			seen.some((s) =>
				/\| Avancement : (vérification|structures|communes couvertes) \d+\/\d+$/.test(s)
			)
		).toBe(true);
	});
});
