import { strict as assert } from 'node:assert';
import type { AdapterPayload } from 'oidc-provider';
import { Redis } from 'ioredis';
import { createRedisAdapter, type RedisAdapterEvent, type RedisAdapterFactory } from '../../adapters/redis/index.js';
import { flushShared, forEachRedis, RUN_PREFIX, SHARED_DB, sharedRedis } from '../support/redis.js';

const PREFIX = 'test:redis:';
const THUMBPRINT = 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c';
const OTHER_THUMBPRINT = 'Z'.repeat(43);

async function withinTtl(client: { pttl(key: string): Promise<number> }, key: string, seconds: number) {
  const ttl = await client.pttl(key);
  assert.ok(ttl > (seconds - 5) * 1000 && ttl <= seconds * 1000, `${key}: TTL ${ttl} ms, expected about ${seconds} s`);
}

describe('Redis adapter', () => {
  forEachRedis((redis) => {
    let storage: RedisAdapterFactory;
    let events: RedisAdapterEvent[];
    beforeEach(async () => {
      await redis.flush();
      events = [];
      storage = createRedisAdapter({ client: redis.client(), keyPrefix: PREFIX, onEvent: (event) => events.push(event) });
    });

    describe('expiry of entities and indexes', () => {
      it('gives the entity and every index entry the entity\'s TTL plus the clock tolerance (default 15 s)', async () => {
        const client = redis.client();
        await storage('Session').upsert('sid', { uid: 'u1', accountId: 'a' } as AdapterPayload, 600);
        await storage('DeviceCode').upsert('dc', { userCode: 'ABCD-EFGH', grantId: 'g' } as AdapterPayload, 300);
        await storage('AccessToken').upsert('at', { grantId: 'g', 'x5t#S256': THUMBPRINT } as AdapterPayload, 3600);
        await withinTtl(client, `${PREFIX}Session:{sid}`, 615);
        await withinTtl(client, `${PREFIX}uid:{u1}`, 615);
        await withinTtl(client, `${PREFIX}DeviceCode:{dc}`, 315);
        await withinTtl(client, `${PREFIX}userCode:{ABCD-EFGH}`, 315);
        await withinTtl(client, `${PREFIX}AccessToken:{at}`, 3615);
        await withinTtl(client, `${PREFIX}grant:{g}`, 3615);
        await withinTtl(client, `${PREFIX}x5t:{${THUMBPRINT}}`, 3615);
      });

      it('keeps entities without a TTL (clients) and their indexes without one', async () => {
        const client = redis.client();
        await storage('Client').upsert('c1', { client_id: 'c1' } as AdapterPayload);
        assert.equal(await client.pttl(`${PREFIX}Client:{c1}`), -1);
        await storage('AccessToken').upsert('forever', { grantId: 'g2' } as AdapterPayload);
        await storage('AccessToken').upsert('brief', { grantId: 'g2' } as AdapterPayload, 60);
        assert.equal(await client.pttl(`${PREFIX}grant:{g2}`), -1);
      });
    });

    describe('revokeByCertificate', () => {
      it('deletes every token bound to the certificate, of every model, and nothing else', async () => {
        await storage('AccessToken').upsert('at1', { grantId: 'g1', 'x5t#S256': THUMBPRINT } as AdapterPayload, 60);
        await storage('RefreshToken').upsert('rt1', { grantId: 'g1', 'x5t#S256': THUMBPRINT } as AdapterPayload, 600);
        await storage('ClientCredentials').upsert('cc1', { 'x5t#S256': THUMBPRINT } as AdapterPayload, 60);
        await storage('AccessToken').upsert('at2', { grantId: 'g2', 'x5t#S256': OTHER_THUMBPRINT } as AdapterPayload, 60);
        await storage('AccessToken').upsert('at3', { grantId: 'g1' } as AdapterPayload, 60);

        assert.equal(await storage.revokeByCertificate(THUMBPRINT), 3);
        assert.equal(await storage('AccessToken').find('at1'), undefined);
        assert.equal(await storage('RefreshToken').find('rt1'), undefined);
        assert.equal(await storage('ClientCredentials').find('cc1'), undefined);
        assert.ok(await storage('AccessToken').find('at2'));
        assert.ok(await storage('AccessToken').find('at3'), 'an unbound token of the same grant stays');
        assert.equal(await storage.revokeByCertificate(THUMBPRINT), 0, 'a second call is harmless');
      });

      it('with { grants: true } also deletes the other tokens and the Grant of every bound token\'s grant', async () => {
        await storage('Grant').upsert('g1', { accountId: 'a' } as AdapterPayload, 600);
        await storage('AccessToken').upsert('at1', { grantId: 'g1', 'x5t#S256': THUMBPRINT } as AdapterPayload, 60);
        await storage('RefreshToken').upsert('rt1', { grantId: 'g1' } as AdapterPayload, 600);
        await storage('ClientCredentials').upsert('cc1', { 'x5t#S256': THUMBPRINT } as AdapterPayload, 60);
        await storage('Grant').upsert('g2', { accountId: 'a' } as AdapterPayload, 600);
        await storage('RefreshToken').upsert('rt2', { grantId: 'g2' } as AdapterPayload, 600);

        assert.equal(await storage.revokeByCertificate(THUMBPRINT, { grants: true }), 3);
        assert.equal(await storage('RefreshToken').find('rt1'), undefined);
        assert.equal(await storage('Grant').find('g1'), undefined);
        assert.equal(await storage('ClientCredentials').find('cc1'), undefined);
        assert.ok(await storage('RefreshToken').find('rt2'), 'another grant stays');
        assert.ok(await storage('Grant').find('g2'));
      });

      it('refuses something that is not an x5t#S256 thumbprint', async () => {
        await assert.rejects(storage.revokeByCertificate('not a thumbprint'), {
          name: 'TypeError', message: 'thumbprint must be a base64url SHA-256 certificate thumbprint (x5t#S256)',
        });
      });
    });

    describe('stored format', () => {
      it('reads, consumes and revokes entities as 0.2.0 wrote them (hash: v, p, c), on every read path', async () => {
        const client = redis.client();
        const v = 'oidc-provider-mtls/1';
        await client.hset(`${PREFIX}AuthorizationCode:{code}`, 'v', v, 'p', '{"grantId":"g","n":1.50}');
        await client.hset(`${PREFIX}RefreshToken:{used}`, 'v', v, 'p', '{"grantId":"g"}', 'c', 'D2026-01-02T03:04:05.000Z');
        await client.hset(`${PREFIX}Session:{sid}`, 'v', v, 'p', '{"uid":"u1"}');
        await client.set(`${PREFIX}uid:{u1}`, 'sid');
        await client.zadd(`${PREFIX}grant:{g}`, '+inf', 'AuthorizationCode:{code}', '+inf', 'RefreshToken:{used}');

        const [code, used] = await Promise.all([storage('AuthorizationCode').find('code'), storage('RefreshToken').find('used')]);
        assert.deepEqual(code, { grantId: 'g', n: 1.5 });
        assert.deepEqual(used, { grantId: 'g', consumed: new Date('2026-01-02T03:04:05.000Z') });
        assert.deepEqual(await storage('Session').findByUid('u1'), { uid: 'u1' });
        await storage('AuthorizationCode').consume('code');
        await assert.rejects(storage('AuthorizationCode').consume('code'), { error: 'invalid_grant' });
        await assert.rejects(storage('RefreshToken').consume('used'), { error: 'invalid_grant' });
        await storage('AuthorizationCode').revokeByGrantId('g');
        assert.deepEqual(await Promise.all([storage('AuthorizationCode').find('code'), storage('RefreshToken').find('used')]), [undefined, undefined]);
        assert.deepEqual(events.map(({ type }) => type), ['consume.rejected', 'consume.rejected'], 'nothing read as foreign');
      });
    });

    describe('values this adapter did not write', () => {
      const corruptions: Array<[string, (key: string) => Promise<unknown>]> = [
        ['a plain string', (key) => redis.client().set(key, '{"accountId":"a"}')],
        ['a hash of another format', (key) => redis.client().hset(key, 'payload', '{}')],
        ['a truncated payload', (key) => redis.client().hset(key, 'v', 'oidc-provider-mtls/1', 'p', '{"accountId":"a')],
        ['a payload that is not an object', (key) => redis.client().hset(key, 'v', 'oidc-provider-mtls/1', 'p', '[1,2]')],
        ['a consumed field that is not an encoded value', (key) => redis.client().hset(key, 'v', 'oidc-provider-mtls/1', 'p', '{}', 'c', 'yes')],
      ];
      for (const [label, corrupt] of corruptions) {
        it(`treats ${label} as absent and reports store.corrupt`, async () => {
          await corrupt(`${PREFIX}AccessToken:{bad}`);
          assert.equal(await storage('AccessToken').find('bad'), undefined);
          assert.deepEqual(events.map(({ type, model, operation, error }) => [type, model, operation, error.code]),
            [['store.corrupt', 'AccessToken', 'find', 'ERR_MTLS_STORE_CORRUPT']]);
        });
      }

      it('refuses to consume a corrupt entity, with invalid_grant and an event', async () => {
        await redis.client().set(`${PREFIX}AuthorizationCode:{bad}`, 'garbage');
        await assert.rejects(storage('AuthorizationCode').consume('bad'), { error: 'invalid_grant' });
        await redis.client().hset(`${PREFIX}AuthorizationCode:{other}`, 'v', 'v0', 'p', '{}');
        await assert.rejects(storage('AuthorizationCode').consume('other'), { error: 'invalid_grant' });
        assert.deepEqual(events.map(({ type, operation }) => [type, operation]), [['store.corrupt', 'consume'], ['store.corrupt', 'consume']]);
        assert.equal(await redis.client().hget(`${PREFIX}AuthorizationCode:{other}`, 'c'), null, 'nothing written into it');
      });

      it('follows a corrupt uid or user code pointer to nothing', async () => {
        await redis.client().hset(`${PREFIX}uid:{u}`, 'x', 'y');
        assert.equal(await storage('Session').findByUid('u'), undefined);
        assert.equal(events[0]?.type, 'store.corrupt');
      });

      it('follows a uid pointer to a corrupt entity to nothing, with an event', async () => {
        await redis.client().set(`${PREFIX}uid:{u}`, 'sid');
        await redis.client().set(`${PREFIX}Session:{sid}`, 'garbage');
        assert.equal(await storage('Session').findByUid('u'), undefined);
        assert.deepEqual(events.map(({ type, operation }) => [type, operation]), [['store.corrupt', 'findByUid']]);
      });

      it('replaces a corrupt grant index on the next write, and revoking through it is harmless', async () => {
        await redis.client().set(`${PREFIX}grant:{g}`, 'not a sorted set');
        await storage('AccessToken').revokeByGrantId('g');
        await storage('AccessToken').upsert('at', { grantId: 'g' } as AdapterPayload, 60);
        assert.deepEqual(await redis.client().zrange(`${PREFIX}grant:{g}`, 0, -1), [`AccessToken:{at}`]);
        assert.deepEqual(events.map(({ type, operation }) => [type, operation]),
          [['store.corrupt', 'revokeByGrantId'], ['store.corrupt', 'upsert']]);
        await storage('AccessToken').revokeByGrantId('g');
        assert.equal(await storage('AccessToken').find('at'), undefined);
      });

      it('overwrites a corrupt entity on upsert', async () => {
        await redis.client().set(`${PREFIX}Grant:{g}`, 'garbage');
        await storage('Grant').upsert('g', { accountId: 'a' } as AdapterPayload, 60);
        assert.deepEqual(await storage('Grant').find('g'), { accountId: 'a' });
      });

      it('reports a second consumption as consume.rejected with the AlreadyConsumedError', async () => {
        await storage('AuthorizationCode').upsert('code', { grantId: 'g' } as AdapterPayload, 60);
        await storage('AuthorizationCode').consume('code');
        await assert.rejects(storage('AuthorizationCode').consume('code'));
        assert.deepEqual(events.map(({ type, model, error }) => [type, model, error.code, error.message]),
          [['consume.rejected', 'AuthorizationCode', 'ERR_MTLS_ALREADY_CONSUMED', 'authorization code already consumed']]);
      });
    });
  });

  describe('durability, on servers without replicas', () => {
    forEachRedis((redis) => {
      beforeEach(() => redis.flush());

      it('fails every write the replicas did not acknowledge in time, with store.unavailable; reads still work', async () => {
        const events: RedisAdapterEvent[] = [];
        const durable = createRedisAdapter({
          client: redis.client(), keyPrefix: PREFIX, durability: { replicas: 1, timeout: 0.05 }, onEvent: (event) => events.push(event),
        });
        await assert.rejects(durable('AccessToken').upsert('at', { grantId: 'g' } as AdapterPayload, 60), {
          code: 'ERR_MTLS_STORE_UNAVAILABLE', message: 'write acknowledged by 0 of 1 replicas within 50 ms (durability)',
        });
        assert.deepEqual(await durable('AccessToken').find('at'), { grantId: 'g' }, 'written on the master, not acknowledged');
        await assert.rejects(durable('AccessToken').consume('at'), { code: 'ERR_MTLS_STORE_UNAVAILABLE' });
        await assert.rejects(durable('AccessToken').revokeByGrantId('g'), { code: 'ERR_MTLS_STORE_UNAVAILABLE' });
        await assert.rejects(durable('AccessToken').destroy('at'), { code: 'ERR_MTLS_STORE_UNAVAILABLE' });
        assert.deepEqual(events.map(({ type, operation }) => [type, operation]),
          [['store.unavailable', 'upsert'], ['store.unavailable', 'consume'], ['store.unavailable', 'revokeByGrantId'], ['store.unavailable', 'destroy']]);
      });
    });
  });

  describe('key prefixes', () => {
    let client: Redis;
    before(() => {
      client = sharedRedis({ keyPrefix: 'app:' });
    });
    after(async () => {
      await flushShared();
      await client.quit();
    });
    beforeEach(flushShared);

    it('puts the client\'s keyPrefix in front of its own, in scripts too', async () => {
      const storage = createRedisAdapter({ client, keyPrefix: 'idp:' });
      await storage('RefreshToken').upsert('rt', { grantId: 'g', 'x5t#S256': THUMBPRINT } as AdapterPayload, 60);
      await storage('RefreshToken').consume('rt');
      const raw = new Redis({ host: '127.0.0.1', port: 6379, db: SHARED_DB });
      const app = `${RUN_PREFIX}app:`;
      try {
        assert.deepEqual((await raw.keys(`${app}*`)).sort(), [`${app}idp:RefreshToken:{rt}`, `${app}idp:grant:{g}`, `${app}idp:x5t:{${THUMBPRINT}}`].sort());
        assert.deepEqual(await raw.zrange(`${app}idp:grant:{g}`, 0, -1), ['RefreshToken:{rt}']);
      } finally {
        raw.disconnect();
      }
      assert.equal(await storage.revokeByCertificate(THUMBPRINT), 1);
    });

    it('follows uid and user-code pointers under the client\'s keyPrefix and its own', async () => {
      const storage = createRedisAdapter({ client, keyPrefix: 'idp:' });
      await storage('Session').upsert('sid', { uid: 'u1', accountId: 'a' } as AdapterPayload, 60);
      await storage('DeviceCode').upsert('dc', { userCode: 'ABCD', grantId: 'g' } as AdapterPayload, 60);
      assert.deepEqual(await storage('Session').findByUid('u1'), { uid: 'u1', accountId: 'a' });
      assert.deepEqual(await storage('DeviceCode').findByUserCode('ABCD'), { userCode: 'ABCD', grantId: 'g' });
      // A pointer under another adapter prefix resolves within that prefix only.
      await client.set('other:uid:{u1}', 'sid');
      assert.equal(await createRedisAdapter({ client, keyPrefix: 'other:' })('Session').findByUid('u1'), undefined);
    });

    it('keeps two prefixes apart in one database', async () => {
      const one = createRedisAdapter({ client, keyPrefix: 'one:' });
      const two = createRedisAdapter({ client, keyPrefix: 'two:' });
      await one('AccessToken').upsert('at', { grantId: 'g' } as AdapterPayload, 60);
      assert.equal(await two('AccessToken').find('at'), undefined);
      await two('AccessToken').revokeByGrantId('g');
      assert.ok(await one('AccessToken').find('at'));
    });
  });

  describe('options', () => {
    let client: Redis;
    before(() => {
      client = sharedRedis({ lazyConnect: true });
    });
    after(() => client.disconnect());

    const cases: Array<[string, unknown, string]> = [
      ['no client', { client: { get() {} } }, 'client must be an ioredis Redis or Cluster instance'],
      ['a prefix with braces', { keyPrefix: 'a{b}' }, 'keyPrefix must be a string without "{" or "}"'],
      ['a negative timeout', { commandTimeout: -1 }, 'commandTimeout must be a positive number of seconds (fractions allowed, e.g. 0.5)'],
      ['an infinite timeout', { commandTimeout: Infinity }, 'commandTimeout must be a positive number of seconds (fractions allowed, e.g. 0.5)'],
      ['a misspelt option', { commandTimeOut: 2 }, 'commandTimeOut is not an option of createRedisAdapter (did you mean commandTimeout?)'],
      ['a misspelt durability option', { durability: { replicas: 1, timout: 0.5 } }, 'durability.timout is not an option (did you mean durability.timeout?)'],
      ['a listener that is not a function', { onEvent: 'log' }, 'onEvent must be a function'],
      ['a negative clock tolerance', { clockTolerance: -1 }, 'clockTolerance must be a non-negative number of seconds (fractions allowed, e.g. 0.5)'],
      ['a clock tolerance that is not a number', { clockTolerance: '15' }, 'clockTolerance must be a non-negative number of seconds (fractions allowed, e.g. 0.5)'],
      ['a zero redemption lease', { redemptionLease: 0 }, 'redemptionLease must be a positive number of seconds (fractions allowed, e.g. 0.5)'],
      ['a redemption lease finer than a millisecond', { redemptionLease: 1.0005 }, 'redemptionLease must be a whole number of milliseconds, written in seconds (e.g. 0.25)'],
      ['durability without replicas', { durability: { replicas: 0, timeout: 0.1 } }, 'durability.replicas must be a positive integer'],
      ['a durability timeout of 0 (WAIT would block)', { durability: { replicas: 1, timeout: 0 } }, 'durability.timeout must be a positive number of seconds (fractions allowed, e.g. 0.5)'],
      ['a durability without a timeout (WAIT would block)', { durability: { replicas: 1 } }, 'durability.timeout must be a positive number of seconds'],
      ['a durability timeout past commandTimeout', { durability: { replicas: 1, timeout: 2 } }, 'durability.timeout must be below commandTimeout (2 s)'],
    ];
    for (const [label, options, message] of cases) {
      it(`refuses ${label} with ERR_MTLS_INVALID_OPTION`, () => {
        assert.throws(() => createRedisAdapter({ client, ...(options as object) } as never), {
          code: 'ERR_MTLS_INVALID_OPTION', message,
        });
      });
    }
  });
});
