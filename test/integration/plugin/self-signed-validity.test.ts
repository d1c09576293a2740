// selfSignedValidity at a real provider's token endpoint, over real TLS: a self-signed certificate
// registered in the client's jwks, expired (or not yet valid) at test time, authenticates only
// where the deployment chose 'ignore'. RFC 8705 section 2.2 matches the certificate as a key;
// the default, 'enforce', also holds the client to the dates it gave its own certificate.
import assert from 'node:assert/strict';
import { createMtls } from '../../../src/index.js';
import { ConfigurationError } from '../../../src/errors.js';
import { postForm, tlsFetch } from '../../support/client.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { jwkWithCertificate, startTestProvider, type TestProvider } from '../../support/provider.js';

const HOUR = 3600_000;

describe('self_signed_tls_client_auth and the certificate\'s validity period (selfSignedValidity)', () => {
  let pki: TestPki;
  let expired: TestCertificate;
  let future: TestCertificate;
  let justExpired: TestCertificate;

  before(async () => {
    pki = await createTestPki();
    const now = Date.now();
    expired = await issue({ subject: 'CN=expired self-signed', notBefore: new Date(now - 48 * HOUR), notAfter: new Date(now - 24 * HOUR) });
    future = await issue({ subject: 'CN=future self-signed', notBefore: new Date(now + 24 * HOUR), notAfter: new Date(now + 48 * HOUR) });
    justExpired = await issue({ subject: 'CN=just expired self-signed', notBefore: new Date(now - HOUR), notAfter: new Date(now - 20_000) });
  });

  const client = (id: string, cert: TestCertificate) => ({
    client_id: id,
    token_endpoint_auth_method: 'self_signed_tls_client_auth',
    jwks: { keys: [jwkWithCertificate(cert)] },
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  });

  async function start(mtls: Record<string, unknown>): Promise<TestProvider> {
    return startTestProvider({
      pki,
      mtls,
      clients: [client('valid', pki.selfSigned), client('expired', expired), client('future', future), client('just-expired', justExpired)] as never,
    });
  }

  async function token(op: TestProvider, clientId: string, cert: TestCertificate) {
    const before = op.refusals.length;
    const response = await postForm(tlsFetch(pki.root, cert), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: clientId });
    return { ...response, codes: op.refusals.slice(before).map((error) => error.code) };
  }

  describe('default (\'enforce\')', () => {
    let op: TestProvider;
    before(async () => {
      op = await start({ trustAnchors: [pki.root.pem], clockTolerance: 30 });
    });
    after(() => op?.close());

    it('a registered certificate inside its validity period gets a token (the control)', async () => {
      const { status, body } = await token(op, 'valid', pki.selfSigned);
      assert.equal(status, 200, JSON.stringify(body));
    });

    it('a registered certificate that expired yesterday: 401 invalid_client, ERR_MTLS_CERT_EXPIRED', async () => {
      const { status, body, codes } = await token(op, 'expired', expired);
      assert.equal(status, 401, JSON.stringify(body));
      assert.equal(body.error, 'invalid_client');
      assert.match(String(body.error_description), /expired at/);
      assert.deepEqual(codes, ['ERR_MTLS_CERT_EXPIRED']);
    });

    it('a registered certificate valid only from tomorrow: 401 invalid_client, ERR_MTLS_CERT_NOT_YET_VALID', async () => {
      const { status, body, codes } = await token(op, 'future', future);
      assert.equal(status, 401, JSON.stringify(body));
      assert.equal(body.error, 'invalid_client');
      assert.deepEqual(codes, ['ERR_MTLS_CERT_NOT_YET_VALID']);
    });

    it('clockTolerance applies: expired 20 s ago with 30 s tolerated gets a token', async () => {
      const { status, body } = await token(op, 'just-expired', justExpired);
      assert.equal(status, 200, JSON.stringify(body));
    });

    it('an expired certificate registered to no client is refused for its dates, reported once', async () => {
      const { status, body, codes } = await token(op, 'valid', expired);
      assert.equal(status, 401);
      assert.equal(body.error, 'invalid_client');
      assert.deepEqual(codes, ['ERR_MTLS_CERT_EXPIRED']);
    });
  });

  it('refuses any other value, naming the option', () => {
    assert.throws(() => createMtls({ tlsClientAuth: false, selfSignedValidity: 'sometimes' as never }), (error: unknown) => error instanceof ConfigurationError && /selfSignedValidity must be 'enforce' or 'ignore'/.test(error.message));
  });

  describe('\'ignore\'', () => {
    let op: TestProvider;
    before(async () => {
      op = await start({ trustAnchors: [pki.root.pem], selfSignedValidity: 'ignore' });
    });
    after(() => op?.close());

    it('the expired and the not-yet-valid registered certificates get tokens: the thumbprint alone decides', async () => {
      for (const [id, cert] of [['expired', expired], ['future', future]] as const) {
        const { status, body, codes } = await token(op, id, cert);
        assert.equal(status, 200, `${id}: ${JSON.stringify(body)}`);
        assert.deepEqual(codes, []);
      }
    });

    it('an unregistered certificate is still refused (ERR_MTLS_CERT_UNREGISTERED)', async () => {
      const { status, codes } = await token(op, 'expired', pki.selfSigned);
      assert.equal(status, 401);
      assert.deepEqual(codes, ['ERR_MTLS_CERT_UNREGISTERED']);
    });
  });
});
