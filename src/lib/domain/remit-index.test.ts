import { describe, expect, it } from 'vitest';
import type { Remit } from './remit';
import { compareNames } from './names';
import { RemitIndex, type IndexedStructure } from './remit-index';
import type { ProblemCode } from './taxonomy';

function structure(id: string, territoryId: string, problems: ProblemCode[]): IndexedStructure {
	const remit: Remit = {
		id,
		name: id,
		kind: 'ccas',
		problems,
		levelMin: 'information',
		levelMax: 'coordonnee',
		coordination: true,
		mode: null,
		ageMin: null,
		ageMax: null,
		apa: 'any',
		handicap: 'any'
	};
	return { remit, territoryId, caseloadMax: null, typedCaseload: null, updatedAt: null };
}

const index = new RemitIndex({
	structures: [
		structure('a', 't1', ['droits']),
		structure('b', 't2', ['logement', 'droits']),
		structure('c', 't1', ['logement']),
		structure('d', 't2', ['finances'])
	],
	coverage: [
		{ communes: ['13204', '13205'], partial: null },
		{ communes: ['13204'], partial: new Set(['13204']) },
		{ communes: ['13212'], partial: null },
		{ communes: ['84007'], partial: null }
	],
	territories: [
		{ id: 't1', name: 'Un', communes: ['13204', '13212'] },
		{ id: 't2', name: 'Deux', communes: ['13204', '84007'] }
	],
	rules: [
		{
			id: 'r',
			territoryId: 't1',
			effect: 'prefer',
			structureId: 'a',
			problem: null,
			level: null,
			commune: null,
			reason: 'test'
		}
	]
});

const ids = (place: string, territory: string | null, problems: ProblemCode[]) =>
	index.candidates(place, territory, problems).map((c) => [c.structure.remit.id, c.partial]);

describe('RemitIndex', () => {
	it('takes the structures covering the place, with whether they cover only part', () => {
		expect(ids('13204', null, ['droits'])).toEqual([
			['a', false],
			['b', true]
		]);
		expect(index.pairs).toBe(5);
	});

	it('adds the territory’s own structures and those covering its communes, in number order', () => {
		// c covers 13212 (in t1), d is imported into t2 only: neither covers 13205.
		expect(ids('13205', 't1', ['droits', 'logement'])).toEqual([
			['a', false],
			['b', null],
			['c', null]
		]);
		expect(ids('13205', 't2', ['finances'])).toEqual([['d', null]]);
	});

	it('keeps only structures taking one of the problems, and knows nothing of unknown places', () => {
		expect(ids('13204', null, ['finances'])).toEqual([]);
		expect(ids('99999', null, ['droits'])).toEqual([]);
	});

	it('answers which territories contain a place, their names and rules', () => {
		expect(index.territoriesOf('13204')).toEqual(['t1', 't2']);
		expect(index.territoriesOf('84007')).toEqual(['t2']);
		expect(index.territoryName('t2')).toBe('Deux');
		expect(index.territoryName('t3')).toBeNull();
		expect(index.rules('t1').map((r) => r.structureId)).toEqual(['a']);
		expect(index.rules('t2')).toEqual([]);
	});
});

describe('RemitIndex name order', () => {
	it('ranks names as compareNames orders them, equal names alike', () => {
		const named = (id: string, name: string): IndexedStructure => ({
			...structure(id, 't', ['medical']),
			remit: { ...structure(id, 't', ['medical']).remit, name }
		});
		const list = [
			named('a', 'Éhpad b'),
			named('b', 'ehpad a'),
			named('c', 'ehpad a'),
			named('d', 'Ccas')
		];
		const byName = new RemitIndex({
			structures: list,
			coverage: list.map(() => ({ communes: ['00001'], partial: null })),
			territories: [],
			rules: []
		});
		const order = new Map(
			byName.candidates('00001', null, ['medical']).map((c) => [c.structure.remit.id, c.nameOrder])
		);
		expect(order.get('d')).toBeLessThan(order.get('b') as number);
		expect(order.get('b')).toBe(order.get('c'));
		expect(order.get('c')).toBeLessThan(order.get('a') as number);
		expect(compareNames('Éhpad b', 'ehpad a')).toBeGreaterThan(0);
	});
});
