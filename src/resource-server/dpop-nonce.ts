import { createHmac, timingSafeEqual } from 'node:crypto';

/** Bytes of the HMAC kept in a nonce: 128 bits cannot be guessed. */
const TAG_BYTES = 16;

/** Server nonces for DPoP proofs (RFC 9449 section 9), with no state beyond the key. */
interface NonceIssuer {
  /** The nonce of the current period. */
  current(now: number): string;
  /**
   * Whether `nonce` is this period's (`'current'`), the previous one's (`'previous'`: accepted,
   * and the client should get the current one), or neither.
   */
  check(nonce: string, now: number): 'current' | 'previous' | undefined;
}

/**
 * Nonces of the form `<period>.<tag>`: the period number in base 36 and a truncated HMAC-SHA256 of
 * it, so every process holding the key issues and accepts the same nonces without talking to the
 * others. Characters are base64url and `.`, within the NQCHAR syntax of RFC 9449 section 8.1.
 */
export function createNonceIssuer(secret: Uint8Array, lifetimeSeconds: number): NonceIssuer {
  const tag = (period: number): Buffer => createHmac('sha256', secret).update(`dpop-nonce:${period}`).digest().subarray(0, TAG_BYTES);
  const periodAt = (now: number): number => Math.floor(now / 1000 / lifetimeSeconds);
  return Object.freeze({
    current(now: number): string {
      const period = periodAt(now);
      return `${period.toString(36)}.${tag(period).toString('base64url')}`;
    },
    check(nonce: string, now: number): 'current' | 'previous' | undefined {
      const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{22})$/.exec(nonce);
      if (!match) return undefined;
      const period = Number.parseInt(match[1]!, 36);
      const current = periodAt(now);
      if (period !== current && period !== current - 1) return undefined;
      const presented = Buffer.from(match[2]!, 'base64url');
      if (presented.length !== TAG_BYTES || !timingSafeEqual(presented, tag(period))) return undefined;
      return period === current ? 'current' : 'previous';
    },
  });
}
