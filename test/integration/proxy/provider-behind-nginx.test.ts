// The provider behind a real nginx that terminates TLS: both RFC 8705 client authentication
// methods and certificate-bound tokens work through the header nginx forwards, over an http hop
// (nginx trusted by address) and over an https hop (nginx's own client certificate pinned, and
// never taken for the client's).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { decodeJwt } from 'jose';
import { Provider, type Configuration } from 'oidc-provider';
import { createMtls } from '../../../src/index.js';
import { spkiSha256 } from '../../../src/certificate/index.js';
import { headerSource, resolveCertificateSource, type CertificateSource } from '../../../src/intake/index.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { postForm, tlsFetch } from '../../support/client.js';
import { jwkWithCertificate } from '../../support/provider.js';
import { x5t } from '../../support/thumbprint.js';
import { startNginx } from '../../support/nginx.js';
import express from 'express';
import { createTokenVerifier, expressBoundToken } from '../../../src/resource-server/index.js';

const RESOURCE = 'urn:example:rs';

interface Deployment {
  /** nginx's origin, the provider's issuer. */
  origin: string;
  /** The provider's own listener, behind nginx. */
  upstream: string;
  codes: string[];
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function deploy(pki: TestPki, hop: 'http' | 'https', proxyCert: TestCertificate, source: (pin: string) => CertificateSource): Promise<Deployment> {
  let handler = (_req: IncomingMessage, res: ServerResponse) => { res.statusCode = 503; res.end(); };
  const dispatch = (req: IncomingMessage, res: ServerResponse) => handler(req, res);
  const server = hop === 'http'
    ? createHttpServer(dispatch)
    : createHttpsServer({ key: pki.server.keyPem, cert: pki.server.pem, requestCert: true, rejectUnauthorized: false }, dispatch);
  const port = await listen(server);
  const upstream = hop === 'http' ? `http://127.0.0.1:${port}` : `https://localhost:${port}`;
  const nginx = await startNginx({
    server: pki.server,
    clientCas: [pki.root, pki.intermediate],
    upstream,
    ...(hop === 'https' ? { upstreamTls: { ca: pki.root, clientCertificate: proxyCert } } : {}),
    headers: { 'X-SSL-Client-Cert': '$ssl_client_escaped_cert' },
  });
  const mtls = createMtls({
    trustAnchors: [pki.root.pem],
    // nginx forwards the leaf only: the issuing CA is configured, not taken from the client.
    intermediates: [pki.intermediate.pem],
    certificateSource: source(spkiSha256(proxyCert.pem)),
  });
  const code = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], id_token_signed_response_alg: 'ES256', tls_client_certificate_bound_access_tokens: true };
  const provider = new Provider(nginx.origin, mtls.configure({
    clients: [
      { client_id: 'tls-cc', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB', ...code },
      { client_id: 'self-cc', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [jwkWithCertificate(pki.selfSigned)] }, ...code },
      // Registered with the proxy's own certificate: if the hop certificate were ever taken for
      // the client's, this client would authenticate without presenting anything.
      { client_id: 'proxy-as-client', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [jwkWithCertificate(proxyCert)] }, ...code },
    ],
    jwks: { keys: [{ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig' }] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        getResourceServerInfo: () => ({ scope: 'api:read', audience: RESOURCE, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
      },
    },
  } as Configuration));
  provider.proxy = true;
  mtls.attach(provider);
  const codes: string[] = [];
  (provider as unknown as NodeJS.EventEmitter).on('mtls.refused', (_ctx: unknown, error: { code: string }) => codes.push(error.code));
  provider.on('server_error', (_ctx, error) => codes.push(`server_error: ${error.message}`));
  handler = provider.callback();
  return {
    origin: nginx.origin,
    upstream,
    codes,
    async close() {
      await nginx.stop();
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('provider behind nginx (TLS terminated by the proxy)', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let proxyCert: TestCertificate;

  before(async () => {
    pki = await createTestPki();
    proxyCert = await issue({ subject: 'CN=nginx proxy', issuer: pki.root });
  });

  const hops = {
    http: () => headerSource({ format: 'nginx', trustedProxies: { addresses: ['127.0.0.1/32'] } }),
    https: (pin: string) => resolveCertificateSource([{ format: 'nginx', trustedProxies: { certificates: [pin] } }, 'socket']),
  } as const;

  for (const hop of ['http', 'https'] as const) {
    describe(`${hop} hop`, () => {
      let deployment: Deployment;

      before(async () => {
        deployment = await deploy(pki, hop, proxyCert, hops[hop]);
      });

      after(() => deployment.close());

      const token = (clientId: string, cert?: TestCertificate, origin = deployment.origin, headers: Record<string, string> = {}) =>
        postForm(tlsFetch(pki.root, cert), `${origin}/token`, { grant_type: 'client_credentials', client_id: clientId }, headers);

      for (const [clientId, certName] of [['tls-cc', 'clientA'], ['self-cc', 'selfSigned']] as const) {
        it(`${clientId}: authenticates through nginx and gets a token bound to its certificate`, async () => {
          const cert = pki[certName];
          const { status, body } = await token(clientId, cert);
          assert.equal(status, 200, JSON.stringify({ body, codes: deployment.codes }));
          assert.equal(body.token_type, 'Bearer');
          assert.deepEqual(decodeJwt(String(body.access_token)).cnf, { 'x5t#S256': x5t(cert) });
        });
      }

      it('refuses the wrong certificate and no certificate with invalid_client', async () => {
        const before = deployment.codes.length;
        const wrong = await token('tls-cc', pki.clientB);
        assert.equal(wrong.status, 401);
        assert.equal(wrong.body.error, 'invalid_client');
        const missing = await token('tls-cc');
        assert.equal(missing.status, 401);
        assert.equal(missing.body.error_description, 'client certificate was not provided');
        assert.deepEqual(deployment.codes.slice(before), ['ERR_MTLS_SUBJECT_MISMATCH', 'ERR_MTLS_CERT_MISSING']);
      });

      it('never takes the proxy\'s own certificate for the client\'s', async () => {
        const { status, body } = await token('proxy-as-client');
        assert.equal(status, 401, JSON.stringify(body));
        assert.equal(body.error, 'invalid_client');
      });

      if (hop === 'http') {
        it('the token obtained through nginx is accepted through nginx at the resource server with its certificate, and refused with another', async () => {
          const { body } = await token('tls-cc', pki.clientA);
          const verifier = createTokenVerifier({ issuer: deployment.origin, audience: RESOURCE, binding: { required: true }, http: { ca: pki.root.pem } });
          const app = express();
          app.use(expressBoundToken(verifier, { certificateSource: { format: 'nginx', trustedProxies: { addresses: ['127.0.0.1/32'] } } }));
          app.get('/api', (req, res) => { res.json({ boundTo: req.mtls?.boundTo }); });
          const api = createHttpServer(app);
          const rsNginx = await startNginx({
            server: pki.server,
            clientCas: [pki.root, pki.intermediate],
            upstream: `http://127.0.0.1:${await listen(api)}`,
            headers: { 'X-SSL-Client-Cert': '$ssl_client_escaped_cert' },
          });
          try {
            const call = (cert: TestCertificate) => tlsFetch(pki.root, cert)(`${rsNginx.origin}/api`, { headers: { authorization: `Bearer ${String(body.access_token)}` } });
            const own = await call(pki.clientA);
            assert.equal(own.status, 200, await own.clone().text());
            assert.deepEqual(await own.json(), { boundTo: x5t(pki.clientA) });
            const other = await call(pki.clientB);
            assert.equal(other.status, 401);
            assert.match(other.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
          } finally {
            await rsNginx.stop();
            api.close();
          }
        });
      }

      if (hop === 'https') {
        it('a forged header sent straight to the provider, past nginx, is ignored and reported', async () => {
          const before = deployment.codes.length;
          const forged = { 'x-ssl-client-cert': encodeURIComponent(pki.clientA.pem) };
          for (const cert of [undefined, pki.clientB]) {
            const { status, body } = await token('tls-cc', cert, deployment.upstream, forged);
            assert.equal(status, 401, JSON.stringify(body));
            assert.equal(body.error, 'invalid_client');
            assert.match(String(body.error_description), /x-ssl-client-cert header was ignored/);
          }
          assert.deepEqual(deployment.codes.slice(before), ['ERR_MTLS_PROXY_UNTRUSTED', 'ERR_MTLS_PROXY_UNTRUSTED']);
        });
      }
    });
  }
});
