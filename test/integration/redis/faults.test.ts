import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import type { AdapterPayload } from 'oidc-provider';
import { Redis } from 'ioredis';
import { createRedisAdapter, type RedisAdapterEvent, type RedisAdapterFactory } from '../../../adapters/redis/index.js';
import { startRedisServer, type RedisServer } from '../../support/redis.js';
import { issueCode, post, REDIRECT_URI, startPlainProvider, testJwks, type PlainProvider } from './support.js';

/*
 * Redis going away: every adapter call fails within commandTimeout with ERR_MTLS_STORE_UNAVAILABLE,
 * the provider answers server_error, nothing crashes or hangs, and once the server is back (same
 * port, same append-only file, fsync on every write) everything it acknowledged is still there.
 */

/** The adapter's commandTimeout, in milliseconds here; the option takes seconds. */
const COMMAND_TIMEOUT = 300;

async function ready(client: Redis): Promise<void> {
  if (client.status !== 'ready') await once(client, 'ready');
}

describe('Redis adapter when Redis is unreachable', function () {
  this.timeout(30_000);
  let server: RedisServer;
  before(async () => {
    server = await startRedisServer({ durable: true });
  });
  after(async () => {
    await server?.destroy();
  });

  for (const [label, options] of [
    ['ioredis defaults (offline queue on)', {}],
    ['enableOfflineQueue: false', { enableOfflineQueue: false }],
  ] as const) {
    describe(`adapter calls, client with ${label}`, () => {
      let client: Redis;
      let storage: RedisAdapterFactory;
      let events: RedisAdapterEvent[];
      beforeEach(async () => {
        client = new Redis({ host: '127.0.0.1', port: server.port, ...options });
        client.on('error', () => undefined);
        await ready(client);
        await client.flushall();
        events = [];
        storage = createRedisAdapter({ client, commandTimeout: COMMAND_TIMEOUT / 1000, onEvent: (event) => events.push(event) });
      });
      afterEach(async () => {
        await server.start().catch(() => undefined);
        client.disconnect();
      });

      it('fails every call with ERR_MTLS_STORE_UNAVAILABLE, then resumes with acknowledged data intact', async () => {
        await storage('AuthorizationCode').upsert('kept', { grantId: 'g', accountId: 'a' } as AdapterPayload, 600);
        await server.stop();

        const calls: Array<[string, () => Promise<unknown>]> = [
          ['find', () => storage('AuthorizationCode').find('kept')],
          ['upsert', () => storage('AccessToken').upsert('new', { grantId: 'g' } as AdapterPayload, 60)],
          ['consume', () => storage('AuthorizationCode').consume('kept')],
          ['destroy', () => storage('Session').destroy('s')],
          ['findByUid', () => storage('Session').findByUid('u')],
          ['revokeByGrantId', () => storage('AccessToken').revokeByGrantId('g')],
          ['revokeByCertificate', () => storage.revokeByCertificate('d'.repeat(43))],
        ];
        for (const [operation, call] of calls) {
          await assert.rejects(call(), { name: 'StoreUnavailableError', code: 'ERR_MTLS_STORE_UNAVAILABLE' }, operation);
        }
        assert.deepEqual(events.map((event) => [event.type, event.operation]), calls.map(([operation]) => ['store.unavailable', operation]));

        await server.start();
        await ready(client);
        assert.deepEqual(await storage('AuthorizationCode').find('kept'), { grantId: 'g', accountId: 'a' });
        await storage('AuthorizationCode').consume('kept');
        await storage('AccessToken').upsert('after', { grantId: 'g' } as AdapterPayload, 60);
        assert.ok(await storage('AccessToken').find('after'));
      });
    });
  }

  describe('a provider on that Redis', () => {
    let client: Redis;
    let idp: PlainProvider;
    const serverErrors: unknown[] = [];
    before(async () => {
      client = new Redis({ host: '127.0.0.1', port: server.port });
      client.on('error', () => undefined);
      await ready(client);
      idp = await startPlainProvider(createRedisAdapter({ client, commandTimeout: COMMAND_TIMEOUT / 1000, onEvent: () => undefined }), testJwks());
      idp.provider.on('server_error', (_ctx, error) => serverErrors.push(error));
    });
    after(async () => {
      await idp?.close();
      client?.disconnect();
    });

    it('answers server_error while Redis is down and redeems the code once Redis is back', async () => {
      const code = await issueCode(idp.provider);
      await server.stop();
      const during = await post(`${idp.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
      assert.equal(during.status, 500);
      assert.equal(during.body.error, 'server_error');
      assert.equal((serverErrors[0] as { code?: string }).code, 'ERR_MTLS_STORE_UNAVAILABLE');

      await server.start();
      await ready(client);
      const after = await post(`${idp.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
      assert.equal(after.status, 200);
      assert.equal(typeof after.body.access_token, 'string');
    });
  });
});
