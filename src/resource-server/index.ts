export { createTokenVerifier } from './verifier.js';
export type { TokenVerifier, VerifiedToken, VerifyInput } from './verifier.js';
export type {
  BindingOptions,
  HttpOptions,
  IntrospectionCacheOptions,
  IntrospectionClientAuth,
  IntrospectionOptions,
  JwtAccessTokenOptions,
  TokenVerifierOptions,
} from './options.js';
export type { AccessTokenClaims } from './claims.js';
export { challengeFor, isRefusal } from './challenge.js';
export type { BearerChallenge } from './challenge.js';
export { createRequestCheck } from './request.js';
export type { MiddlewareOptions, RequestOutcome } from './request.js';
export { koaBoundToken } from './koa.js';
export type { KoaContextLike, MtlsKoaState } from './koa.js';
export { expressBoundToken } from './express.js';
export { socketSource } from '../intake/socket.js';
export { headerSource, type HeaderSourceOptions } from '../intake/header-source.js';
export type { CertificateSourceSpec } from '../intake/source-list.js';
export type { CertificateSource, IntakeResult } from '../intake/source.js';
