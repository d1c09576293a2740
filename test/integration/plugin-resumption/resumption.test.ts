// TLS 1.3 session resumption on the mTLS origin. A resumed handshake sends no Certificate message:
// the server takes the client certificate from the session. OpenSSL keeps the leaf in the session
// but not the intermediates the client sent, so a resumed connection shows the leaf alone.
// These tests pin down what the plugin then does: the leaf is still read, the token is still
// bound to it, the chain comes from the full handshake (remembered by the socket source) or from
// configured intermediates, a session cannot be passed off as another certificate, and a chain
// that cannot be rebuilt fails closed.
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { socketSource } from '../../../src/intake/index.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { jwkWithCertificate, RESOURCE_JWT, startTestProvider, type TestProvider } from '../../support/provider.js';
import { x5t } from '../../support/thumbprint.js';
import { postOnNewConnection, type SessionResponse } from '../../support/tls-session.js';

const common = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], tls_client_certificate_bound_access_tokens: true };

describe('plugin: TLS 1.3 session resumption on the mTLS origin', () => {
  let pki: TestPki;
  let direct: TestCertificate;
  let op: TestProvider;
  let opWithIntermediates: TestProvider;
  let opForgetful: TestProvider;

  before(async () => {
    pki = await createTestPki();
    direct = await issue({ subject: 'CN=direct-client,O=Example Bank,C=GB', issuer: pki.root });
    const clients = [
      { client_id: 'tls-a', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB', ...common },
      { client_id: 'tls-b', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=client-b,O=Example Bank,C=GB', ...common },
      { client_id: 'direct', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=direct-client,O=Example Bank,C=GB', ...common },
      { client_id: 'self', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [jwkWithCertificate(pki.selfSigned)] }, ...common },
    ] as never;
    op = await startTestProvider({ pki, clients });
    opWithIntermediates = await startTestProvider({ pki, clients, mtls: { intermediates: [pki.intermediate.pem] } });
    opForgetful = await startTestProvider({ pki, clients, mtls: { certificateSource: socketSource({ cacheSize: 1 }) } });
  });

  after(async () => {
    await op?.close();
    await opWithIntermediates?.close();
    await opForgetful?.close();
  });

  /** A token request on a new connection, resuming `session` when given. */
  function token(provider: TestProvider, clientId: string, cert: { pem: string; keyPem: string }, session?: Buffer, maxVersion?: 'TLSv1.2'): Promise<SessionResponse> {
    return postOnNewConnection({
      ...(maxVersion ? { maxVersion } : {}),
      origin: provider.mtlsOrigin,
      path: '/token',
      ca: pki.root,
      cert,
      ...(session ? { session } : {}),
      form: { grant_type: 'client_credentials', client_id: clientId, resource: RESOURCE_JWT, scope: 'api:read' },
    });
  }

  /** A full handshake, then a resumed one with the session it left; both must succeed. */
  async function fullThenResumed(provider: TestProvider, clientId: string, cert: { pem: string; keyPem: string }) {
    const full = await token(provider, clientId, cert);
    assert.equal(full.status, 200, JSON.stringify(full.body));
    assert.equal(full.resumed, false);
    assert.equal(full.protocol, 'TLSv1.3');
    assert.ok(full.session, 'the server issued a session ticket');
    const resumed = await token(provider, clientId, cert, full.session);
    assert.equal(resumed.resumed, true, 'the second handshake resumed the session');
    return { full, resumed };
  }

  const cnf = (response: SessionResponse) => decodeJwt(String(response.body.access_token)).cnf;
  const chainA = () => ({ pem: pki.clientA.pem + pki.intermediate.pem, keyPem: pki.clientA.keyPem });

  it('self_signed_tls_client_auth: a resumed session still yields the certificate, and the token is bound to it', async () => {
    const { full, resumed } = await fullThenResumed(op, 'self', pki.selfSigned);
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.deepEqual(cnf(resumed), { 'x5t#S256': x5t(pki.selfSigned) });
    assert.deepEqual(cnf(resumed), cnf(full));
  });

  it('tls_client_auth, leaf issued by the anchor itself: a resumed session authenticates and binds as the full handshake did', async () => {
    const { full, resumed } = await fullThenResumed(op, 'direct', direct);
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.deepEqual(cnf(resumed), { 'x5t#S256': x5t(direct) });
    assert.deepEqual(cnf(full), cnf(resumed));
  });

  it('tls_client_auth through an intermediate configured in `intermediates`: a resumed session authenticates and binds', async () => {
    const { resumed } = await fullThenResumed(opWithIntermediates, 'tls-a', chainA());
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.deepEqual(cnf(resumed), { 'x5t#S256': x5t(pki.clientA) });
  });

  it('tls_client_auth through an intermediate only the full handshake carried: the socket source supplies the remembered chain on resumption', async () => {
    const { full, resumed } = await fullThenResumed(op, 'tls-a', chainA());
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.deepEqual(cnf(resumed), { 'x5t#S256': x5t(pki.clientA) });
    assert.deepEqual(cnf(full), cnf(resumed));
  });

  it('a resumed session whose chain is no longer remembered fails closed: 401 invalid_client, ERR_MTLS_CHAIN_UNTRUSTED', async () => {
    const first = await token(opForgetful, 'tls-a', chainA());
    assert.equal(first.status, 200, JSON.stringify(first.body));
    // The memory holds one chain: B's full handshake pushes out A's.
    const other = await token(opForgetful, 'tls-b', { pem: pki.clientB.pem + pki.intermediate.pem, keyPem: pki.clientB.keyPem });
    assert.equal(other.status, 200, JSON.stringify(other.body));
    const before = opForgetful.refusals.length;
    const resumed = await token(opForgetful, 'tls-a', chainA(), first.session);
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.status, 401);
    assert.equal(resumed.body.error, 'invalid_client');
    assert.deepEqual(opForgetful.refusals.slice(before).map((error) => error.code), ['ERR_MTLS_CHAIN_UNTRUSTED']);
  });

  it('TLS 1.2 session resumption: the same leaf, chain and binding', async () => {
    const full = await token(op, 'tls-a', chainA(), undefined, 'TLSv1.2');
    assert.equal(full.status, 200, JSON.stringify(full.body));
    assert.equal(full.protocol, 'TLSv1.2');
    const resumed = await token(op, 'tls-a', chainA(), full.session, 'TLSv1.2');
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.deepEqual(cnf(resumed), { 'x5t#S256': x5t(pki.clientA) });
  });

  it('a resumed session speaks for the certificate of the original handshake, not for one offered with it', async () => {
    const full = await token(opWithIntermediates, 'tls-a', chainA());
    assert.equal(full.status, 200);
    // Resume A's session while configuring B's certificate: no Certificate message is sent, so
    // the server must see A, and client B (registered for B's subject) must be refused.
    const before = opWithIntermediates.refusals.length;
    const asB = await token(opWithIntermediates, 'tls-b', { pem: pki.clientB.pem + pki.intermediate.pem, keyPem: pki.clientB.keyPem }, full.session);
    assert.equal(asB.resumed, true);
    assert.equal(asB.status, 401);
    assert.equal(asB.body.error, 'invalid_client');
    assert.deepEqual(opWithIntermediates.refusals.slice(before).map((error) => error.code), ['ERR_MTLS_SUBJECT_MISMATCH']);
  });
});
