import { strict as assert } from 'node:assert';
import type { Redis } from 'ioredis';
import type { AdapterPayload } from 'oidc-provider';
import { createRedisAdapter } from '../../../adapters/redis/index.js';
import { flushShared, sharedRedis } from '../../support/redis.js';

/*
 * docs/redis.md recommends clients with `enableAutoPipelining`: concurrent calls then leave in one
 * batch. What a batch must not change: one consumption wins, and every call reads its own key.
 */

describe('Redis adapter on an auto-pipelining client', () => {
  let client: Redis;
  beforeEach(() => {
    client = sharedRedis({ enableAutoPipelining: true });
  });
  afterEach(async () => {
    await flushShared();
    client.disconnect();
  });

  // On one server the adapter itself sends the 20 as one batch script (test/adapters/batch.test.ts);
  // the auto-pipeline then carries that script with whatever else the tick sends.
  it('20 concurrent consumes of one code: exactly one succeeds', async () => {
    const storage = createRedisAdapter({ client, keyPrefix: 'test:pipelined:' });
    await storage('AuthorizationCode').upsert('code-1', { grantId: 'g-1' } as AdapterPayload, 60);
    const consumes = Array.from({ length: 20 }, () => storage('AuthorizationCode').consume('code-1'));
    const outcomes = await Promise.allSettled(consumes);
    assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
    assert.ok((await storage('AuthorizationCode').find('code-1'))?.consumed);
  });

  it('20 concurrent saves, then 20 concurrent finds: each find reads back its own entity', async () => {
    const storage = createRedisAdapter({ client, keyPrefix: 'test:pipelined:' });
    const ids = Array.from({ length: 20 }, (_, index) => `token-${index}`);
    await Promise.all(ids.map((id) => storage('AccessToken').upsert(id, { grantId: `g-${id}`, jti: id } as AdapterPayload, 60)));
    const found = await Promise.all(ids.map((id) => storage('AccessToken').find(id)));
    assert.deepEqual(found.map((payload) => payload?.jti), ids);
  });
});
