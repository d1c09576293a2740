import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from 'ioredis';
import type { AdapterPayload } from 'oidc-provider';
import { createRedisAdapter, type RedisAdapterFactory } from '../../adapters/redis/index.js';
import { forEachRedis, keySlot } from '../support/redis.js';

/*
 * The Redis adapter once shown in oidc-provider's examples (1) read the grant key's TTL outside its
 * transaction and then extended it, so concurrent saves could leave the grant list shorter-lived than
 * a token in it; (2) appended to grant lists forever; (3) consumed with a write that re-creates an
 * expired key, without TTL; (4) ran multi-key transactions across keys of different Cluster slots.
 * Each test below shows that this adapter has none of these faults, on one server and on a Cluster.
 */

const PREFIX = 'test:faults:';

describe('Redis adapter: the community adapter\'s faults are absent', () => {
  forEachRedis((redis) => {
    let storage: RedisAdapterFactory;
    beforeEach(async () => {
      await redis.flush();
      storage = createRedisAdapter({ client: redis.client(), keyPrefix: PREFIX, clockTolerance: 0 });
    });

    it('(1) no grant TTL race: after concurrent saves the grant index outlives its longest-lived token', async () => {
      const ttls = Array.from({ length: 60 }, (_, index) => 10 + ((index * 7919) % 3600));
      // The longest TTL first, so a read-then-extend race would be overwritten by shorter ones.
      ttls.sort((a, b) => b - a);
      await Promise.all(ttls.map((ttl, index) => storage(index % 2 ? 'AccessToken' : 'RefreshToken')
        .upsert(`token-${index}`, { grantId: 'g' } as AdapterPayload, ttl)));
      const indexTtl = await redis.client().pttl(`${PREFIX}grant:{g}`);
      const longest = Math.max(...ttls) * 1000;
      assert.ok(indexTtl > longest - 5000 && indexTtl <= longest, `index TTL ${indexTtl} ms, longest token ${longest} ms`);
      await storage('AccessToken').revokeByGrantId('g');
      const left = await Promise.all(ttls.map((_, index) => storage(index % 2 ? 'AccessToken' : 'RefreshToken').find(`token-${index}`)));
      assert.deepEqual(left.filter(Boolean), []);
    });

    it('(2) grant indexes are bounded: members that expired are dropped on the next write', async () => {
      // Tens of milliseconds (the adapter takes fractional seconds), written in one batch so that
      // none expires before they are counted.
      await Promise.all(Array.from({ length: 25 }, (_, index) => storage('AccessToken')
        .upsert(`short-${index}`, { grantId: 'busy' } as AdapterPayload, 0.06)));
      assert.equal(await redis.client().zcard(`${PREFIX}grant:{busy}`), 25);
      await sleep(100);
      await storage('RefreshToken').upsert('long', { grantId: 'busy' } as AdapterPayload, 3600);
      assert.deepEqual(await redis.client().zrange(`${PREFIX}grant:{busy}`, 0, -1), [`RefreshToken:{long}`]);
    });

    it('(2) a grant index whose members all expired disappears with them', async () => {
      await storage('AccessToken').upsert('only', { grantId: 'quiet' } as AdapterPayload, 1);
      const ttl = await redis.client().pttl(`${PREFIX}grant:{quiet}`);
      assert.ok(ttl > 0 && ttl <= 1000, `index TTL ${ttl} ms`);
    });

    it('(3) consume never re-creates an expired key', async () => {
      await storage('AuthorizationCode').upsert('code', { grantId: 'g' } as AdapterPayload, 0.03);
      await sleep(60);
      await assert.rejects(storage('AuthorizationCode').consume('code'), { error: 'invalid_grant' });
      assert.equal(await redis.client().exists(`${PREFIX}AuthorizationCode:{code}`), 0);
    });

    it('(3) consume keeps the entity\'s remaining TTL', async () => {
      await storage('RefreshToken').upsert('rt', { grantId: 'g' } as AdapterPayload, 300);
      await storage('RefreshToken').consume('rt');
      const ttl = await redis.client().pttl(`${PREFIX}RefreshToken:{rt}`);
      assert.ok(ttl > 290_000 && ttl <= 300_000, `TTL ${ttl} ms`);
    });

    it('(4) Cluster-safe: every key an atomic step touches carries its own hash tag', async () => {
      const grantMembers = Array.from({ length: 12 }, (_, index) => `${PREFIX}AccessToken:{member-${index}}`);
      await Promise.all(grantMembers.map((_, index) => storage('AccessToken')
        .upsert(`member-${index}`, { grantId: 'spread', 'x5t#S256': 'A'.repeat(43) } as AdapterPayload, 60)));
      // The grant's tokens are spread over slots (and, on a Cluster, over masters)...
      assert.ok(new Set(grantMembers.map(keySlot)).size > 1);
      const client = redis.client();
      if (client.isCluster) {
        assert.equal(await client.cluster('KEYSLOT', grantMembers[0]!), keySlot(grantMembers[0]!));
        const populated = await Promise.all((client as Cluster).nodes('master').map((node) => node.dbsize()));
        assert.ok(populated.filter((count) => count > 0).length > 1, `keys per master: ${populated.join(', ')}`);
      }
      // ...and still revoked completely, by grant and by certificate.
      assert.equal(await storage.revokeByCertificate('A'.repeat(43)), 12);
      await Promise.all(grantMembers.map((_, index) => storage('RefreshToken')
        .upsert(`member-${index}`, { grantId: 'spread' } as AdapterPayload, 60)));
      await storage('RefreshToken').revokeByGrantId('spread');
      assert.deepEqual(await Promise.all(grantMembers.map((_, index) => storage('RefreshToken').find(`member-${index}`))), Array(12).fill(undefined));
      assert.equal(await redis.client().exists(`${PREFIX}grant:{spread}`), 0);
      assert.equal(await redis.client().exists(`${PREFIX}x5t:{${'A'.repeat(43)}}`), 0);
    });
  });
});
