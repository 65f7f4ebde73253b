import { describe, expect, it } from 'vitest';
import type { Db } from '$lib/server/db/client';
import { watchDatabase } from '$lib/server/db/notify';
import { DerivedCache } from './derived-cache';

/** A database handle as openDatabase makes it, with its notifications played by hand. */
function watched() {
	const db = {} as Db;
	const notify = watchDatabase(db);
	return { db, notify };
}

function deferred<T>() {
	let resolve!: (value: T) => void;
	let reject!: (error: Error) => void;
	const promise = new Promise<T>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

describe('DerivedCache', () => {
	it('builds a key once for the requests that ask while it builds, then keeps it', async () => {
		const { db } = watched();
		const cache = new DerivedCache<string>(['remit'], 4);
		let builds = 0;
		const build = async () => `v${++builds}`;
		const [a, b] = await Promise.all([cache.get(db, 'k', build), cache.get(db, 'k', build)]);
		expect([a, b, await cache.get(db, 'k', build)]).toEqual(['v1', 'v1', 'v1']);
		expect(builds).toBe(1);
	});

	it('drops every key when a view it is built from changes, and only then', async () => {
		const { db, notify } = watched();
		const cache = new DerivedCache<string>(['remit', 'geography'], 4);
		let builds = 0;
		const build = async () => `v${++builds}`;
		expect(await cache.get(db, 'k', build)).toBe('v1');
		notify('auth');
		notify('caseload');
		expect(await cache.get(db, 'k', build)).toBe('v1');
		notify('geography');
		expect(await cache.get(db, 'k', build)).toBe('v2');
		// A lost listening connection (null): every view may have changed.
		notify(null);
		expect(await cache.get(db, 'k', build)).toBe('v3');
	});

	it('answers a build overtaken by a change to those who waited, and builds again after', async () => {
		const { db, notify } = watched();
		const cache = new DerivedCache<string>(['remit'], 4);
		const slow = deferred<string>();
		const waiting = cache.get(db, 'k', () => slow.promise);
		notify('remit');
		slow.resolve('before the write');
		expect(await waiting).toBe('before the write');
		expect(await cache.get(db, 'k', async () => 'after the write')).toBe('after the write');
	});

	it('does not keep a failed build', async () => {
		const { db } = watched();
		const cache = new DerivedCache<string>(['remit'], 4);
		await expect(
			cache.get(db, 'k', () => Promise.reject(new Error('base injoignable')))
		).rejects.toThrow('base injoignable');
		expect(await cache.get(db, 'k', async () => 'ok')).toBe('ok');
	});

	it('keeps the most recently asked keys, up to its size', async () => {
		const { db } = watched();
		const cache = new DerivedCache<string>(['remit'], 2);
		const built: string[] = [];
		const build = (key: string) => async () => {
			built.push(key);
			return key;
		};
		for (const key of ['a', 'b', 'a', 'c', 'a', 'b']) await cache.get(db, key, build(key));
		// « b » was the least recently asked when « c » came: built again; « a » never.
		expect(built).toEqual(['a', 'b', 'c', 'b']);
	});

	it('builds every time for a database that cannot say when it changes', async () => {
		const cache = new DerivedCache<number>(['remit'], 4);
		const db = {} as Db;
		let builds = 0;
		await cache.get(db, 'k', async () => ++builds);
		await cache.get(db, 'k', async () => ++builds);
		expect(builds).toBe(2);
		cache.offer(db, 'k', cache.version(db), async () => ++builds);
		expect(builds).toBe(2);
	});

	it('keeps an offered value unless one is kept or a change came since the rows were read', async () => {
		const { db, notify } = watched();
		const cache = new DerivedCache<string>(['remit'], 4);
		const read = cache.version(db);
		cache.offer(db, 'k', read, async () => 'offered');
		expect(await cache.get(db, 'k', async () => 'built')).toBe('offered');
		cache.offer(db, 'k', cache.version(db), async () => 'offered again');
		expect(await cache.get(db, 'k', async () => 'built')).toBe('offered');

		const stale = cache.version(db);
		notify('remit');
		cache.offer(db, 'k', stale, async () => 'rows older than the write');
		expect(await cache.get(db, 'k', async () => 'built after the write')).toBe(
			'built after the write'
		);
	});
});
