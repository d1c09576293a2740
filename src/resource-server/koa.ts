import type { IncomingMessage } from 'node:http';
import { createRequestCheck, type MiddlewareOptions } from './request.js';
import type { TokenVerifier, VerifiedToken } from './verifier.js';

/**
 * `ctx.state` after {@link koaBoundToken}: type your app or router with it, e.g.
 * `new Koa<MtlsKoaState>()` or `router.get<MtlsKoaState>(...)`.
 */
export interface MtlsKoaState {
  /** The verified token, its claims, scopes, and the certificate or DPoP key it is bound to. */
  mtls: VerifiedToken;
}

/** The part of a Koa context the middleware uses; a real `Koa.Context` fits it. */
export interface KoaContextLike {
  readonly req: IncomingMessage;
  state: object;
  status: number;
  body: unknown;
  set(fields: Record<string, string>): void;
}

/**
 * Koa middleware: verifies the request's access token and its sender constraints (certificate,
 * DPoP proof), puts the result on
 * `ctx.state.mtls` and calls the next middleware; otherwise answers per RFC 6750 / RFC 9449 and stops.
 * @throws {ConfigurationError} for invalid options, at creation.
 */
export function koaBoundToken(
  verifier: TokenVerifier,
  options?: MiddlewareOptions,
): (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void> {
  const check = createRequestCheck(verifier, options);
  return async (ctx, next) => {
    const outcome = await check(ctx.req);
    if (outcome.ok) {
      (ctx.state as Partial<MtlsKoaState>).mtls = outcome.token;
      ctx.set({ ...outcome.headers });
      await next();
      return;
    }
    const { challenge } = outcome;
    ctx.status = challenge.status;
    ctx.set({ ...challenge.headers });
    if (challenge.body) ctx.body = { ...challenge.body };
  };
}
