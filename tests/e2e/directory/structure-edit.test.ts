import type { Page } from 'playwright-core';
import { describe } from 'vitest';
import { apiToken, request } from '../http';
import { expect, expectNoAxeViolations, screenshot, testAs } from '../fixtures';

/**
 * Issue 15, « done when »: a pilot edits a structure's coverage by drawing on the map. On the way,
 * a bad phone is refused naming the field, with nothing written and nothing to retype.
 */

const test = testAs('pilot');
const TERRITORY = { id: 'e2e-edition', name: 'Aubagne (e2e)', communes: ['13005'] };
const STRUCTURE = {
	id: 'e2e:ccas-aubagne',
	name: 'CCAS d’Aubagne (e2e)',
	kind: 'ccas',
	commune: '13005',
	lon: 5.5706,
	lat: 43.2927,
	coverage: ['13005'],
	problems: ['aides_domicile', 'droits'],
	level_min: 'information',
	level_max: 'coordonnee',
	phone: '04 42 00 00 01'
};

async function hydrated(page: Page): Promise<void> {
	await page.waitForSelector('html[data-hydrated="true"]');
}

describe('modifier une fiche', () => {
	test('dessine la zone couverte sur la carte et l’enregistre', async ({ page }) => {
		const put = await request(`/api/v1/territories/${TERRITORY.id}`, {
			method: 'PUT',
			token: apiToken('pilot'),
			json: { name: TERRITORY.name, communes: TERRITORY.communes }
		});
		expect(put.status).toBeLessThan(300);
		const imported = await request(`/api/v1/territories/${TERRITORY.id}/structures`, {
			method: 'POST',
			token: apiToken('pilot'),
			json: [STRUCTURE]
		});
		expect(imported.status).toBeLessThan(300);

		await page.goto(`/structures/${encodeURIComponent(STRUCTURE.id)}`);
		await hydrated(page);
		await page.getByRole('link', { name: 'Modifier la fiche' }).click();
		await page.waitForURL(`**/structures/${encodeURIComponent(STRUCTURE.id)}/modifier`);
		await hydrated(page);
		expect(await page.locator('#champ-phone').inputValue()).toBe('04 42 00 00 01');

		// A phone that is no French number: refused on its field, the rest of the form kept.
		await page.fill('#champ-phone', '01 23');
		await page.fill('#champ-name', 'CCAS d’Aubagne — renommé (e2e)');
		await page.getByRole('button', { name: 'Enregistrer' }).click();
		await expect.poll(() => page.locator('#erreurs').textContent()).toMatch(/Téléphone/);
		expect(await page.locator('#champ-phone').getAttribute('aria-invalid')).toBe('true');
		expect(await page.locator('#champ-name').inputValue()).toBe('CCAS d’Aubagne — renommé (e2e)');
		const unchanged = await request(`/api/v1/structures/${encodeURIComponent(STRUCTURE.id)}`, {
			token: apiToken('pilot')
		});
		expect(((await unchanged.json()) as { name: string }).name).toBe(STRUCTURE.name);
		await page.fill('#champ-phone', '04 42 00 00 02');

		// Draw a square in the middle of the map: four clicks, Enter.
		const draw = page.getByRole('button', { name: 'Dessiner un polygone' });
		await expect.poll(() => draw.isEnabled(), { timeout: 20_000 }).toBe(true);
		await draw.click();
		const box = await page.locator('[data-testid=carte] canvas.maplibregl-canvas').boundingBox();
		if (!box) throw new Error('pas de carte');
		const cx = box.x + box.width / 2;
		const cy = box.y + box.height / 2;
		for (const [dx, dy] of [
			[-70, -50],
			[70, -50],
			[70, 50],
			[-70, 50]
		] as const) {
			await page.mouse.click(cx + dx, cy + dy);
			await page.waitForTimeout(150);
		}
		await page.keyboard.press('Enter');
		await expect
			.poll(() => page.locator('#champ-coverage_geojson').inputValue())
			.toMatch(/"type":"Polygon"/);
		const drawn = JSON.parse(await page.locator('#champ-coverage_geojson').inputValue()) as {
			coordinates: number[][][];
		};
		expect(drawn.coordinates[0]).toHaveLength(5);
		await expectNoAxeViolations(page);
		await screenshot(page, 'fiche-dessin');

		await page.getByRole('button', { name: 'Enregistrer' }).click();
		await page.waitForURL(`**/structures/${encodeURIComponent(STRUCTURE.id)}?modifiee=1`);
		await expect
			.poll(() => page.locator('[role=status]').first().textContent())
			.toMatch(/Fiche enregistrée et vérifiée le/);

		const saved = await request(`/api/v1/structures/${encodeURIComponent(STRUCTURE.id)}`, {
			token: apiToken('pilot')
		});
		const body = (await saved.json()) as {
			name: string;
			phone: string;
			coverage: string[];
			coverage_geojson: { type: string; coordinates: number[][][] };
			updated_at: string;
		};
		expect(body.name).toBe('CCAS d’Aubagne — renommé (e2e)');
		expect(body.phone).toBe('+33442000002');
		expect(body.coverage).toEqual(['13005']);
		expect(body.coverage_geojson.type).toBe('Polygon');
		const ring = body.coverage_geojson.coordinates[0] ?? [];
		// The square stands around the middle of the map, i.e. around Aubagne.
		const lons = ring.map((p) => p[0] ?? 0);
		const lats = ring.map((p) => p[1] ?? 0);
		expect(Math.min(...lons)).toBeLessThan(Math.max(...lons));
		expect(Math.min(...lats)).toBeLessThan(43.5);
		expect(Math.max(...lats)).toBeGreaterThan(43.1);
		expect(body.updated_at).toBe(
			new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date())
		);
	});
});
