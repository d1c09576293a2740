export { createMtls, type Mtls } from './create.js';
export type { MtlsOptions } from './options.js';
export type { ProviderConfiguration } from './configure.js';
export { createMtlsServer, type MtlsServerOptions } from './server.js';
export { EVENTS } from './events.js';
export {
  CHANNELS,
  type AuthenticationMessage,
  type CertificateExpiringMessage,
  type ProxyUntrustedMessage,
  type RevocationFetchMessage,
  type VerdictCacheMessage,
} from '../util/channels.js';
export { ANCHOR_PINS, CERTIFICATE_POLICIES } from './client-trust.js';
