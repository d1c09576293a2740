import { createHash } from 'node:crypto';
import { decodeProtectedHeader, errors, importJWK, jwtVerify, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { DpopProofError } from '../errors.js';
import type { Cache } from '../util/cache.js';

/** Longer than any proof a client makes (an RSA-4096 key and signature fit in under 2 KiB). */
const MAX_PROOF_LENGTH = 8 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** JWK members of private and symmetric keys (RFC 7518 section 6), which a proof must not carry. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
/** RFC 7638 section 3.2: the members a thumbprint covers, per key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
});
/** How long an imported proof key is kept: a client signs many proofs with one key. */
const KEY_CACHE_MS = 10 * 60_000;

/** A proof whose signature verified with its own key, before any check against the request. */
interface SignedProof {
  readonly payload: JWTPayload;
  /** RFC 7638 SHA-256 thumbprint of the proof's key, what `cnf.jkt` names. */
  readonly jkt: string;
}

/**
 * The one proof of a request (RFC 9449 section 4.3 checks 1 and 2): exactly one `DPoP` header whose
 * value is a well-formed compact JWS.
 * @param values the header's values as received (several when the header was repeated).
 * @throws {DpopProofError}
 */
export function singleProof(values: string | readonly string[] | undefined): string {
  const list = values === undefined ? [] : typeof values === 'string' ? [values] : values;
  if (list.length === 0) throw new DpopProofError('the request carries no DPoP proof');
  if (list.length > 1) throw new DpopProofError('the request carries more than one DPoP header');
  const proof = list[0]!;
  if (proof.length > MAX_PROOF_LENGTH) throw new DpopProofError(`the DPoP proof exceeds ${MAX_PROOF_LENGTH} characters`);
  if (!COMPACT_JWS.test(proof)) throw new DpopProofError('the DPoP proof is not a compact JWS');
  return proof;
}

/**
 * RFC 9449 section 4.3 checks 3 to 7: a JWT with `typ` `dpop+jwt`, an accepted asymmetric `alg`, a
 * public `jwk` in its header, and a valid signature with that key. Imported keys are kept in `keys`
 * by algorithm and thumbprint (which covers every member the import reads), since importing costs
 * more than verifying.
 * @throws {DpopProofError}
 */
export async function verifyProofSignature(
  proof: string,
  algorithms: readonly string[],
  keys: Cache<CryptoKey>,
): Promise<SignedProof> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch (cause) {
    throw new DpopProofError('the DPoP proof header is not a JSON object', { cause });
  }
  // RFC 7515 section 4.1.9: a media type, compared case-insensitively, `application/` optional.
  if (typeof header.typ !== 'string' || header.typ.toLowerCase().replace(/^application\//, '') !== 'dpop+jwt') {
    throw new DpopProofError('the DPoP proof is not typ dpop+jwt');
  }
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    throw new DpopProofError('the DPoP proof is signed with an algorithm that is not accepted');
  }
  const jwk: unknown = header.jwk;
  const members = typeof jwk === 'object' && jwk !== null && !Array.isArray(jwk) ? THUMBPRINT_MEMBERS[String((jwk as JWK).kty)] : undefined;
  if (!members) throw new DpopProofError('the DPoP proof header has no public jwk');
  const key = jwk as JWK;
  if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(key, member))) {
    throw new DpopProofError('the DPoP proof header jwk contains private key material');
  }
  if (!members.every((member) => typeof key[member as keyof JWK] === 'string')) throw new DpopProofError('the DPoP proof header jwk is malformed');
  // RFC 7517 sections 4.2 and 4.4: a key meant for other uses or another algorithm does not sign proofs.
  if ((key.use !== undefined && key.use !== 'sig') || (key.alg !== undefined && key.alg !== header.alg)) {
    throw new DpopProofError('the DPoP proof header jwk is not a signing key for its alg');
  }
  const canonical = `{${members.map((member) => `"${member}":${JSON.stringify(key[member as keyof JWK])}`).join(',')}}`;
  const jkt = createHash('sha256').update(canonical).digest('base64url');
  const cacheKey = `${header.alg}:${jkt}`;
  const now = Date.now();
  let payload: JWTPayload;
  try {
    let publicKey = keys.get(cacheKey, now);
    if (!publicKey) {
      publicKey = await importJWK(Object.fromEntries(members.map((member) => [member, key[member as keyof JWK]])), header.alg) as CryptoKey;
      keys.set(cacheKey, publicKey, now + KEY_CACHE_MS, now);
    }
    ({ payload } = await jwtVerify(proof, publicKey, { typ: 'dpop+jwt', algorithms: [...algorithms] }));
  } catch (cause) {
    throw new DpopProofError(describe(cause), { cause });
  }
  return { payload, jkt };
}

/** `ath` (RFC 9449 section 4.2): base64url of the SHA-256 of the access token's ASCII. */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

/** A fixed description per failure: never proof content, so it is safe in `error_description`. */
function describe(error: unknown): string {
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the DPoP proof signature is invalid';
  if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired) {
    return `the DPoP proof has an invalid ${error.claim} claim`;
  }
  if (error instanceof errors.JWTInvalid) return 'the DPoP proof payload is not a JSON object of claims';
  return 'the DPoP proof header jwk is malformed or does not fit its alg';
}
