import { strict as assert } from 'node:assert';
import type { AdapterPayload } from 'oidc-provider';
import sinon from 'sinon';
import { createRedisAdapter, type RedisAdapterFactory } from '../../adapters/redis/index.js';
import { forEachRedis } from '../support/redis.js';
import { countRoundTrips, type RoundTripCounter } from '../support/round-trips.js';

/*
 * What each adapter call costs in Redis commands and sequential round trips, on one server and on a
 * Cluster: the figures of the README's cost table. Every case runs its call once untimed first, so
 * that Lua scripts are loaded on every node (a script's first use costs one more round trip).
 */

const PREFIX = 'test:trips:';
const THUMBPRINT = 'T'.repeat(43);

type Cost = { commands: number; roundTrips: number; unawaited: number };

describe('Redis adapter: round trips per call', () => {
  forEachRedis((redis) => {
    let storage: RedisAdapterFactory;
    let counter: RoundTripCounter;
    const cluster = () => redis.client().isCluster;
    beforeEach(async () => {
      await redis.flush();
      storage = createRedisAdapter({ client: redis.client(), keyPrefix: PREFIX });
      counter = countRoundTrips(redis.client(), storage);
    });
    afterEach(() => {
      counter.restore();
      sinon.restore();
    });

    /** The cost of the one call `name` (`Model.method`) made by `call` through the counted adapter. */
    async function costOf(name: string, call: () => Promise<unknown>): Promise<Cost> {
      counter.costs.clear();
      await call();
      const cost = counter.costs.get(name);
      assert.ok(cost, `${name} was not called`);
      assert.equal(cost.calls, 1);
      return { commands: cost.commands, roundTrips: cost.roundTrips, unawaited: cost.unawaited };
    }

    it('findByUid reads the session in one round trip on a single server (two on a Cluster)', async () => {
      const session = { uid: 'uid-1', accountId: 'a' } as AdapterPayload;
      await storage('Session').upsert('sid-1', session, 60);
      await counter.traced('Session').findByUid('warm-up');
      let found: unknown;
      const cost = await costOf('Session.findByUid', async () => {
        found = await counter.traced('Session').findByUid('uid-1');
      });
      assert.deepEqual(found, session);
      assert.deepEqual(cost, cluster() ? { commands: 2, roundTrips: 2, unawaited: 0 } : { commands: 1, roundTrips: 1, unawaited: 0 });
    });

    it('findByUid in one round trip still refuses a uid the session no longer carries', async () => {
      await storage('Session').upsert('sid-1', { uid: 'old', accountId: 'a' } as AdapterPayload, 60);
      await storage('Session').upsert('sid-1', { uid: 'new', accountId: 'a' } as AdapterPayload, 60);
      await counter.traced('Session').findByUid('warm-up');
      let found: unknown = null;
      const cost = await costOf('Session.findByUid', async () => {
        found = await counter.traced('Session').findByUid('old');
      });
      assert.equal(found, undefined);
      assert.equal(cost.roundTrips, cluster() ? 2 : 1);
    });

    it('findByUserCode reads the device code in one round trip on a single server (two on a Cluster)', async () => {
      const code = { userCode: 'WXYZ-1234', grantId: 'g' } as AdapterPayload;
      await storage('DeviceCode').upsert('dc-1', code, 60);
      await counter.traced('DeviceCode').findByUserCode('warm-up');
      let found: unknown;
      const cost = await costOf('DeviceCode.findByUserCode', async () => {
        found = await counter.traced('DeviceCode').findByUserCode('WXYZ-1234');
      });
      assert.deepEqual(found, code);
      assert.deepEqual(cost, cluster() ? { commands: 2, roundTrips: 2, unawaited: 0 } : { commands: 1, roundTrips: 1, unawaited: 0 });
    });

    it('find, consume, destroy and upsert take one round trip (upsert with indexes: two on a Cluster)', async () => {
      const adapter = counter.traced('AuthorizationCode');
      await adapter.upsert('warm-up', { grantId: 'w', 'x5t#S256': THUMBPRINT } as AdapterPayload, 60);
      await adapter.consume('warm-up');
      await counter.traced('Grant').upsert('warm-up', { accountId: 'a' } as AdapterPayload, 60);

      const one = { commands: 1, roundTrips: 1, unawaited: 0 };
      assert.deepEqual(await costOf('Grant.upsert', () => counter.traced('Grant').upsert('g', { accountId: 'a' } as AdapterPayload, 60)), one);
      assert.deepEqual(
        await costOf('AuthorizationCode.upsert', () => adapter.upsert('code', { grantId: 'g', 'x5t#S256': THUMBPRINT } as AdapterPayload, 60)),
        cluster() ? { commands: 3, roundTrips: 2, unawaited: 0 } : one,
      );
      assert.deepEqual(await costOf('AuthorizationCode.find', () => adapter.find('code')), one);
      assert.deepEqual(await costOf('AuthorizationCode.consume', () => adapter.consume('code')), one);
      assert.deepEqual(await costOf('AuthorizationCode.destroy', () => adapter.destroy('code')), one);
    });

    it('revokeByGrantId waits for two round trips, on a Cluster too, and leaves no index behind', async () => {
      const tokens = (grantId: string) => Promise.all(['a', 'b', 'c'].map((id) => storage('RefreshToken')
        .upsert(`${grantId}-${id}`, { grantId } as AdapterPayload, 60)));
      await tokens('warm-up');
      await counter.traced('RefreshToken').revokeByGrantId('warm-up');
      await tokens('g');

      const cost = await costOf('RefreshToken.revokeByGrantId', () => counter.traced('RefreshToken').revokeByGrantId('g'));
      // One server: the index read, then one script deleting the tokens and their index entries. A
      // Cluster: the index read, then the three deletions at once; the index entries are dropped by a
      // command sent once the deletions are acknowledged, which the call does not wait for.
      assert.deepEqual(cost, cluster() ? { commands: 5, roundTrips: 2, unawaited: 1 } : { commands: 2, roundTrips: 2, unawaited: 0 });
      assert.deepEqual(await Promise.all(['a', 'b', 'c'].map((id) => storage('RefreshToken').find(`g-${id}`))), [undefined, undefined, undefined]);
      assert.equal(await redis.client().exists(`${PREFIX}grant:{g}`), 0);
    });

    it('a revocation cut short leaves the index entries of what it did not delete, and the next call finishes it', async () => {
      const ids = Array.from({ length: 6 }, (_, index) => `cut-${index}`);
      await Promise.all(ids.map((id) => storage('AccessToken').upsert(id, { grantId: 'cut' } as AdapterPayload, 60)));
      const client = redis.client() as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      if (cluster()) {
        // The deletion of one token fails (its master unreachable, say); the others succeed.
        const victim = `${PREFIX}AccessToken:{cut-3}`;
        const del = client.del!;
        sinon.stub(client, 'del').callsFake(function (this: unknown, ...args: unknown[]) {
          return args[0] === victim ? Promise.reject(new Error('connection lost')) : del.apply(this, args);
        });
      } else {
        sinon.stub(client, 'oidcMtlsRevoke').rejects(new Error('connection lost'));
      }
      await assert.rejects(storage('AccessToken').revokeByGrantId('cut'), { code: 'ERR_MTLS_STORE_UNAVAILABLE' });
      sinon.restore();

      const left = (await Promise.all(ids.map((id) => storage('AccessToken').find(id)))).filter(Boolean).length;
      assert.equal(left, cluster() ? 1 : 6, 'the atomic script deletes all or nothing; a Cluster only what it reached');
      assert.ok((await redis.client().zrange(`${PREFIX}grant:{cut}`, 0, -1)).includes('AccessToken:{cut-3}'));

      await storage('AccessToken').revokeByGrantId('cut');
      assert.deepEqual(await Promise.all(ids.map((id) => storage('AccessToken').find(id))), Array(6).fill(undefined));
      assert.equal(await redis.client().exists(`${PREFIX}grant:{cut}`), 0);
    });
  });
});
