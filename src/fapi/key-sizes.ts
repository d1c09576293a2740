import { errors } from 'oidc-provider';
import { ConfigurationError } from '../errors.js';
import type { ProfileRules } from './profiles.js';

/**
 * The smallest RSA modulus both profiles accept: FAPI 2.0 SP 5.4.1 item 2, and BCP 195 (RFC 9325
 * section 4.3), whose key lengths FAPI 1.0 Part 1 5.2.2 item 5 requires. The elliptic curves the
 * host supports (P-256 and larger, Ed25519) all meet the 224-bit minimum for EC keys (5.4.1 item 3).
 */
const MIN_RSA_BITS = 2048;

/** Bits of an RSA JWK's modulus, or `undefined` for a key that is not RSA. */
function rsaBits(jwk: unknown): number | undefined {
  const { kty, n } = (jwk ?? {}) as { kty?: unknown; n?: unknown };
  if (kty !== 'RSA' || typeof n !== 'string') return undefined;
  const modulus = Buffer.from(n, 'base64url');
  const first = modulus.findIndex((byte) => byte !== 0);
  if (first === -1) return 0;
  return (modulus.length - first) * 8 - Math.clz32(modulus[first]!) + 24;
}

/** The keys of a JWK Set that are too short, as `kid` (or position) and size. */
function shortKeys(jwks: unknown): string[] {
  const keys = (jwks as { keys?: unknown } | undefined)?.keys;
  if (!Array.isArray(keys)) return [];
  return keys.flatMap((jwk: unknown, index) => {
    const bits = rsaBits(jwk);
    if (bits === undefined || bits >= MIN_RSA_BITS) return [];
    const kid = (jwk as { kid?: unknown }).kid;
    return [`${typeof kid === 'string' ? `"${kid}"` : `#${index}`} (RSA, ${bits} bits)`];
  });
}

/** Refuses, with the host's `invalid_client_metadata`, a client `jwks` holding a short RSA key. */
export function checkClientKeys(metadata: Record<string, unknown>, rules: ProfileRules): void {
  const short = shortKeys(metadata.jwks);
  if (short.length > 0) {
    throw new errors.InvalidClientMetadata(`jwks key ${short.join(', ')} is too short for ${rules.title}; RSA keys need at least ${MIN_RSA_BITS} bits`);
  }
}

/** Refuses, at configure time, provider signing keys (`jwks`) shorter than the profile allows. */
export function checkProviderKeys(config: Record<string, unknown>, rules: ProfileRules): void {
  const short = shortKeys(config.jwks);
  if (short.length > 0) {
    throw new ConfigurationError(`jwks key ${short.join(', ')} is too short for ${rules.title}; use RSA keys of at least ${MIN_RSA_BITS} bits`);
  }
}
