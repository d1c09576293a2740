import { MtlsError, type MtlsErrorCode } from '../errors.js';

/** An HTTP answer to a refused request, ready for any framework to send. */
export interface BearerChallenge {
  /** 400, 401, 403 (RFC 6750 section 3.1) or 503 when the token could not be checked. */
  readonly status: 400 | 401 | 403 | 503;
  /** `WWW-Authenticate` (except for 503) and `Cache-Control: no-store`. */
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
};

/** Whether {@link challengeFor} has an answer for this error (the verifier's refusals). */
export function isRefusal(error: unknown): error is MtlsError {
  return error instanceof MtlsError && ERRORS[error.code] !== undefined;
}

/**
 * The RFC 6750 answer to a refusal from {@link TokenVerifier.verify}. The description is the
 * error's message, which the verifier writes from fixed text: no token, claim value or
 * certificate content reaches the client.
 * @throws {TypeError} for an error that is not one of the verifier's refusals.
 */
export function challengeFor(error: MtlsError, realm?: string): BearerChallenge {
  const entry = ERRORS[error.code];
  if (!entry) throw new TypeError(`${error.code} is not a resource-server refusal`);
  const description = quotable(error.message);
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (entry.status !== 503) {
    const params: string[] = [];
    if (realm !== undefined) params.push(`realm="${quotable(realm)}"`);
    if (entry.error !== undefined) {
      params.push(`error="${entry.error}"`, `error_description="${description}"`);
      if ('scope' in error && typeof error.scope === 'string') params.push(`scope="${quotable(error.scope)}"`);
    }
    headers['www-authenticate'] = params.length ? `Bearer ${params.join(', ')}` : 'Bearer';
  }
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
