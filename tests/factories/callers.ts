import { expect } from 'vitest';
import type { Caller } from '$lib/server/auth/principal';
import { ServiceError } from '$lib/server/services/errors';

/**
 * A person calling a service: a role, the territories it acts on (`null`: every one) and, for a
 * member (contract §7), its structures. The label — what audit rows and answers record as « par »
 * — is `role@test.example.fr`.
 */
export function testCaller(
	role: 'partner' | 'agent' | 'pilot',
	territories: string[] | null,
	structures?: string[],
	ip = '203.0.113.7'
): Caller {
	return {
		principal: {
			type: 'user',
			id: `${role}-${(territories ?? ['all']).join('-')}-${(structures ?? []).join('-')}`,
			label: `${role}@test.example.fr`,
			role,
			territories,
			structures
		},
		ip
	};
}

/** The ServiceError a promise is rejected with; fails the test when it resolves or throws else. */
export async function serviceRejection(promise: Promise<unknown>): Promise<ServiceError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(ServiceError);
	return error as ServiceError;
}
