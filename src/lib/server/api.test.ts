import { describe, expect, it } from 'vitest';
import { z } from '$lib/schemas/zod';
import { ApiFailure, nulPaths, serviceFailure, validate } from './api';
import { ServiceError } from './services/errors';

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

describe('nulPaths', () => {
	it('names every string and key holding a NUL character, by its path', () => {
		const body = {
			note: 'a\u0000b',
			problems: ['droits', 'x\u0000'],
			location: { lon: 5, 'l\u0000at': 43 },
			ok: 'sans',
			n: 1
		};
		expect(nulPaths(body).sort()).toEqual(['location.lat', 'note', 'problems.1']);
		expect(nulPaths('\u0000')).toEqual(['']);
		expect(nulPaths({ a: [1, null, true, 'texte'] })).toEqual([]);
	});

	it('walks a body nested a million levels deep without overflowing the stack', () => {
		const text = `${'['.repeat(1_000_000)}"\\u0000"${']'.repeat(1_000_000)}`;
		const paths = nulPaths(JSON.parse(text));
		expect(paths).toHaveLength(1);
		expect(paths[0]?.split('.')).toHaveLength(1_000_000);
	});

	it('stops at `max` paths', () => {
		expect(
			nulPaths(
				Array.from({ length: 100 }, () => '\u0000'),
				5
			)
		).toHaveLength(5);
	});
});

describe('serviceFailure', () => {
	it('turns a service’s refusal into the API’s status, keeping its message and issues', () => {
		const issues = [{ path: 'name', message: 'ne doit pas être vide' }];
		expect(serviceFailure(new ServiceError('invalid', 'Valeurs invalides.', issues))).toMatchObject(
			{
				status: 422,
				message: 'Valeurs invalides.',
				issues
			}
		);
		expect(serviceFailure(new ServiceError('not_found', 'x')).status).toBe(404);
		expect(serviceFailure(new ServiceError('forbidden', 'x')).status).toBe(403);
		expect(serviceFailure(new ServiceError('conflict', 'x')).status).toBe(409);
	});
});
