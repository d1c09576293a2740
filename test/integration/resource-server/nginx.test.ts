// The resource server behind a real nginx that terminates the client's TLS and forwards the
// certificate in a header over its own mutually authenticated hop: the forwarded certificate is
// believed only from that proxy.
import assert from 'node:assert/strict';
import express from 'express';
import type { RequestListener } from 'node:http';
import type { MtlsError } from '../../../src/errors.js';
import { spkiSha256 } from '../../../src/intake/index.js';
import { createTokenVerifier, expressBoundToken } from '../../../src/resource-server/index.js';
import { startNginx, type StartedNginx } from '../../support/nginx.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { x5t } from '../../support/thumbprint.js';
import { startHttps, type StartedServer } from '../../support/tls.js';
import { accessToken, AUDIENCE, callHttps, ISSUER, signingKey, startJsonServer, type JsonServer, type SigningKey } from '../../resource-server/helpers.js';

describe('resource server behind nginx (certificate forwarded in a header)', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let proxyCert: TestCertificate;
  let key: SigningKey;
  let jwks: JsonServer;
  let upstream: StartedServer;
  let proxy: StartedNginx;
  let intakeRefusals: MtlsError[];
  let tokenRefusals: MtlsError[];

  before(async () => {
    pki = await createTestPki();
    proxyCert = await issue({ subject: 'CN=nginx proxy', issuer: pki.root });
    key = await signingKey('k1');
    jwks = await startJsonServer(() => ({ status: 200, json: { keys: [key.publicJwk] } }));
    const verifier = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, discovery: false, jwt: { jwks: `${jwks.origin}/jwks` } });
    const app = express();
    app.use(expressBoundToken(verifier, {
      // Only nginx, proving the pinned key on its TLS hop, may state the client's certificate.
      certificateSource: { format: 'nginx', trustedProxies: { certificates: [spkiSha256(proxyCert.pem)] } },
      onIntakeRefused: (error) => intakeRefusals.push(error),
      onTokenRefused: (error) => tokenRefusals.push(error),
    }));
    app.get('/api', (req, res) => { res.json({ boundTo: req.mtls?.boundTo }); });
    upstream = await startHttps(app as unknown as RequestListener, { cert: pki.server, requestCert: true } as Parameters<typeof startHttps>[1]);
    proxy = await startNginx({
      server: pki.server,
      clientCas: [pki.root, pki.intermediate],
      upstream: `https://localhost:${upstream.port}`,
      upstreamTls: { ca: pki.root, clientCertificate: proxyCert },
      headers: { 'X-SSL-Client-Cert': '$ssl_client_escaped_cert' },
    });
  });

  after(async () => {
    await proxy?.stop();
    await upstream?.close();
    await jwks?.close();
  });

  beforeEach(() => {
    intakeRefusals = [];
    tokenRefusals = [];
  });

  it('accepts a bound token with the certificate the client presented to nginx', async () => {
    const token = await accessToken(key, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
    const response = await callHttps(proxy.origin, '/api', { ca: pki.root, cert: pki.clientA, authorization: `Bearer ${token}` });
    assert.equal(response.status, 200, `${response.body}\n${await proxy.errorLog()}`);
    assert.deepEqual(JSON.parse(response.body), { boundTo: x5t(pki.clientA) });
  });

  it('refuses the token when the client presented another certificate or none to nginx', async () => {
    const token = await accessToken(key, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
    const other = await callHttps(proxy.origin, '/api', { ca: pki.root, cert: pki.clientB, authorization: `Bearer ${token}` });
    assert.equal(other.status, 401);
    assert.match(other.headers['www-authenticate']!, /error_description="the access token is bound to another certificate"/);
    const none = await callHttps(proxy.origin, '/api', {
      ca: pki.root, authorization: `Bearer ${token}`, headers: { 'x-ssl-client-cert': encodeURIComponent(pki.clientA.pem) },
    });
    assert.equal(none.status, 401, 'nginx overwrites a header the client forged');
    assert.deepEqual(tokenRefusals.map((error) => error.code), ['ERR_MTLS_BINDING_MISMATCH', 'ERR_MTLS_BINDING_MISMATCH']);
    assert.deepEqual(intakeRefusals, []);
  });

  it('ignores the header from anyone but the proxy, even with the right certificate in it, and reports it', async () => {
    const token = await accessToken(key, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
    for (const cert of [undefined, pki.clientA]) {
      const direct = await callHttps(upstream.origin, '/api', {
        ca: pki.root, ...(cert ? { cert } : {}), authorization: `Bearer ${token}`,
        headers: { 'x-ssl-client-cert': encodeURIComponent(pki.clientA.pem) },
      });
      assert.equal(direct.status, 401);
      assert.match(direct.headers['www-authenticate']!, /error_description="the access token is bound to a certificate and none was presented"/);
    }
    assert.deepEqual(intakeRefusals.map((error) => error.code), ['ERR_MTLS_PROXY_UNTRUSTED', 'ERR_MTLS_PROXY_UNTRUSTED']);
  });
});
