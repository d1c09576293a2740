import { errors } from 'oidc-provider';
import { ConfigurationError } from '../errors.js';
import type { ProfileRules } from './profiles.js';

/**
 * The smallest keys both profiles accept: FAPI 2.0 SP 5.4.1 items 2 and 3, and BCP 195 (RFC 9325
 * section 4.3), whose key lengths FAPI 1.0 Part 1 5.2.2 item 5 requires: RSA moduli of 2048 bits,
 * elliptic curves of 224 bits.
 */
const MIN_RSA_BITS = 2048;
const MIN_EC_BITS = 224;

/** Field sizes of the JOSE curves (RFC 7518 section 6.2.1.1, RFC 8812 section 3.1). */
const EC_CURVE_BITS: Readonly<Record<string, number>> = { 'P-256': 256, 'P-384': 384, 'P-521': 521, secp256k1: 256 };

/** Bits of an RSA modulus given in base64url. */
function modulusBits(n: string): number {
  const modulus = Buffer.from(n, 'base64url');
  const first = modulus.findIndex((byte) => byte !== 0);
  return first === -1 ? 0 : (modulus.length - first) * 8 - Math.clz32(modulus[first]!) + 24;
}

/** What is too short about a JWK, or `undefined` when it is long enough or not RSA or EC. */
function shortness(jwk: unknown): string | undefined {
  const { kty, n, crv } = (jwk ?? {}) as { kty?: unknown; n?: unknown; crv?: unknown };
  if (kty === 'RSA' && typeof n === 'string') {
    const bits = modulusBits(n);
    return bits < MIN_RSA_BITS ? `RSA, ${bits} bits` : undefined;
  }
  if (kty === 'EC') {
    // A curve the table does not know is none the host can use either.
    return (EC_CURVE_BITS[String(crv)] ?? 0) < MIN_EC_BITS ? `EC, curve ${String(crv)}` : undefined;
  }
  return undefined;
}

/** The keys of a JWK Set that are too short, named by `kid` (or position) and what is short. */
function shortKeys(jwks: unknown): string[] {
  const keys = (jwks as { keys?: unknown } | undefined)?.keys;
  if (!Array.isArray(keys)) return [];
  return keys.flatMap((jwk: unknown, index) => {
    const problem = shortness(jwk);
    if (problem === undefined) return [];
    const kid = (jwk as { kid?: unknown }).kid;
    return [`${typeof kid === 'string' ? `"${kid}"` : `#${index}`} (${problem})`];
  });
}

const NEEDED = `RSA keys need at least ${MIN_RSA_BITS} bits and EC keys a curve of at least ${MIN_EC_BITS} bits`;

/** Refuses, with the host's `invalid_client_metadata`, a client `jwks` holding a short key. */
export function checkClientKeys(metadata: Record<string, unknown>, rules: ProfileRules): void {
  const short = shortKeys(metadata.jwks);
  if (short.length > 0) throw new errors.InvalidClientMetadata(`jwks key ${short.join(', ')} is too short for ${rules.title}; ${NEEDED}`);
}

/** Refuses, at configure time, provider signing keys (`jwks`) shorter than the profile allows. */
export function checkProviderKeys(config: Record<string, unknown>, rules: ProfileRules): void {
  const short = shortKeys(config.jwks);
  if (short.length > 0) throw new ConfigurationError(`jwks key ${short.join(', ')} is too short for ${rules.title}; ${NEEDED}`);
}
