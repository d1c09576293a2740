// Refusals that say what to do, over real TLS: a certificate client on the main origin is sent to
// the mTLS alias; a leaf forwarded by a proxy without its chain names the issuer looked for and
// the `intermediates` option, and configuring it makes the same request succeed.
import { strict as assert } from 'node:assert';
import { postForm, tlsFetch } from '../../support/client.js';
import { createTestPki, type TestPki } from '../../support/pki.js';
import { certificateClient, startTestProvider, type TestProvider } from '../../support/provider.js';
import * as shape from '../../intake/shapes.js';

const CLIENT = certificateClient();

describe('refusals that say what to do', () => {
  let pki: TestPki;
  before(async () => {
    pki = await createTestPki();
  });

  describe('socket source', () => {
    let op: TestProvider;
    before(async () => {
      op = await startTestProvider({ pki, clients: [CLIENT] as never });
    });
    after(() => op.close());

    it('a token request on the main origin without a certificate points to the mTLS alias', async () => {
      const { status, body } = await postForm(tlsFetch(pki.root, pki.clientA), `${op.issuer}/token`, { grant_type: 'client_credentials', client_id: 'tls-cc' });
      assert.equal(status, 401);
      assert.equal(body.error, 'invalid_client');
      assert.match(String(body.error_description), new RegExp(`send this request to the mTLS endpoint alias on ${op.mtlsOrigin}`));
      assert.equal(op.refusals.at(-1)?.code, 'ERR_MTLS_CERT_MISSING');
    });

    it('the same request on the alias succeeds', async () => {
      const { status } = await postForm(tlsFetch(pki.root, pki.clientA), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: 'tls-cc' });
      assert.equal(status, 200);
    });
  });

  describe('a proxy header carrying the leaf only', () => {
    const source = { format: 'rfc9440' as const, trustedProxies: { addresses: ['127.0.0.1/32'] } };
    let plain: TestProvider;
    let withIntermediates: TestProvider;
    before(async () => {
      plain = await startTestProvider({ pki, clients: [CLIENT] as never, mtls: { certificateSource: source } });
      withIntermediates = await startTestProvider({ pki, clients: [CLIENT] as never, mtls: { certificateSource: source, intermediates: [pki.intermediate.pem] } });
    });
    after(async () => {
      await plain.close();
      await withIntermediates.close();
    });

    it('names the issuer looked for and suggests intermediates', async () => {
      const { status, body } = await postForm(tlsFetch(pki.root), `${plain.issuer}/token`, { grant_type: 'client_credentials', client_id: 'tls-cc' }, { 'client-cert': shape.rfc9440(pki.clientA) });
      assert.equal(status, 401);
      assert.match(String(body.error_description), /the issuer looked for is "CN=Test Issuing CA,O=oidc-provider-mtls tests"/);
      assert.match(String(body.error_description), /came through the rfc9440 proxy header without its chain: add the issuing CA to the intermediates option/);
      assert.equal(plain.refusals.at(-1)?.code, 'ERR_MTLS_CHAIN_UNTRUSTED');
    });

    it('with intermediates configured, the same request succeeds', async () => {
      const { status } = await postForm(tlsFetch(pki.root), `${withIntermediates.issuer}/token`, { grant_type: 'client_credentials', client_id: 'tls-cc' }, { 'client-cert': shape.rfc9440(pki.clientA) });
      assert.equal(status, 200);
    });
  });
});
