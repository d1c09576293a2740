// The diagnostics channels over real TLS: authentication outcomes with method, client, code and
// source; verdict cache hits and misses; untrusted proxy attempts. And NODE_DEBUG logging of
// refusals, in a child process because Node reads NODE_DEBUG once at startup.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CHANNELS, type AuthenticationMessage, type ProxyUntrustedMessage, type VerdictCacheMessage } from '../../../src/index.js';
import { postForm, tlsFetch } from '../../support/client.js';
import { makeOpensslPki, type OpensslPki } from '../../cli/openssl.js';
import { createTestPki, type TestCertificate, type TestPki } from '../../support/pki.js';
import { certificateClient, startTestProvider, type TestProvider } from '../../support/provider.js';
import { x5t } from '../../support/thumbprint.js';
import * as shape from '../../intake/shapes.js';

const CLIENT = certificateClient();

function collect<T>(name: string): { messages: T[]; stop(): void } {
  const messages: T[] = [];
  const listener = (message: unknown) => messages.push(message as T);
  subscribe(name, listener);
  return { messages, stop: () => unsubscribe(name, listener) };
}

describe('observability: diagnostics channels and NODE_DEBUG', () => {
  let pki: TestPki;
  let op: TestProvider;
  before(async () => {
    pki = await createTestPki();
    op = await startTestProvider({
      pki,
      clients: [CLIENT] as never,
      mtls: { certificateSource: [{ format: 'rfc9440', trustedProxies: { addresses: ['10.0.0.0/8'] } }, 'socket'] as never },
    });
  });
  after(() => op.close());

  const token = (fetch: ReturnType<typeof tlsFetch>, headers: Record<string, string> = {}) =>
    postForm(fetch, `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: 'tls-cc' }, headers);

  it('publishes each authentication outcome and each verdict cache lookup', async () => {
    const auth = collect<AuthenticationMessage>(CHANNELS.authentication);
    const cache = collect<VerdictCacheMessage>(CHANNELS.verdictCache);
    try {
      assert.equal((await token(tlsFetch(pki.root, pki.clientB))).status, 401);
      assert.equal((await token(tlsFetch(pki.root, pki.clientA))).status, 200);
      assert.equal((await token(tlsFetch(pki.root, pki.clientA))).status, 200);
    } finally {
      auth.stop();
      cache.stop();
    }
    assert.deepEqual(auth.messages, [
      { outcome: 'refused', method: 'tls_client_auth', clientId: 'tls-cc', code: 'ERR_MTLS_SUBJECT_MISMATCH', source: 'socket', route: 'token' },
      { outcome: 'accepted', method: 'tls_client_auth', clientId: 'tls-cc', source: 'socket', route: 'token' },
      { outcome: 'accepted', method: 'tls_client_auth', clientId: 'tls-cc', source: 'socket', route: 'token' },
    ]);
    assert.deepEqual(cache.messages, [
      { result: 'miss', thumbprint: x5t(pki.clientB) },
      { result: 'miss', thumbprint: x5t(pki.clientA) },
      { result: 'hit', thumbprint: x5t(pki.clientA) },
    ]);
  });

  it('publishes a certificate header from an untrusted source', async () => {
    const proxy = collect<ProxyUntrustedMessage>(CHANNELS.proxyUntrusted);
    const auth = collect<AuthenticationMessage>(CHANNELS.authentication);
    try {
      await token(tlsFetch(pki.root), { 'client-cert': shape.rfc9440(pki.clientA) });
    } finally {
      proxy.stop();
      auth.stop();
    }
    assert.equal(proxy.messages.length, 1);
    assert.match(String(proxy.messages[0]!.remoteAddress), /127\.0\.0\.1$/);
    assert.ok(auth.messages.some((m) => m.outcome === 'refused' && m.code === 'ERR_MTLS_PROXY_UNTRUSTED'));
  });

  it('NODE_DEBUG=oidc-provider-mtls logs each refusal with its code', async () => {
    const child = fileURLToPath(new URL('./debug-log-child.ts', import.meta.url));
    const stderr = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', child], { env: { ...process.env, NODE_DEBUG: 'oidc-provider-mtls' }, encoding: 'utf8' }, (error, _stdout, err) => (error ? reject(error) : resolve(err)));
    });
    assert.match(stderr, /OIDC-PROVIDER-MTLS \d+: refused ERR_MTLS_SUBJECT_MISMATCH: the certificate does not match the registered tls_client_auth_subject_dn.*\(client tls-cc, route token\)/);
  });

  describe('with certificates made by the openssl command line, as a user makes them', () => {
    let files: OpensslPki;
    let opensslOp: TestProvider;
    const pem = (name: string) => readFile(files.file(name), 'utf8');

    before(async () => {
      files = await makeOpensslPki();
      await files.issueClient('intruder', '/C=GB/O=Example Bank/CN=intruder');
      opensslOp = await startTestProvider({
        pki,
        clients: [{ ...CLIENT, client_id: 'openssl-cc' }] as never,
        mtls: { trustAnchors: [await pem('root.pem')] },
      });
    });
    after(async () => {
      await opensslOp?.close();
      await files?.close();
    });

    it('publishes the outcome of an openssl-made client certificate, accepted and refused, with the code the metrics count', async () => {
      const auth = collect<AuthenticationMessage>(CHANNELS.authentication);
      // The openssl files in the shape tlsFetch reads: the leaf, the chain it sends, the key.
      const presented = async (name: string) => ({ pem: await pem(`${name}.pem`), chainPem: await pem('intermediate.pem'), keyPem: await pem(`${name}.key`) }) as unknown as TestCertificate;
      const request = async (name: string) => postForm(
        tlsFetch(pki.root, await presented(name)),
        `${opensslOp.mtlsOrigin}/token`,
        { grant_type: 'client_credentials', client_id: 'openssl-cc' },
      );
      try {
        assert.equal((await request('client')).status, 200);
        assert.equal((await request('intruder')).status, 401);
      } finally {
        auth.stop();
      }
      assert.deepEqual(auth.messages, [
        { outcome: 'accepted', method: 'tls_client_auth', clientId: 'openssl-cc', source: 'socket', route: 'token' },
        { outcome: 'refused', method: 'tls_client_auth', clientId: 'openssl-cc', code: 'ERR_MTLS_SUBJECT_MISMATCH', source: 'socket', route: 'token' },
      ]);
    });
  });
});
