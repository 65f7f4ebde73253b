/**
 * The run of the kill -9 test (orientations-kill.test.ts), shared by the test and the writer
 * process it kills (orientation-writer.ts): the caller, and for each number of the run its
 * Idempotency-Key and its request, the same on both sides so that a retry is a true retry.
 * No vitest import: the writer runs under plain tsx.
 */
import type { Caller } from '$lib/server/services/orientations';

export const RUN_TERRITORY = 'marseille-4-12';

export function runCaller(principalId: string): Caller {
	return {
		principal: {
			type: 'token',
			id: principalId,
			label: 'jeton du test kill -9',
			role: 'agent',
			territories: [RUN_TERRITORY]
		},
		ip: '192.0.2.9'
	};
}

export function runKey(run: string, n: number): string {
	return `${run}-${String(n).padStart(4, '0')}`;
}

/** The structure recorded for each place of the run (the best recommendation, found by the test). */
export type RunStructures = Record<'13204' | '13212', string>;

/**
 * The n-th request: a coordinated medical situation in Marseille 4e or 12e, the age and the note
 * varying so that no two requests are the same.
 */
export function runRequest(n: number, structures: RunStructures): Record<string, unknown> {
	const commune = n % 2 === 0 ? '13204' : '13212';
	return {
		territory: RUN_TERRITORY,
		commune,
		age: 60 + (n % 40),
		apa: false,
		problems: ['medical'],
		criteria: ['isolement'],
		request_type: 'accompagnement',
		consent: true,
		structure: structures[commune],
		note: `Essai ${n}.`
	};
}
