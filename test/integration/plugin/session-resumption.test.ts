// A resumed TLS session carries the client's leaf certificate but not the intermediates it sent in
// the full handshake. tls_client_auth through an intermediate must keep working on resumption, and
// the token must stay bound to the same certificate.
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { createTestPki, type TestPki } from '../../support/pki.js';
import { startTestProvider, type TestProvider } from '../../support/provider.js';
import { x5t } from '../../support/thumbprint.js';

function tokenRequest(agent: Agent, url: string): Promise<{ status: number; body: Record<string, unknown>; resumed: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', connection: 'close' } }, (res) => {
      const resumed = (res.socket as TLSSocket).isSessionReused();
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown>, resumed });
      });
    });
    req.on('error', reject);
    req.end(new URLSearchParams({ grant_type: 'client_credentials', client_id: 'tls-client' }).toString());
  });
}

describe('plugin: TLS session resumption', () => {
  let pki: TestPki;
  let op: TestProvider;

  before(async () => {
    pki = await createTestPki();
    op = await startTestProvider({
      pki,
      clients: [{
        client_id: 'tls-client',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB',
        tls_client_certificate_bound_access_tokens: true,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      }] as never,
    });
  });

  after(() => op.close());

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`${version}: a resumed session still authenticates through the intermediate and binds the same certificate`, async () => {
      const agent = new Agent({
        keepAlive: false,
        ca: pki.root.pem,
        cert: pki.clientA.pem + pki.clientA.chainPem,
        key: pki.clientA.keyPem,
        minVersion: version,
        maxVersion: version,
      });
      const results = [];
      for (let i = 0; i < 3; i += 1) results.push(await tokenRequest(agent, `${op.mtlsOrigin}/token`));
      agent.destroy();

      assert.equal(results[0]!.resumed, false);
      assert.ok(results.slice(1).some((result) => result.resumed), 'the client resumed at least one session');
      for (const { status, body } of results) {
        assert.equal(status, 200, JSON.stringify(body));
        const stored = await op.provider.ClientCredentials.find(String(body.access_token));
        assert.equal(stored?.['x5t#S256'], x5t(pki.clientA));
      }
    });
  }
});
