// Type-level test of `oidc-provider-mtls/adapters/redis`.
import { createRedisAdapter, type RedisAdapterFactory, type RedisAdapterOptions } from 'oidc-provider-mtls/adapters/redis';

declare const options: RedisAdapterOptions;
const storage: RedisAdapterFactory = createRedisAdapter(options);
void storage;

// @ts-expect-error the adapter is independent of the plugin
import { createMtls } from 'oidc-provider-mtls/adapters/redis';
void createMtls;
