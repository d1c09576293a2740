import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Provider, type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';
import { decodeEntity } from './codec.js';
import type { Store } from './store.js';

/*
 * The host detects reuse on the copy it read: a code or refresh token read as consumed makes it
 * revoke the grant (and emit `grant.revoked`) instead of issuing. It reads, checks, then consumes, so
 * two redemptions that both read before either consumed would both pass its check; with its own
 * in-memory adapter that cannot happen, because nothing between the read and the consume waits on
 * I/O. Here the read and the consume are separate round trips, so the request that reads first
 * claims the value, and a concurrent redemption's read waits until that request has answered: it
 * then reads what the host would have read in sequence (consumed, or deleted), and the host's own
 * reuse branch decides. The adapter's atomic consume still guarantees exactly-once issuance should a
 * claim run out.
 */

/** The token endpoint parameter that carries the value each consumable grant source is found by. */
const PARAMETER: Readonly<Record<string, string>> = {
  AuthorizationCode: 'code',
  RefreshToken: 'refresh_token',
  DeviceCode: 'device_code',
  BackchannelAuthenticationRequest: 'auth_req_id',
  PreAuthorizedCode: 'pre-authorized_code',
};

/** Waits between two attempts at a claim another request holds: short first, then at most 50 ms. */
const FIRST_PAUSE = 2;
const LONGEST_PAUSE = 50;

interface Claims {
  token: string;
  held: Set<string>;
}

/** The claims of each request, released together when its response closes. */
const claimsByRequest = new WeakMap<KoaContextWithOIDC, Claims>();

/** The token endpoint request redeeming `id` of `model`, when this adapter call runs inside one. */
export function redeemingRequest(model: string, id: string): KoaContextWithOIDC | undefined {
  const parameter = PARAMETER[model];
  if (parameter === undefined) return undefined;
  const ctx = Provider.ctx;
  if (ctx === undefined || ctx.oidc.route !== 'token') return undefined;
  return (ctx.oidc.params as Record<string, unknown> | undefined)?.[parameter] === id ? ctx : undefined;
}

function claimsOf(store: Store, ctx: KoaContextWithOIDC): Claims {
  let claims = claimsByRequest.get(ctx);
  if (claims === undefined) {
    const created: Claims = { token: randomUUID(), held: new Set() };
    claims = created;
    claimsByRequest.set(ctx, created);
    // Released once the answer is out, so the next reader sees everything this request wrote.
    // Not awaited by anyone: a release that fails leaves the claim to expire.
    ctx.res.once('close', () => {
      for (const claim of created.held) store.steps.run('release', [claim], [created.token], false).catch(() => undefined);
    });
  }
  return claims;
}

/** Reads `id` of `model` for `ctx`, the request redeeming it, once no other request holds it. */
export async function findForRedemption(
  store: Store,
  model: string,
  id: string,
  ctx: KoaContextWithOIDC,
): Promise<AdapterPayload | undefined> {
  const claims = claimsOf(store, ctx);
  const claim = store.keys.claim(model, id);
  const entity = store.keys.entity(model, id);
  const held = Symbol('held');
  for (let pause = FIRST_PAUSE; ; pause = Math.min(pause * 2, LONGEST_PAUSE)) {
    const found = await store.run(model, 'find', () => store.steps.run<[0] | [1, ...string[]]>('claim', [claim, entity], [claims.token, store.redemptionLease]), (reply) => {
      if (reply[0] === 0) return held;
      const payload = decodeEntity(reply as readonly unknown[] as readonly string[], 1);
      if (payload !== undefined) claims.held.add(claim);
      return payload;
    }, () => undefined);
    if (found !== held) return found;
    await sleep(pause);
  }
}
