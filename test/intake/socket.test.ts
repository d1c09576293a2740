import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { socketSource } from '../../src/intake/index.js';
import { createTestPki, type TestPki } from '../support/pki.js';

/**
 * A stand-in for a TLS socket whose handshake state the test controls, to show when the source
 * reads the peer again. Real handshakes are covered by the integration suites.
 */
function connection(pki: TestPki) {
  const state = { raw: pki.clientA.der, finished: Buffer.from('handshake-1'), reads: 0 };
  const socket = {
    getPeerX509Certificate() {
      state.reads += 1;
      return new X509Certificate(state.raw);
    },
    getFinished: () => state.finished,
    isSessionReused: () => false,
  };
  return { state, req: { socket } as unknown as IncomingMessage };
}

describe('socketSource', () => {
  let pki: TestPki;
  before(async () => { pki = await createTestPki(); });

  it('reads the peer certificate once per connection and reuses the parsed certificate', async () => {
    const source = socketSource();
    const { state, req } = connection(pki);
    const first = await source.read(req);
    const second = await source.read(req);
    assert.equal(state.reads, 1);
    assert.equal(first, second);
    assert.equal(first.kind === 'certificate' && first.certificate.leaf.der.equals(pki.clientA.der), true);

    const other = connection(pki);
    const third = await source.read(other.req);
    assert.ok(first.kind === 'certificate' && third.kind === 'certificate');
    assert.equal(third.certificate.leaf, first.certificate.leaf, 'one parse per certificate across connections');
  });

  it('reads again after a renegotiation (a new Finished message), and sees the new certificate', async () => {
    const source = socketSource();
    const { state, req } = connection(pki);
    await source.read(req);
    state.raw = pki.clientB.der;
    state.finished = Buffer.from('handshake-2');
    const after = await source.read(req);
    assert.equal(state.reads, 2);
    assert.ok(after.kind === 'certificate');
    assert.ok(after.certificate.leaf.der.equals(pki.clientB.der));
  });

  it('finds nothing on a connection without TLS or without a client certificate', async () => {
    const source = socketSource();
    assert.deepEqual(await source.read({ socket: {} } as unknown as IncomingMessage), { kind: 'none' });
    const bare = { socket: { getPeerX509Certificate: () => undefined, getFinished: () => undefined, isSessionReused: () => false } } as unknown as IncomingMessage;
    assert.deepEqual(await source.read(bare), { kind: 'none' });
  });
});

describe('socketSource options', () => {
  it('refuses a cacheSize that is not a positive integer', () => {
    assert.throws(() => socketSource({ cacheSize: 0 }), /socketSource\(\) cacheSize must be a positive integer/);
  });

  it('refuses an unknown option, naming the one it looks like', () => {
    assert.throws(() => socketSource({ cachesize: 10 } as never), { code: 'ERR_MTLS_INVALID_OPTION', message: 'cachesize is not an option of socketSource (did you mean cacheSize?)' });
  });
});
