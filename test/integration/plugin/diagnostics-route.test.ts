// The opt-in diagnostics route over real TLS and through a proxy header: what the intake saw for
// the caller's own request, answered only to the bearer secret or configured addresses.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { Agent, fetch } from 'undici';
import { createMtls } from '../../../src/index.js';
import { ConfigurationError } from '../../../src/errors.js';
import { makeOpensslPki, type OpensslPki } from '../../cli/openssl.js';
import { tlsFetch, type Fetch } from '../../support/client.js';
import { createTestPki, type TestPki } from '../../support/pki.js';
import { startTestProvider, type TestProvider } from '../../support/provider.js';
import { x5t } from '../../support/thumbprint.js';
import * as shape from '../../intake/shapes.js';

const PATH = '/.well-known/mtls-diagnostics';
const SECRET = 'diagnostics-secret-0123456789abcdefghij';

/** The route's answer, as documented. */
interface Report {
  source: string;
  proxy: { decision: string; reason?: string; header?: string };
  refusal?: { code: string; message: string };
  certificate: null | { subject: string; issuer: string; subjectAltNames: string[]; 'x5t#S256': string; chainLength: number };
  verdict: null | { valid: boolean; code?: string; anchor?: string };
}

async function get(fetcher: Fetch, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Report }> {
  const response = await fetcher(url, { headers });
  const text = await response.text();
  return { status: response.status, body: (text.startsWith('{') ? JSON.parse(text) : {}) as Report };
}

describe('diagnostics route', () => {
  let pki: TestPki;
  let openssl: OpensslPki;
  before(async () => {
    pki = await createTestPki();
    openssl = await makeOpensslPki();
  });
  after(() => openssl.close());

  describe('with a bearer secret (socket, and a header source trusted only from 10.0.0.0/8)', () => {
    let op: TestProvider;
    before(async () => {
      op = await startTestProvider({
        pki,
        clients: [],
        mtls: {
          diagnostics: { bearerSecret: SECRET },
          certificateSource: [{ format: 'rfc9440', trustedProxies: { addresses: ['10.0.0.0/8'] } }, 'socket'] as never,
        },
      });
    });
    after(() => op.close());
    const bearer = { authorization: `Bearer ${SECRET}` };

    it('on the mTLS alias: the socket certificate, its chain length, x5t#S256 and verdict', async () => {
      const { status, body } = await get(tlsFetch(pki.root, pki.clientA), `${op.mtlsOrigin}${PATH}`, bearer);
      assert.equal(status, 200);
      assert.equal(body.source, 'socket');
      assert.deepEqual(body.proxy, { decision: 'not-used' });
      assert.equal(body.certificate!.subject, 'CN=client-a,O=Example Bank,C=GB');
      assert.equal(body.certificate!.issuer, 'CN=Test Issuing CA,O=oidc-provider-mtls tests');
      assert.deepEqual(body.certificate!.subjectAltNames, ['DNS:client-a.example.com', 'email:ops@client-a.example.com']);
      assert.equal(body.certificate!['x5t#S256'], x5t(pki.clientA));
      assert.equal(body.certificate!.chainLength, 1);
      assert.deepEqual(body.verdict, { valid: true, anchor: 'CN=Test Root CA,O=oidc-provider-mtls tests' });
    });

    it('an openssl-made certificate from another CA: the verdict code says why', async () => {
      const file = (name: string) => readFile(openssl.file(name), 'utf8');
      const agent = new Agent({ connect: { ca: pki.root.pem, cert: await file('client.pem'), key: await file('client.key') } });
      const response = await fetch(`${op.mtlsOrigin}${PATH}`, { headers: bearer, dispatcher: agent });
      const body = await response.json() as Report;
      assert.equal(body.certificate!.subject, 'CN=client-a,O=Example Bank,C=GB');
      assert.equal(body.certificate!.issuer, 'CN=Example Issuing CA,O=Example Bank,C=GB');
      assert.equal(body.certificate!.chainLength, 0);
      assert.equal(body.verdict!.valid, false);
      assert.equal(body.verdict!.code, 'ERR_MTLS_CHAIN_UNTRUSTED');
    });

    it('on the main origin, which asks for no certificate: none arrived', async () => {
      const { status, body } = await get(tlsFetch(pki.root, pki.clientA), `${op.issuer}${PATH}`, bearer);
      assert.equal(status, 200);
      assert.deepEqual(body, { source: 'none', proxy: { decision: 'not-used' }, certificate: null, verdict: null });
    });

    it('a header from an untrusted source: the proxy decision and its reason', async () => {
      const { body } = await get(tlsFetch(pki.root), `${op.issuer}${PATH}`, { ...bearer, 'client-cert': shape.rfc9440(pki.clientA) });
      assert.equal(body.proxy.decision, 'untrusted');
      assert.match(String(body.proxy.reason), /127\.0\.0\.1/);
      assert.equal(body.refusal!.code, 'ERR_MTLS_PROXY_UNTRUSTED');
      assert.equal(body.certificate, null);
    });

    it('without the secret, or with another, the route does not exist (404)', async () => {
      assert.equal((await get(tlsFetch(pki.root, pki.clientA), `${op.mtlsOrigin}${PATH}`)).status, 404);
      assert.equal((await get(tlsFetch(pki.root, pki.clientA), `${op.mtlsOrigin}${PATH}`, { authorization: `Bearer ${SECRET}x` })).status, 404);
    });
  });

  describe('for configured addresses, behind a trusted proxy that forwards only the leaf', () => {
    let op: TestProvider;
    before(async () => {
      op = await startTestProvider({
        pki,
        clients: [],
        mtls: { diagnostics: { addresses: ['127.0.0.1/32', '::1/128'] }, certificateSource: { format: 'rfc9440', trustedProxies: { addresses: ['127.0.0.1/32'] } } },
      });
    });
    after(() => op.close());

    it('the header source, the trusted proxy, chain length 0 and the untrusted-chain code', async () => {
      const { status, body } = await get(tlsFetch(pki.root), `${op.issuer}${PATH}`, { 'client-cert': shape.rfc9440(pki.clientA) });
      assert.equal(status, 200);
      assert.equal(body.source, 'rfc9440');
      assert.deepEqual(body.proxy, { decision: 'trusted', header: 'rfc9440' });
      assert.equal(body.certificate!.chainLength, 0);
      assert.equal(body.verdict!.code, 'ERR_MTLS_CHAIN_UNTRUSTED');
    });
  });

  describe('behind Envoy, AWS ALB and Traefik, which forward the chain', () => {
    const cases = [
      ['xfcc', 'x-forwarded-client-cert', () => shape.xfccElement(pki.clientA, { chain: [pki.intermediate] })],
      ['aws-alb', 'x-amzn-mtls-clientcert', () => shape.awsAlb(pki.clientA, pki.intermediate)],
      ['traefik', 'x-forwarded-tls-client-cert', () => shape.traefik(pki.clientA, pki.intermediate)],
    ] as const;
    for (const [format, header, value] of cases) {
      it(`${format}: the header source, the chain it carried, a valid verdict`, async () => {
        const op = await startTestProvider({
          pki,
          clients: [],
          mtls: { diagnostics: { addresses: ['127.0.0.1/32', '::1/128'] }, certificateSource: { format, trustedProxies: { addresses: ['127.0.0.1/32'] } } },
        });
        try {
          const { status, body } = await get(tlsFetch(pki.root), `${op.issuer}${PATH}`, { [header]: value() });
          assert.equal(status, 200);
          assert.equal(body.source, format);
          assert.equal(body.proxy.decision, 'trusted');
          assert.equal(body.certificate!['x5t#S256'], x5t(pki.clientA));
          assert.equal(body.certificate!.chainLength, 1);
          assert.deepEqual(body.verdict, { valid: true, anchor: 'CN=Test Root CA,O=oidc-provider-mtls tests' });
        } finally {
          await op.close();
        }
      });
    }
  });

  it('is off by default and refuses a configuration that would answer no one', async () => {
    const op = await startTestProvider({ pki, clients: [] });
    try {
      assert.equal((await get(tlsFetch(pki.root, pki.clientA), `${op.mtlsOrigin}${PATH}`)).status, 404);
    } finally {
      await op.close();
    }
    assert.throws(() => createMtls({ trustAnchors: [pki.root.pem], diagnostics: {} }), (error) => error instanceof ConfigurationError && /diagnostics needs addresses or bearerSecret/.test(error.message));
    assert.throws(() => createMtls({ trustAnchors: [pki.root.pem], diagnostics: { bearerSecret: 'short' } }), /diagnostics\.bearerSecret must be a string of at least 32 characters/);
    assert.throws(() => createMtls({ trustAnchors: [pki.root.pem], diagnostics: { addresses: ['nope'] } }), /diagnostics\.addresses\[0\] must be a CIDR string/);
  });
});
