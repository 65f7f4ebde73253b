import { describe, expect, it } from 'vitest';
import { z } from '$lib/schemas/zod';
import { ApiFailure, validate } from './api';

describe('validate', () => {
	it('locates each unknown field at its own path', () => {
		const schema = z.strictObject({
			name: z.string(),
			place: z.strictObject({ code: z.string() })
		});
		let failure: unknown;
		try {
			validate(schema, { name: 'x', extra: 1, place: { code: '13001', colour: 'red' } });
		} catch (error) {
			failure = error;
		}
		expect(failure).toBeInstanceOf(ApiFailure);
		const { status, issues } = failure as ApiFailure;
		expect(status).toBe(422);
		expect(issues.map((i) => i.path).sort()).toEqual(['extra', 'place.colour']);
		for (const issue of issues) expect(issue.message).not.toBe('');
	});
});
