// The provider plugin: what an integrator needs to enable RFC 8705 on an oidc-provider. The
// certificate engine (`./certificate`), proxy intake (`./proxy`), FAPI presets (`./fapi`), resource
// server (`./resource-server`), Redis adapter (`./adapters/redis`) and error classes (`./errors`)
// each have a subpath of their own.
export * from './plugin/index.js';
export type { RevocationEvent } from './certificate/revocation/types.js';
