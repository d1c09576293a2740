import { DpopNonceError, MtlsError, type MtlsErrorCode } from '../errors.js';
import type { TokenScheme } from './authorization.js';

/** An HTTP answer to a refused request, ready for any framework to send. */
export interface BearerChallenge {
  /** 400, 401, 403 (RFC 6750 section 3.1) or 503 when the token could not be checked. */
  readonly status: 400 | 401 | 403 | 503;
  /** `WWW-Authenticate` (except for 503), `Cache-Control: no-store`, and `DPoP-Nonce` for `use_dpop_nonce`. */
  readonly headers: Readonly<Record<string, string>>;
  /** JSON body `{ error, error_description }`; absent for a request without a token. */
  readonly body: { readonly error: string; readonly error_description: string } | undefined;
  /** The coded error, for logs and metrics; never sent. */
  readonly cause: MtlsError;
}

const ERRORS: Partial<Record<MtlsErrorCode, { status: BearerChallenge['status']; error: string | undefined }>> = {
  ERR_MTLS_TOKEN_MISSING: { status: 401, error: undefined },
  ERR_MTLS_AUTHORIZATION_MALFORMED: { status: 400, error: 'invalid_request' },
  ERR_MTLS_TOKEN_INVALID: { status: 401, error: 'invalid_token' },
  ERR_MTLS_BINDING_MISMATCH: { status: 401, error: 'invalid_token' },
  ERR_MTLS_TOKEN_UNBOUND: { status: 401, error: 'invalid_token' },
  ERR_MTLS_INSUFFICIENT_SCOPE: { status: 403, error: 'insufficient_scope' },
  ERR_MTLS_TOKEN_UNVERIFIABLE: { status: 503, error: 'temporarily_unavailable' },
  ERR_MTLS_DPOP_PROOF_INVALID: { status: 401, error: 'invalid_dpop_proof' },
  ERR_MTLS_DPOP_PROOF_REPLAYED: { status: 401, error: 'invalid_dpop_proof' },
  ERR_MTLS_DPOP_NONCE_REQUIRED: { status: 401, error: 'use_dpop_nonce' },
};

/** How a resource server that accepts DPoP answers (RFC 9449 section 7.1). */
export interface DpopChallenge {
  /** The scheme of the refused request: `DPoP` when it used that scheme or its token is DPoP-bound. */
  readonly scheme: TokenScheme;
  /** The accepted proof algorithms, sent as `algs` in every `DPoP` challenge. */
  readonly algorithms: readonly string[];
}

/** Whether {@link challengeFor} has an answer for this error (the verifier's refusals). */
export function isRefusal(error: unknown): error is MtlsError {
  return error instanceof MtlsError && ERRORS[error.code] !== undefined;
}

/**
 * The RFC 6750 (and, with `dpop`, RFC 9449 section 7.1) answer to a refusal from
 * {@link TokenVerifier.verify}. A request without a token is told every scheme accepted; a refused
 * one gets the error in the scheme it used. The description is the error's message, which the
 * verifier writes from fixed text: no token, claim value or certificate content reaches the client.
 * @param dpop how to answer when DPoP is accepted; `undefined` when it is not.
 * @throws {TypeError} for an error that is not one of the verifier's refusals.
 */
export function challengeFor(error: MtlsError, realm?: string, dpop?: DpopChallenge): BearerChallenge {
  const entry = ERRORS[error.code];
  if (!entry) throw new TypeError(`${error.code} is not a resource-server refusal`);
  const description = quotable(error.message);
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (entry.status !== 503) {
    const realmParam = realm === undefined ? [] : [`realm="${quotable(realm)}"`];
    const algs = dpop ? [`algs="${dpop.algorithms.join(' ')}"`] : [];
    const challenge = (scheme: TokenScheme, params: string[]) => (params.length ? `${scheme} ${params.join(', ')}` : scheme);
    if (entry.error === undefined) {
      const offered = [challenge('Bearer', realmParam)];
      if (dpop) offered.push(challenge('DPoP', [...realmParam, ...algs]));
      headers['www-authenticate'] = offered.join(', ');
    } else {
      const params = [...realmParam, `error="${entry.error}"`, `error_description="${description}"`];
      if ('scope' in error && typeof error.scope === 'string') params.push(`scope="${quotable(error.scope)}"`);
      const scheme = dpop?.scheme ?? 'Bearer';
      headers['www-authenticate'] = challenge(scheme, scheme === 'DPoP' ? [...params, ...algs] : params);
    }
  }
  if (error instanceof DpopNonceError) headers['dpop-nonce'] = error.nonce;
  return Object.freeze({
    status: entry.status,
    headers: Object.freeze(headers),
    body: entry.error === undefined ? undefined : Object.freeze({ error: entry.error, error_description: description }),
    cause: error,
  });
}

/** RFC 6750 section 3: attribute values are quoted-strings limited to %x20-21 / %x23-5B / %x5D-7E. */
function quotable(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?');
}
