// Certificate rotation, end to end over real TLS, as the README describes it:
// - tls_client_auth: the CA re-issues the certificate under the same subject; nothing changes in
//   the registration, both certificates authenticate until the old one expires or is revoked;
// - self_signed_tls_client_auth: add the new certificate to the client's jwks (here with the Redis
//   adapter's client registry, what `oidc-provider-mtls clients update` does), overlap, then remove
//   the old one, which is refused from then on.
import { strict as assert } from 'node:assert';
import type { Provider } from 'oidc-provider';
import { createRedisAdapter } from '../../../adapters/redis/index.js';
import { postForm, tlsFetch } from '../../support/client.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { jwkWithCertificate, startTestProvider, type TestProvider } from '../../support/provider.js';
import { flushShared, sharedRedis } from '../../support/redis.js';
import { x5t } from '../../support/thumbprint.js';

const grant = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };

function boundThumbprint(body: Record<string, unknown>): unknown {
  const token = String(body.access_token);
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).cnf?.['x5t#S256'];
}

describe('certificate rotation', () => {
  let pki: TestPki;
  before(async () => {
    pki = await createTestPki();
  });

  describe('tls_client_auth: re-issue under the same subject', () => {
    let op: TestProvider;
    before(async () => {
      op = await startTestProvider({
        pki,
        clients: [{ client_id: 'bank-app', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB', tls_client_certificate_bound_access_tokens: true, ...grant }] as never,
        config: { features: { clientCredentials: { enabled: true }, resourceIndicators: { enabled: true, defaultResource: () => 'urn:example:rs:jwt', useGrantedResource: () => true, getResourceServerInfo: () => ({ scope: '', audience: 'urn:example:rs:jwt', accessTokenFormat: 'jwt' }) } } } as never,
      });
    });
    after(() => op.close());

    it('the old and the new certificate both authenticate, each token bound to its own certificate', async () => {
      const renewed = await issue({ subject: 'CN=client-a,O=Example Bank,C=GB', issuer: pki.intermediate });
      for (const cert of [pki.clientA, renewed]) {
        const { status, body } = await postForm(tlsFetch(pki.root, cert), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: 'bank-app' });
        assert.equal(status, 200, JSON.stringify(body));
        assert.equal(boundThumbprint(body), x5t(cert));
      }
    });
  });

  describe('self_signed_tls_client_auth: add, overlap, remove', () => {
    const redis = sharedRedis({ keyPrefix: 'rotation:' });
    const storage = createRedisAdapter({ client: redis });
    let op: TestProvider;
    let next: TestCertificate;
    before(async () => {
      await flushShared();
      next = await issue({ subject: 'CN=self-signed' });
      op = await startTestProvider({ pki, clients: [], adapter: storage });
    });
    after(async () => {
      await op.close();
      await flushShared();
      await redis.quit();
    });

    const client = (...certs: TestCertificate[]) => ({
      client_id: 'device-1',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      tls_client_certificate_bound_access_tokens: true,
      jwks: { keys: certs.map(jwkWithCertificate) },
      ...grant,
    });
    async function token(cert: TestCertificate): Promise<{ status: number; code: string | undefined }> {
      const before = op.refusals.length;
      const { status } = await postForm(tlsFetch(pki.root, cert), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: 'device-1' });
      return { status, code: op.refusals.slice(before).at(-1)?.code };
    }

    it('only the registered certificates authenticate at each step', async () => {
      const registry = storage.clients(op.provider as Provider);
      await registry.add(client(pki.selfSigned) as never);
      assert.deepEqual(await token(pki.selfSigned), { status: 200, code: undefined });
      assert.deepEqual(await token(next), { status: 401, code: 'ERR_MTLS_CERT_UNREGISTERED' });

      await registry.update(client(pki.selfSigned, next) as never); // overlap: roll the new certificate out
      assert.equal((await token(pki.selfSigned)).status, 200);
      assert.equal((await token(next)).status, 200);

      await registry.update(client(next) as never); // every device uses the new one: remove the old
      assert.deepEqual(await token(pki.selfSigned), { status: 401, code: 'ERR_MTLS_CERT_UNREGISTERED' });
      assert.equal((await token(next)).status, 200);
    });
  });
});
