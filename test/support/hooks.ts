// Mocha root hooks for the whole run (registered with `require` in .mocharc.json and by
// `npm run test:load`): what the run shares is stopped once, after the last file.
import { stopSharedRedisCluster } from './redis.js';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopSharedRedisCluster();
  },
};
