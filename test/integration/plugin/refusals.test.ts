// Every refusal at the token endpoint: status, OAuth error, description, and the coded cause
// reported through the provider's `mtls.refused` event. None of them may be a 500.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { postForm, tlsFetch } from '../../support/client.js';
import { jwkWithCertificate, startTestProvider, type TestProvider } from '../../support/provider.js';

const spki = (cert: TestCertificate) => createHash('sha256').update(cert.x509.publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');

describe('plugin: refusals at the token endpoint', () => {
  let pki: TestPki;
  let op: TestProvider;
  let otherRoot: TestCertificate;

  before(async () => {
    pki = await createTestPki();
    otherRoot = await issue({ subject: 'CN=Other Root CA', ca: true });
    op = await startTestProvider({
      pki,
      mtls: { trustAnchors: [pki.root.pem, otherRoot.pem] },
      clients: [
        {
          client_id: 'pinned-client',
          token_endpoint_auth_method: 'tls_client_auth',
          tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB',
          tls_client_auth_anchor_pins: [spki(otherRoot)],
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: 'pinned-right',
          token_endpoint_auth_method: 'tls_client_auth',
          tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB',
          tls_client_auth_anchor_pins: [spki(otherRoot), spki(pki.root)],
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: 'tls-client',
          token_endpoint_auth_method: 'tls_client_auth',
          tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB',
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: 'self-signed-client',
          token_endpoint_auth_method: 'self_signed_tls_client_auth',
          jwks: { keys: [jwkWithCertificate(pki.selfSigned)] },
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: 'secret-bound-client',
          client_secret: 'a-test-secret-of-sufficient-length',
          token_endpoint_auth_method: 'client_secret_post',
          tls_client_certificate_bound_access_tokens: true,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
      ] as never,
    });
  });

  after(() => op.close());

  async function tokenRequest(clientId: string, cert: TestCertificate | undefined, origin = op.mtlsOrigin, extra: Record<string, string> = {}) {
    const before = op.refusals.length;
    const result = await postForm(tlsFetch(pki.root, cert), `${origin}/token`, { grant_type: 'client_credentials', client_id: clientId, ...extra });
    return { ...result, codes: op.refusals.slice(before).map((error) => error.code) };
  }

  it('no certificate (the main origin does not ask for one): 401 invalid_client, ERR_MTLS_CERT_MISSING', async () => {
    const { status, body, codes } = await tokenRequest('tls-client', undefined, op.issuer);
    assert.equal(status, 401);
    assert.equal(body.error, 'invalid_client');
    // The description says where the request belongs (the mTLS alias).
    assert.match(String(body.error_description), /^client certificate was not provided; no certificate reaches .* mTLS endpoint alias/);
    assert.deepEqual(codes, ['ERR_MTLS_CERT_MISSING']);
  });

  it('the mTLS alias reached without a certificate: 401 invalid_client, ERR_MTLS_CERT_MISSING', async () => {
    const { status, body, codes } = await tokenRequest('self-signed-client', undefined);
    assert.equal(status, 401);
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(codes, ['ERR_MTLS_CERT_MISSING']);
  });

  it('a chain to no trust anchor: 401 invalid_client, ERR_MTLS_CHAIN_UNTRUSTED', async () => {
    const { status, body, codes } = await tokenRequest('tls-client', pki.selfSigned);
    assert.equal(status, 401);
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(codes, ['ERR_MTLS_CHAIN_UNTRUSTED']);
  });

  it('an expired certificate: 401 invalid_client, ERR_MTLS_CERT_EXPIRED', async () => {
    const expired = await issue({
      subject: 'CN=client-a,O=Example Bank,C=GB',
      issuer: pki.intermediate,
      notBefore: new Date(Date.now() - 7 * 86400_000),
      notAfter: new Date(Date.now() - 86400_000),
    });
    const { status, body, codes } = await tokenRequest('tls-client', expired);
    assert.equal(status, 401);
    assert.equal(body.error, 'invalid_client');
    assert.match(String(body.error_description), /expired/);
    assert.deepEqual(codes, ['ERR_MTLS_CERT_EXPIRED']);
  });

  it('a certificate without the clientAuth extended key usage: 401 invalid_client, ERR_MTLS_EKU', async () => {
    const serverOnly = await issue({ subject: 'CN=client-a,O=Example Bank,C=GB', issuer: pki.intermediate, eku: ['1.3.6.1.5.5.7.3.1'] });
    const { status, body, codes } = await tokenRequest('tls-client', serverOnly);
    assert.equal(status, 401);
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(codes, ['ERR_MTLS_EKU']);
  });

  it('another trusted client\'s certificate: 401 invalid_client, ERR_MTLS_SUBJECT_MISMATCH naming what the certificate offers', async () => {
    const { status, body, codes } = await tokenRequest('tls-client', pki.clientB);
    assert.equal(status, 401);
    assert.equal(body.error, 'invalid_client');
    assert.match(String(body.error_description), /tls_client_auth_subject_dn/);
    assert.match(String(body.error_description), /client-b/);
    assert.deepEqual(codes, ['ERR_MTLS_SUBJECT_MISMATCH']);
  });

  it('a self-signed certificate not in the client\'s jwks: 401 invalid_client, ERR_MTLS_CERT_UNREGISTERED', async () => {
    const { status, body, codes } = await tokenRequest('self-signed-client', pki.clientA);
    assert.equal(status, 401);
    assert.equal(body.error, 'invalid_client');
    assert.match(String(body.error_description), /not registered/);
    assert.deepEqual(codes, ['ERR_MTLS_CERT_UNREGISTERED']);
  });

  it('a certificate from a trusted anchor the client is not pinned to: 401 invalid_client, ERR_MTLS_ANCHOR_NOT_ALLOWED', async () => {
    const { status, body, codes } = await tokenRequest('pinned-client', pki.clientA);
    assert.equal(status, 401);
    assert.equal(body.error, 'invalid_client');
    assert.match(String(body.error_description), /not pinned/);
    assert.deepEqual(codes, ['ERR_MTLS_ANCHOR_NOT_ALLOWED']);
    assert.equal((await tokenRequest('pinned-right', pki.clientA)).status, 200, 'pinned by key to the anchor it chains to');
  });

  it('a forged certificate header on a direct connection is ignored and reported, not believed', async () => {
    const before = op.refusals.length;
    const forged = await postForm(tlsFetch(pki.root), `${op.issuer}/token`, { grant_type: 'client_credentials', client_id: 'tls-client' }, {
      'client-cert': `:${pki.clientA.der.toString('base64')}:`,
    });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error, 'invalid_client');
    assert.deepEqual(op.refusals.slice(before).map((error) => error.code), ['ERR_MTLS_CERT_MISSING']);
  });

  it('a client bound by registration asking for a token without a certificate: 400 invalid_grant, ERR_MTLS_CERT_MISSING', async () => {
    const { status, body, codes } = await tokenRequest('secret-bound-client', undefined, op.issuer, { client_secret: 'a-test-secret-of-sufficient-length' });
    assert.equal(status, 400);
    assert.equal(body.error, 'invalid_grant');
    assert.deepEqual(codes, ['ERR_MTLS_CERT_MISSING']);
  });

  it('a client bound by registration with a certificate gets the token bound to it, whatever its auth method', async () => {
    const { status, body } = await tokenRequest('secret-bound-client', pki.clientB, op.mtlsOrigin, { client_secret: 'a-test-secret-of-sufficient-length' });
    assert.equal(status, 200);
    const introspection = await postForm(tlsFetch(pki.root, pki.clientB), `${op.mtlsOrigin}/token/introspection`, {
      token: String(body.access_token),
      client_id: 'secret-bound-client',
      client_secret: 'a-test-secret-of-sufficient-length',
    });
    assert.equal(introspection.body.active, true);
    assert.ok((introspection.body.cnf as Record<string, string>)['x5t#S256']);
  });
});
