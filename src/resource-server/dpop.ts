import { createHash } from 'node:crypto';
import type { CryptoKey } from 'jose';
import { BindingMismatchError, DpopNonceError, DpopProofError } from '../errors.js';
import { Cache } from '../util/cache.js';
import { createNonceIssuer } from './dpop-nonce.js';
import { accessTokenHash, singleProof, verifyProofSignature } from './dpop-proof.js';
import { requestUri } from './htu.js';
import type { ResolvedDpop } from './resolve.js';

/** Proof keys kept imported, per verifier. */
const KEY_CACHE_SIZE = 1000;

/** The parts of a request a DPoP proof is checked against. */
interface ProofInput {
  /** The `DPoP` header value(s) as received. */
  readonly proofs: string | readonly string[] | undefined;
  /** The request method, e.g. `GET`. */
  readonly method: string | undefined;
  /** The absolute request URI, e.g. `https://api.example.com/accounts?page=2`. */
  readonly url: string | undefined;
}

/** What an accepted proof establishes. */
interface AcceptedProof {
  /** The thumbprint of the key that signed the proof, equal to the token's `cnf.jkt`. */
  readonly jkt: string;
  /** A fresh nonce to send in `DPoP-Nonce`, when the proof carried the previous period's. */
  readonly nonce: string | undefined;
}

/**
 * Returns the check of a DPoP proof presented with a DPoP-bound access token (RFC 9449 section 4.3
 * and section 7.1): one well-formed proof, signed by its embedded public key with an accepted
 * algorithm, for this method and URI, recent, carrying the hash of this token, with the server
 * nonce when nonces are required, signed by the key the token is bound to, and never seen before.
 * @throws {DpopProofError} `invalid_dpop_proof`.
 * @throws {DpopNonceError} `use_dpop_nonce`.
 * @throws {BindingMismatchError} when the proof's key is not the one the token is bound to.
 * @throws {TokenUnverifiableError} when the replay store cannot answer.
 */
export function createDpopCheck(
  dpop: ResolvedDpop,
  clockTolerance: number,
): (input: ProofInput, token: string, boundJkt: string) => Promise<AcceptedProof> {
  const nonces = dpop.nonce ? createNonceIssuer(dpop.nonce.secret, dpop.nonce.lifetime) : undefined;
  // Bounded: a flood of fresh keys costs imports, never memory.
  const keys = new Cache<CryptoKey>(KEY_CACHE_SIZE);

  return async (input, token, boundJkt) => {
    const proof = singleProof(input.proofs);
    if (input.method === undefined || input.url === undefined) {
      // A caller of verify() that forgot the request: a bug to fix, not a client to refuse.
      throw new TypeError('verify() needs the request method and url to check a DPoP proof');
    }
    const { payload, jkt } = await verifyProofSignature(proof, dpop.algorithms, keys);
    const now = Date.now();
    const { jti, htm, htu, iat, ath } = payload as Record<string, unknown>;
    if (typeof jti !== 'string' || jti === '' || jti.length > 1024) throw new DpopProofError('the DPoP proof has no valid jti claim');
    if (htm !== input.method) throw new DpopProofError('the DPoP proof was made for another HTTP method');
    const expected = requestUri(input.url, dpop.origin);
    if (expected === undefined) throw new DpopProofError('the request URI cannot be determined to check the DPoP proof');
    if (typeof htu !== 'string' || requestUri(htu, undefined) !== expected) {
      throw new DpopProofError('the DPoP proof was made for another URI');
    }
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new DpopProofError('the DPoP proof has no valid iat claim');
    const seconds = now / 1000;
    if (iat > seconds + clockTolerance) throw new DpopProofError('the DPoP proof was issued in the future');
    if (iat < seconds - dpop.maxAge - clockTolerance) throw new DpopProofError('the DPoP proof is too old');
    if (ath !== accessTokenHash(token)) throw new DpopProofError('the DPoP proof was made for another access token (ath)');
    let nonce: string | undefined;
    if (nonces) {
      const presented = payload['nonce'];
      const state = typeof presented === 'string' ? nonces.check(presented, now) : undefined;
      if (state === undefined) {
        const message = presented === undefined ? 'the DPoP proof must carry the server nonce' : 'the DPoP proof carries a stale or unknown nonce';
        throw new DpopNonceError(nonces.current(now), message);
      }
      if (state === 'previous') nonce = nonces.current(now);
    }
    // RFC 9449 section 7.1 answers a key that is not the token's with invalid_token.
    if (jkt !== boundJkt) throw new BindingMismatchError('ERR_MTLS_BINDING_MISMATCH', 'the access token is bound to another DPoP key');
    // Keyed by key and jti, hashed to bound the size: one client's jti cannot block another's.
    const key = createHash('sha256').update(`${jkt}:${jti}`).digest('base64url');
    const expiresAt = (iat + dpop.maxAge + clockTolerance) * 1000;
    if (!await dpop.replayStore.remember(key, expiresAt)) {
      throw new DpopProofError('the DPoP proof was already used', { code: 'ERR_MTLS_DPOP_PROOF_REPLAYED' });
    }
    return { jkt, nonce };
  };
}

