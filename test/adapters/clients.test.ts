import { strict as assert } from 'node:assert';
import { Provider, type ClientMetadata } from 'oidc-provider';
import { createRedisAdapter, type ClientRegistry } from '../../adapters/redis/index.js';
import { forEachRedis } from '../support/redis.js';

const PREFIX = 'test:clients:';

const TLS_CLIENT: ClientMetadata = {
  client_id: 'mtls-client',
  token_endpoint_auth_method: 'tls_client_auth',
  tls_client_auth_subject_dn: 'CN=mtls-client,O=Example',
  tls_client_certificate_bound_access_tokens: true,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
};

function mtlsProvider(adapter: ReturnType<typeof createRedisAdapter>): Provider {
  return new Provider('https://op.example.test', {
    adapter,
    clientAuthMethods: ['client_secret_basic', 'tls_client_auth', 'self_signed_tls_client_auth'],
    features: {
      clientCredentials: { enabled: true },
      mTLS: {
        enabled: true,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        certificateBoundAccessTokens: true,
        // Not reached: these tests only store and load client records.
        getCertificate: () => undefined,
        certificateAuthorized: () => false,
        certificateSubjectMatches: () => false,
      },
    },
  });
}

describe('Redis adapter: client registry', () => {
  forEachRedis((redis) => {
    let provider: Provider;
    let clients: ClientRegistry;
    beforeEach(async () => {
      await redis.flush();
      const storage = createRedisAdapter({ client: redis.client(), keyPrefix: PREFIX });
      provider = mtlsProvider(storage);
      clients = storage.clients(provider);
    });

    it('adds a tls_client_auth client that a running provider then finds, with its mTLS metadata', async () => {
      const stored = await clients.add(TLS_CLIENT);
      assert.equal(stored.tls_client_auth_subject_dn, 'CN=mtls-client,O=Example');
      assert.deepEqual(await clients.get('mtls-client'), stored);
      const client = await provider.Client.find('mtls-client');
      assert.equal(client?.clientAuthMethod, 'tls_client_auth');
      assert.equal(client?.tlsClientCertificateBoundAccessTokens, true);
    });

    it('refuses invalid metadata with the host\'s own message, and stores nothing', async () => {
      const { tls_client_auth_subject_dn: _omitted, ...incomplete } = TLS_CLIENT;
      await assert.rejects(clients.add(incomplete as ClientMetadata), {
        error: 'invalid_client_metadata',
        error_description: 'tls_client_auth requires one of the certificate subject value parameters',
      });
      await assert.rejects(clients.add({ ...TLS_CLIENT, tls_client_auth_san_dns: 'client.example.test' }), {
        error_description: 'only one tls_client_auth certificate subject value must be provided',
      });
      assert.deepEqual(await clients.list(), []);
    });

    it('refuses to add an existing client and to update a missing one', async () => {
      await clients.add(TLS_CLIENT);
      await assert.rejects(clients.add(TLS_CLIENT), { message: 'client mtls-client already exists; use update' });
      await assert.rejects(clients.update({ ...TLS_CLIENT, client_id: 'nobody' }), { message: 'client nobody does not exist; use add' });
    });

    it('updates a client without a provider restart', async () => {
      await clients.add(TLS_CLIENT);
      assert.equal((await provider.Client.find('mtls-client'))?.tlsClientAuthSubjectDn, 'CN=mtls-client,O=Example');
      await clients.update({ ...TLS_CLIENT, tls_client_auth_subject_dn: 'CN=renamed,O=Example' });
      assert.equal((await provider.Client.find('mtls-client'))?.tlsClientAuthSubjectDn, 'CN=renamed,O=Example');
    });

    it('lists every stored client, sorted, across all masters', async () => {
      const ids = Array.from({ length: 12 }, (_, index) => `client-${String(index).padStart(2, '0')}`);
      for (const id of [...ids].reverse()) {
        await clients.add({ client_id: id, client_secret: `secret-of-${id}-not-real`, redirect_uris: ['https://rp.example.test/cb'] });
      }
      assert.deepEqual((await clients.list()).map((client) => client.client_id), ids);
    });

    it('of 20 concurrent adds of one client_id exactly one succeeds, and its record is the one stored', async () => {
      const candidates = Array.from({ length: 20 }, (_, index) => ({ ...TLS_CLIENT, tls_client_auth_subject_dn: `CN=candidate-${index},O=Example` }));
      const results = await Promise.allSettled(candidates.map((candidate) => clients.add(candidate)));
      const added = results.filter((result) => result.status === 'fulfilled');
      assert.equal(added.length, 1);
      for (const result of results) {
        if (result.status === 'rejected') assert.equal((result.reason as Error).message, 'client mtls-client already exists; use update');
      }
      assert.deepEqual(await clients.get('mtls-client'), added[0]!.value);
    });

    it('an update racing a removal never brings the client back (every start offset from 0 to 7 ms, 3 rounds each)', async () => {
      for (let round = 0; round < 24; round += 1) {
        await clients.add(TLS_CLIENT);
        const update = clients.update({ ...TLS_CLIENT, tls_client_auth_subject_dn: `CN=round-${round},O=Example` });
        await new Promise((resolve) => setTimeout(resolve, round % 8));
        const [updated, removed] = await Promise.allSettled([update, clients.remove('mtls-client')]);
        assert.deepEqual(removed, { status: 'fulfilled', value: true }, `round ${round}`);
        if (updated.status === 'rejected') {
          assert.equal((updated.reason as Error).message, 'client mtls-client does not exist; use add');
        }
        assert.equal(await clients.get('mtls-client'), undefined, `round ${round}: the removed client came back (update ${updated.status})`);
      }
    });

    it('removes a client: the provider no longer finds it', async () => {
      await clients.add(TLS_CLIENT);
      assert.equal(await clients.remove('mtls-client'), true);
      assert.equal(await provider.Client.find('mtls-client'), undefined);
      assert.equal(await clients.remove('mtls-client'), false);
    });
  });
});
