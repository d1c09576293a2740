import { setTimeout as sleep } from 'node:timers/promises';
import type { AdapterFactory } from 'oidc-provider';
import sinon from 'sinon';
import { createRedisAdapter } from '../../adapters/redis/index.js';
import { adapterContract } from './contract.js';
import { forEachRedis } from '../support/redis.js';

describe('adapter contract', () => {
  describe('oidc-provider memory adapter (the reference)', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      // The memory adapter reads Date.now() for expiry, so its clock can be moved instead of waited on.
      clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    });
    afterEach(() => clock.restore());

    adapterContract({
      atomicConsume: false,
      async reset(clockTolerance) {
        const specifier: string = 'oidc-provider/lib/adapters/memory_adapter.js';
        const { createMemoryAdapter } = await import(specifier) as { createMemoryAdapter(clockTolerance: number): AdapterFactory };
        return createMemoryAdapter(clockTolerance);
      },
      async elapse(ms) {
        clock.tick(ms);
      },
    });
  });

  describe('Redis adapter', () => {
    forEachRedis((redis) => {
      adapterContract({
        atomicConsume: true,
        async reset(clockTolerance) {
          await redis.flush();
          return createRedisAdapter({ client: redis.client(), keyPrefix: 'test:contract:', clockTolerance });
        },
        // Redis expires keys on its own clock; there is nothing to fake.
        elapse: (ms) => sleep(ms),
      });
    });
  });
});
