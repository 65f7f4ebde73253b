import { describe, expect, it } from 'vitest';
import { isActionFailure, isHttpError } from '@sveltejs/kit';
import { orErrorPage, serviceFail } from './forms';
import { ServiceError } from './services/errors';

describe('service refusals in forms and pages', () => {
	it('turns each kind into fail() with its status, the form data, the message and the issues', () => {
		const issues = [{ path: 'territories', message: 'territoire hors de votre périmètre : sud' }];
		for (const [kind, status] of [
			['invalid', 400],
			['forbidden', 403],
			['not_found', 404],
			['conflict', 409]
		] as const) {
			const failure = serviceFail(new ServiceError(kind, 'Refusé.', issues), { action: 'create' });
			expect(isActionFailure(failure)).toBe(true);
			expect(failure.status).toBe(status);
			expect(failure.data).toEqual({ action: 'create', message: 'Refusé.', issues });
		}
	});

	it('gives a refusal without issues one, on no field, and rethrows anything else', () => {
		const failure = serviceFail(new ServiceError('not_found', 'Territoire introuvable : x'), {});
		expect(failure.data.issues).toEqual([{ path: '', message: 'Territoire introuvable : x' }]);
		const crash = new Error('boom');
		expect(() => serviceFail(crash, {})).toThrow(crash);
	});

	it('turns a refusal into the error page of its status, and lets a result through', async () => {
		await expect(orErrorPage(async () => 42)).resolves.toBe(42);
		const error = await orErrorPage(async () => {
			throw new ServiceError('not_found', 'Territoire introuvable : x');
		}).catch((e: unknown) => e);
		expect(isHttpError(error, 404)).toBe(true);
		expect((error as { body: { message: string } }).body.message).toBe(
			'Territoire introuvable : x'
		);
	});
});
