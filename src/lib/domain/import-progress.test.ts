import { describe, expect, it } from 'vitest';
import { progressLine, throttledProgress, type ImportProgress } from './import-progress';

describe('import progress', () => {
	it('reads as a French line, numbers grouped', () => {
		expect(progressLine({ phase: 'structures', done: 12_000, total: 34_392 })).toBe(
			'structures : 12\u202f000 / 34\u202f392'
		);
		expect(progressLine({ phase: 'communes', done: 0, total: 5 })).toBe(
			'communes couvertes : 0 / 5'
		);
	});

	it('passes the first and last report of each phase, and one per interval between', () => {
		let clock = 0;
		const seen: ImportProgress[] = [];
		const listener = throttledProgress(
			(p) => seen.push(p),
			1_000,
			() => clock
		);
		const report = (phase: ImportProgress['phase'], done: number, total: number, at: number) => {
			clock = at;
			listener({ phase, done, total });
		};
		report('validation', 0, 10, 0);
		report('validation', 5, 10, 100);
		report('validation', 10, 10, 200);
		report('structures', 0, 10, 300);
		report('structures', 3, 10, 400);
		report('structures', 6, 10, 1_400);
		report('structures', 8, 10, 1_500);
		report('structures', 10, 10, 1_600);
		expect(seen.map((p) => `${p.phase} ${p.done}`)).toEqual([
			'validation 0',
			'validation 10',
			'structures 0',
			'structures 6',
			'structures 10'
		]);
	});
});
