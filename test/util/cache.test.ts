import assert from 'node:assert/strict';
import { Cache } from '../../src/util/cache.js';

describe('util: the one cache (bounded, per-entry expiry, shared loads)', () => {
  it('keeps an entry until its own expiry, and stores nothing already expired', () => {
    const cache = new Cache<string>(10);
    cache.set('a', 'A', 1_000, 0);
    cache.set('b', 'B', Number.POSITIVE_INFINITY, 0);
    cache.set('c', 'C', 500, 500);
    assert.equal(cache.get('a', 999), 'A');
    assert.equal(cache.get('a', 1_000), undefined, 'expired at its expiry time');
    assert.equal(cache.get('b', Number.MAX_SAFE_INTEGER), 'B');
    assert.equal(cache.get('c', 0), undefined);
    assert.equal(cache.size, 1, 'the expired entry was dropped when read');
  });

  it('evicts the least recently used entry when full; a read refreshes recency', () => {
    const cache = new Cache<number>(2);
    cache.set('a', 1, Number.POSITIVE_INFINITY, 0);
    cache.set('b', 2, Number.POSITIVE_INFINITY, 0);
    assert.equal(cache.get('a', 0), 1);
    cache.set('c', 3, Number.POSITIVE_INFINITY, 0);
    assert.equal(cache.get('b', 0), undefined);
    assert.equal(cache.get('a', 0), 1);
    assert.equal(cache.get('c', 0), 3);
    assert.equal(cache.size, 2);
  });

  it('keeps null values (a cached "no answer" is an answer)', () => {
    const cache = new Cache<string | null>(1);
    cache.set('k', null, Number.POSITIVE_INFINITY, 0);
    assert.equal(cache.get('k', 0), null);
  });

  it('shares one load among concurrent callers, then serves what the loader stored', async () => {
    const cache = new Cache<string>(10);
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const loader = async (): Promise<string> => {
      calls += 1;
      await gate;
      cache.set('k', 'loaded', 100, 0);
      return 'loaded';
    };
    const both = Promise.all([cache.getOrLoad('k', 0, loader), cache.getOrLoad('k', 0, loader)]);
    release();
    assert.deepEqual(await both, ['loaded', 'loaded']);
    assert.equal(await cache.getOrLoad('k', 50, loader), 'loaded');
    assert.equal(calls, 1);
    assert.equal(await cache.getOrLoad('k', 100, loader), 'loaded');
    assert.equal(calls, 2, 'expired: loaded again');
  });

  it('shares a failure among concurrent callers without keeping it', async () => {
    const cache = new Cache<string>(10);
    let calls = 0;
    const failing = async (): Promise<string> => {
      calls += 1;
      throw new Error('unreachable');
    };
    const results = await Promise.allSettled([cache.load('k', failing), cache.load('k', failing)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(calls, 1);
    await assert.rejects(cache.load('k', failing));
    assert.equal(calls, 2, 'the next call tries again');
  });

  it('with a bound of 0 keeps nothing but still shares loads', async () => {
    const cache = new Cache<number>(0);
    let calls = 0;
    const loader = async (): Promise<number> => {
      calls += 1;
      cache.set('k', calls, Number.POSITIVE_INFINITY, 0);
      return calls;
    };
    assert.deepEqual(await Promise.all([cache.getOrLoad('k', 0, loader), cache.getOrLoad('k', 0, loader)]), [1, 1]);
    assert.equal(cache.size, 0);
    assert.equal(await cache.getOrLoad('k', 0, loader), 2);
  });

  it('clear() forgets every entry', () => {
    const cache = new Cache<number>(4);
    cache.set('a', 1, Number.POSITIVE_INFINITY, 0);
    cache.clear();
    assert.equal(cache.get('a', 0), undefined);
    assert.equal(cache.size, 0);
  });
});
