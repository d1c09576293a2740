// The resource server behind a real nginx that terminates the client's TLS and forwards the
// certificate in a header over its own mutually authenticated hop: the forwarded certificate is
// believed only from that proxy. Express and Fastify sit behind the same nginx, one path each, and
// DPoP proofs are checked against the public origin nginx serves, not the Host it sends upstream.
import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import type { MtlsError } from '../../../src/errors.js';
import { spkiSha256 } from '../../../src/certificate/index.js';
import { createTokenVerifier } from '../../../src/resource-server/index.js';
import { startNginx, type StartedNginx } from '../../support/nginx.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { x5t } from '../../support/thumbprint.js';
import { startHttps, type StartedServer } from '../../support/tls.js';
import { accessToken, AUDIENCE, callHttps, dpopKey, dpopProof, ISSUER, signingKey, startJsonServer, type JsonServer, type SigningKey } from '../../resource-server/helpers.js';
import { appFor, type Framework } from './apps.js';

const FRAMEWORKS_BEHIND_NGINX: readonly Framework[] = ['express', 'fastify'];

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
  const apps = new Map<string, RequestListener>();

  before(async () => {
    pki = await createTestPki();
    proxyCert = await issue({ subject: 'CN=nginx proxy', issuer: pki.root });
    key = await signingKey('k1');
    jwks = await startJsonServer(() => ({ status: 200, json: { keys: [key.publicJwk] } }));
    // The apps need nginx's public origin, known once nginx runs; until then nothing is routed.
    upstream = await startHttps((req, res) => {
      const app = apps.get(req.url?.split('/')[1] ?? '');
      if (app) app(req, res);
      else res.writeHead(404).end();
    }, { cert: pki.server, requestCert: true } as Parameters<typeof startHttps>[1]);
    proxy = await startNginx({
      server: pki.server,
      clientCas: [pki.root, pki.intermediate],
      upstream: `https://localhost:${upstream.port}`,
      upstreamTls: { ca: pki.root, clientCertificate: proxyCert },
      headers: { 'X-SSL-Client-Cert': '$ssl_client_escaped_cert' },
    });
    const verifier = createTokenVerifier({
      issuer: ISSUER, audience: AUDIENCE, discovery: false, jwt: { jwks: `${jwks.origin}/jwks` }, dpop: { origin: proxy.origin },
    });
    for (const framework of FRAMEWORKS_BEHIND_NGINX) {
      apps.set(framework, await appFor(framework, verifier, {
        // Only nginx, proving the pinned key on its TLS hop, may state the client's certificate.
        certificateSource: { format: 'nginx', trustedProxies: { certificates: [spkiSha256(proxyCert.pem)] } },
        onIntakeRefused: (error) => intakeRefusals.push(error),
        onTokenRefused: (error) => tokenRefusals.push(error),
      }));
    }
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

  for (const framework of FRAMEWORKS_BEHIND_NGINX) {
    describe(framework, () => {
      const path = `/${framework}/api`;

      it('accepts a bound token with the certificate the client presented to nginx', async () => {
        const token = await accessToken(key, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
        const response = await callHttps(proxy.origin, path, { ca: pki.root, cert: pki.clientA, authorization: `Bearer ${token}` });
        assert.equal(response.status, 200, `${response.body}\n${await proxy.errorLog()}`);
        assert.equal(JSON.parse(response.body).boundTo, x5t(pki.clientA));
      });

      it('refuses the token when the client presented another certificate or none to nginx', async () => {
        const token = await accessToken(key, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
        const other = await callHttps(proxy.origin, path, { ca: pki.root, cert: pki.clientB, authorization: `Bearer ${token}` });
        assert.equal(other.status, 401);
        assert.match(other.headers['www-authenticate']!, /error_description="the access token is bound to another certificate"/);
        const none = await callHttps(proxy.origin, path, {
          ca: pki.root, authorization: `Bearer ${token}`, headers: { 'x-ssl-client-cert': encodeURIComponent(pki.clientA.pem) },
        });
        assert.equal(none.status, 401, 'nginx overwrites a header the client forged');
        assert.deepEqual(tokenRefusals.map((error) => error.code), ['ERR_MTLS_BINDING_MISMATCH', 'ERR_MTLS_BINDING_MISMATCH']);
        assert.deepEqual(intakeRefusals, []);
      });

      it('ignores the header from anyone but the proxy, even with the right certificate in it, and reports it', async () => {
        const token = await accessToken(key, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
        for (const cert of [undefined, pki.clientA]) {
          const direct = await callHttps(upstream.origin, path, {
            ca: pki.root, ...(cert ? { cert } : {}), authorization: `Bearer ${token}`,
            headers: { 'x-ssl-client-cert': encodeURIComponent(pki.clientA.pem) },
          });
          assert.equal(direct.status, 401);
          assert.match(direct.headers['www-authenticate']!, /error_description="the access token is bound to a certificate and none was presented"/);
        }
        assert.deepEqual(intakeRefusals.map((error) => error.code), ['ERR_MTLS_PROXY_UNTRUSTED', 'ERR_MTLS_PROXY_UNTRUSTED']);
      });

      it('checks a DPoP proof against the public origin nginx serves (dpop.origin), not the Host it sends upstream', async () => {
        const client = await dpopKey();
        const token = await accessToken(key, { cnf: { jkt: client.jkt } });
        const call = async (htu: string) => callHttps(proxy.origin, `${path}?q=1`, {
          ca: pki.root, authorization: `DPoP ${token}`, headers: { dpop: await dpopProof(client, { htm: 'GET', htu, token }) },
        });
        const accepted = await call(`${proxy.origin}${path}`);
        assert.equal(accepted.status, 200, accepted.body);
        assert.equal(JSON.parse(accepted.body).jkt, client.jkt);
        const upstreamView = await call(`${upstream.origin}${path}`);
        assert.equal(upstreamView.status, 401);
        assert.equal(JSON.parse(upstreamView.body).error_description, 'the DPoP proof was made for another URI');
      });
    });
  }
});
