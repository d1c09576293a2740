/** What the middleware reads and writes of the host's Koa context. */
interface ResponseContext {
  status: number;
  body: unknown;
  get(field: string): string;
  set(field: string, value: string): void;
  /** Set by the host's routing, which has run by the time the response is read. */
  readonly oidc?: { readonly issuer: string };
}

/** The host's description of the refusal, from its client authentication (`shared/client_auth.js`). */
const HOST_DESCRIPTION = 'client_id mismatch';

/**
 * FAPI 1.0 Part 1 5.2.2 item 19: when a client names itself twice (the `client_id` parameter next
 * to an assertion's `sub` or an `Authorization` header) and the two differ, the answer is
 * `invalid_client` (RFC 6749 section 5.2). The host refuses the request, but as `invalid_request`;
 * this rewrites that one answer on every endpoint that authenticates clients, and nothing else.
 */
export async function invalidClientOnClientIdMismatch(ctx: ResponseContext, next: () => Promise<unknown>): Promise<void> {
  await next();
  const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
  if (ctx.status !== 400 || body?.error !== 'invalid_request' || body.error_description !== HOST_DESCRIPTION) return;
  ctx.status = 401;
  ctx.body = { error: 'invalid_client', error_description: HOST_DESCRIPTION };
  if (ctx.get('authorization') !== '') {
    // RFC 6749 section 5.2: a client that tried the Authorization header is told the scheme to use.
    ctx.set('WWW-Authenticate', `Basic realm="${ctx.oidc?.issuer ?? ''}", error="invalid_client", error_description="${HOST_DESCRIPTION}"`);
  }
}
