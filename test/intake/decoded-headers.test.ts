import assert from 'node:assert/strict';
import { DecodedHeaders } from '../../src/intake/decoded-headers.js';
import type { PresentedCertificate } from '../../src/intake/source.js';

/** A stand-in certificate: only its identity matters to the cache. */
const presented = (name: string) => ({ source: name }) as unknown as PresentedCertificate;
const NOW = 1_000;
const LATER = 2_000;

describe('DecodedHeaders (certificates decoded from header values)', () => {
  it('finds a certificate again by the same values, as new strings', () => {
    const cache = new DecodedHeaders(10);
    const leaf = `:${'A'.repeat(900)}:`;
    const a = presented('a');
    cache.set([leaf], [':QUJD:'], a, LATER, NOW);
    assert.equal(cache.get([(` ${leaf}`).slice(1)], [':QUJD:'], NOW), a);
  });

  it('never answers for values that differ only where the lookup key does not look', () => {
    const cache = new DecodedHeaders(10);
    // 1000 characters, 64 of them sampled: position 1 is not one of them.
    const first = `:${'B'.repeat(998)}:`;
    const second = `:C${'B'.repeat(997)}:`;
    const a = presented('a');
    const b = presented('b');
    cache.set([first], undefined, a, LATER, NOW);
    assert.equal(cache.get([second], undefined, NOW), undefined);
    cache.set([second], undefined, b, LATER, NOW);
    assert.equal(cache.get([second], undefined, NOW), b);
    assert.equal(cache.get([first], undefined, NOW), undefined, 'the second value took the slot of the first');
  });

  it('tells the chain header from more lines of the certificate header, and no chain from an empty one', () => {
    const cache = new DecodedHeaders(10);
    const a = presented('a');
    cache.set(['x', 'y'], undefined, a, LATER, NOW);
    assert.equal(cache.get(['x'], ['y'], NOW), undefined);
    assert.equal(cache.get(['x', 'y'], [], NOW), undefined);
    assert.equal(cache.get(['x,y'], undefined, NOW), undefined);
    assert.equal(cache.get(['x', 'y'], undefined, NOW), a);
  });

  it('forgets a certificate at the expiry it was stored with, and keeps at most its size', () => {
    const cache = new DecodedHeaders(2);
    cache.set(['1'], undefined, presented('1'), LATER, NOW);
    assert.equal(cache.get(['1'], undefined, LATER), undefined);
    cache.set(['2'], undefined, presented('2'), LATER, NOW);
    cache.set(['3'], undefined, presented('3'), LATER, NOW);
    cache.set(['4'], undefined, presented('4'), LATER, NOW);
    assert.equal(cache.get(['2'], undefined, NOW), undefined);
    assert.equal(cache.get(['4'], undefined, NOW)?.source, '4');
  });
});
