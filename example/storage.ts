import type { Configuration } from 'oidc-provider';

export interface ExampleStorage {
  adapter: Configuration['adapter'] | undefined;
  description: string;
  close(): Promise<void>;
}

/** In-memory storage by default; the Redis adapter when REDIS_URL is set. */
export async function exampleAdapter(): Promise<ExampleStorage> {
  const url = process.env.REDIS_URL;
  if (!url) return { adapter: undefined, description: 'in memory (set REDIS_URL to use Redis)', close: async () => undefined };
  // Loaded only when asked for, since ioredis is an optional peer dependency.
  const [{ Redis }, { createRedisAdapter }] = await Promise.all([import('ioredis'), import('../adapters/redis/index.js')]);
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  return {
    adapter: createRedisAdapter({ client, keyPrefix: 'oidc-provider-mtls-example:' }),
    description: `Redis at ${new URL(url).host}`,
    close: async () => { client.disconnect(); },
  };
}
