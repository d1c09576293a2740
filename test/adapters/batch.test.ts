import { strict as assert } from 'node:assert';
import type { AdapterPayload } from 'oidc-provider';
import sinon from 'sinon';
import { createRedisAdapter, type RedisAdapterEvent, type RedisAdapterFactory } from '../../adapters/redis/index.js';
import { forEachRedis, sharedRedis } from '../support/redis.js';

/*
 * On a single server the calls of one tick leave as one batch script; on a Cluster each stays a
 * command of its own. Either way every call gets its own answer, as if it had run alone.
 */

const PREFIX = 'test:batch:';

describe('Redis adapter: calls of one tick', () => {
  forEachRedis((redis) => {
    let storage: RedisAdapterFactory;
    let events: RedisAdapterEvent[];
    let sent: string[];
    const cluster = () => redis.client().isCluster;
    beforeEach(async () => {
      await redis.flush();
      events = [];
      storage = createRedisAdapter({ client: redis.client(), keyPrefix: PREFIX, onEvent: (event) => events.push(event) });
      // Warms the scripts up, so that no SCRIPT LOAD or retried EVAL is counted below.
      await storage('AccessToken').find('warm-up');
      sent = [];
      const client = redis.client() as unknown as { sendCommand(command: { name: string }, ...rest: unknown[]): unknown };
      const send = client.sendCommand;
      sinon.stub(client, 'sendCommand').callsFake(function (this: unknown, command: { name: string }, ...rest: unknown[]) {
        sent.push(command.name);
        return send.call(this, command, ...rest);
      });
    });
    afterEach(() => sinon.restore());

    it('20 consumes of one code in one tick: exactly one wins, the others get the host\'s invalid_grant', async () => {
      await storage('AuthorizationCode').upsert('code', { grantId: 'g' } as AdapterPayload, 60);
      sent = [];
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => storage('AuthorizationCode').consume('code')));
      assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') assert.equal((outcome.reason as { error?: string }).error, 'invalid_grant');
      }
      assert.equal(sent.length, cluster() ? 20 : 1, cluster() ? 'one command per consume' : 'one batch script');
      assert.equal(events.filter((event) => event.type === 'consume.rejected').length, 19);
    });

    it('saves, finds and consumes of different models in one tick each get their own answer', async () => {
      await storage('AuthorizationCode').upsert('code', { grantId: 'g', jti: 'code' } as AdapterPayload, 60);
      sent = [];
      const [, found, absent, consumed] = await Promise.all([
        storage('AccessToken').upsert('at', { grantId: 'g', jti: 'at' } as AdapterPayload, 60),
        storage('AuthorizationCode').find('code'),
        storage('RefreshToken').find('missing'),
        storage('AuthorizationCode').consume('code'),
      ]);
      // On a Cluster the access token's upsert writes its grant index, then its entity.
      assert.equal(sent.length, cluster() ? 5 : 1);
      assert.deepEqual(found, { grantId: 'g', jti: 'code' }, 'read before the consume of the same tick');
      assert.equal(absent, undefined);
      assert.equal(consumed, undefined);
      assert.deepEqual(await storage('AccessToken').find('at'), { grantId: 'g', jti: 'at' });
      assert.ok((await storage('AuthorizationCode').find('code'))?.consumed);
    });

    it('a foreign value in a batch is reported for its own call only; the others read theirs', async () => {
      await storage('AccessToken').upsert('good', { jti: 'good' } as AdapterPayload, 60);
      await redis.client().set(`${PREFIX}AccessToken:{bad}`, 'not a hash');
      const found = await Promise.all([storage('AccessToken').find('good'), storage('AccessToken').find('bad'), storage('AccessToken').find('good')]);
      assert.deepEqual(found, [{ jti: 'good' }, undefined, { jti: 'good' }]);
      assert.deepEqual(events.map(({ type, operation }) => [type, operation]), [['store.corrupt', 'find']]);
    });
  });

  describe('single server', () => {
    it('a batch Redis refuses fails each of its calls with ERR_MTLS_STORE_UNAVAILABLE', async () => {
      const client = sharedRedis();
      try {
        const storage = createRedisAdapter({ client, keyPrefix: PREFIX });
        sinon.stub(client as unknown as Record<string, unknown>, 'oidcMtlsBatch').rejects(new Error('connection lost'));
        const outcomes = await Promise.allSettled([storage('AccessToken').find('a'), storage('Grant').upsert('g', {} as AdapterPayload, 60)]);
        assert.deepEqual(outcomes.map((outcome) => outcome.status === 'rejected' && (outcome.reason as { code?: string }).code),
          ['ERR_MTLS_STORE_UNAVAILABLE', 'ERR_MTLS_STORE_UNAVAILABLE']);
      } finally {
        sinon.restore();
        client.disconnect();
      }
    });
  });
});
