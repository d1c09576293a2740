export { createRedisAdapter, type RedisAdapterFactory } from './create.js';
export type { RedisAdapterOptions } from './options.js';
export type { RedisAdapterEvent } from './events.js';
export type { ClientRegistry } from './clients.js';
export type { RevokeByCertificateOptions } from './revoke-certificate.js';
