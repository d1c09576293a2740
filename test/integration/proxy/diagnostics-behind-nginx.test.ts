// The two nginx cases docs/troubleshooting.md walks, behind a real nginx that terminates TLS:
// nginx forwards only the leaf (the diagnostics route shows chain length 0 and the untrusted-chain
// code, the token refusal names the issuer and `intermediates`), and nginx with
// `ssl_verify_client on` refuses an expired certificate itself (the provider never sees it).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Provider, type Configuration } from 'oidc-provider';
import { createMtls } from '../../../src/index.js';
import { headerSource } from '../../../src/intake/index.js';
import { postForm, tlsFetch } from '../../support/client.js';
import { startNginx, type StartedNginx } from '../../support/nginx.js';
import { createTestPki, issue, type TestPki } from '../../support/pki.js';
import { x5t } from '../../support/thumbprint.js';

const SECRET = 'nginx-diagnostics-secret-0123456789abcdef';
const PATH = '/.well-known/mtls-diagnostics';

describe('diagnostics behind nginx', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let upstream: ReturnType<typeof createServer>;
  let port: number;
  let handler = (_req: IncomingMessage, res: ServerResponse) => { res.statusCode = 503; res.end(); };

  before(async () => {
    pki = await createTestPki();
    upstream = createServer((req, res) => handler(req, res));
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    port = (upstream.address() as AddressInfo).port;
  });
  after(() => {
    upstream.closeAllConnections();
    upstream.close();
  });

  async function provider(origin: string): Promise<void> {
    const mtls = createMtls({
      trustAnchors: [pki.root.pem],
      certificateSource: headerSource({ format: 'nginx', trustedProxies: { addresses: ['127.0.0.1/32'] } }),
      diagnostics: { bearerSecret: SECRET },
    });
    const op = new Provider(origin, mtls.configure({
      clients: [{ client_id: 'tls-cc', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }],
      features: { devInteractions: { enabled: false }, clientCredentials: { enabled: true } },
    } as Configuration));
    op.proxy = true;
    mtls.attach(op);
    handler = op.callback();
  }

  describe('ssl_verify_client optional_no_ca, $ssl_client_escaped_cert', () => {
    let nginx: StartedNginx;
    before(async () => {
      nginx = await startNginx({ server: pki.server, clientCas: [pki.root, pki.intermediate], upstream: `http://127.0.0.1:${port}`, headers: { 'X-SSL-Client-Cert': '$ssl_client_escaped_cert' } });
      await provider(nginx.origin);
    });
    after(() => nginx.stop());

    it('the route shows the leaf arrived alone; the token refusal suggests intermediates', async () => {
      const response = await tlsFetch(pki.root, pki.clientA)(`${nginx.origin}${PATH}`, { headers: { authorization: `Bearer ${SECRET}` } });
      assert.equal(response.status, 200);
      const body = await response.json() as { source: string; proxy: { decision: string }; certificate: { 'x5t#S256': string; chainLength: number }; verdict: { code: string } };
      assert.equal(body.source, 'nginx');
      assert.equal(body.proxy.decision, 'trusted');
      assert.equal(body.certificate['x5t#S256'], x5t(pki.clientA));
      assert.equal(body.certificate.chainLength, 0, 'tlsFetch sent the intermediate; nginx forwarded the leaf only');
      assert.equal(body.verdict.code, 'ERR_MTLS_CHAIN_UNTRUSTED');

      const { status, body: refusal } = await postForm(tlsFetch(pki.root, pki.clientA), `${nginx.origin}/token`, { grant_type: 'client_credentials', client_id: 'tls-cc' });
      assert.equal(status, 401);
      assert.match(String(refusal.error_description), /came through the nginx proxy header without its chain: add the issuing CA to the intermediates option/);
    });
  });

  describe('ssl_verify_client on', () => {
    let nginx: StartedNginx;
    before(async () => {
      nginx = await startNginx({ server: pki.server, clientCas: [pki.root, pki.intermediate], verifyClient: 'on', upstream: `http://127.0.0.1:${port}`, headers: { 'X-SSL-Client-Cert': '$ssl_client_escaped_cert' } });
      await provider(nginx.origin);
    });
    after(() => nginx.stop());

    it('nginx answers an expired certificate itself: the provider, and its route, never see the request', async () => {
      const expired = await issue({ subject: 'CN=client-a,O=Example Bank,C=GB', issuer: pki.intermediate, notBefore: new Date(Date.now() - 3 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
      let reached = false;
      const previous = handler;
      handler = (req, res) => { reached = true; previous(req, res); };
      const response = await tlsFetch(pki.root, expired)(`${nginx.origin}${PATH}`, { headers: { authorization: `Bearer ${SECRET}` } });
      assert.equal(response.status, 400);
      assert.match(await response.text(), /SSL certificate error/);
      assert.equal(reached, false);
    });
  });
});
