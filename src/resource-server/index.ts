export { createTokenVerifier } from './verifier.js';
export type { TokenVerifier, VerifiedToken, VerifyInput } from './verifier.js';
export type {
  BindingOptions,
  DpopNonceOptions,
  DpopOptions,
  DpopReplayStore,
  HttpOptions,
  IntrospectionCacheOptions,
  IntrospectionClientAuth,
  IntrospectionOptions,
  JwtAccessTokenOptions,
  TokenVerifierOptions,
} from './options.js';
export type { AccessTokenClaims } from './claims.js';
export { challengeFor, isRefusal } from './challenge.js';
export type { BearerChallenge, DpopChallenge } from './challenge.js';
export type { TokenScheme } from './authorization.js';
export { memoryReplayStore, type MemoryReplayStoreOptions } from './replay.js';
export { redisReplayStore, type RedisReplayStoreOptions } from './replay-redis.js';
export { createRequestCheck } from './request.js';
export type { MiddlewareOptions, RequestOutcome } from './request.js';
export { koaBoundToken } from './koa.js';
export type { KoaContextLike, MtlsKoaState } from './koa.js';
export { expressBoundToken } from './express.js';
export { fastifyBoundToken, type FastifyBoundTokenOptions } from './fastify.js';
export { socketSource } from '../intake/socket.js';
export { headerSource, type HeaderSourceOptions } from '../intake/header-source.js';
export type { CertificateSourceSpec } from '../intake/source-list.js';
export type { CertificateSource, IntakeResult } from '../intake/source.js';
