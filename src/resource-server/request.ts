import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { debuglog } from 'node:util';
import { ConfigurationError, type MtlsError } from '../errors.js';
import { onlyKnownKeys, optionsObject } from '../util/options.js';
import { resolveCertificateSource, type CertificateSourceSpec } from '../intake/source-list.js';
import { readCertificate } from '../intake/source.js';
import type { BearerChallenge } from './challenge.js';
import { isRefusal } from './challenge.js';
import type { TokenVerifier, VerifiedToken } from './verifier.js';

const debug = debuglog('oidc-provider-mtls');
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** Options shared by the Koa, Express and Fastify middleware. */
export interface MiddlewareOptions {
  /**
   * Where the client certificate comes from: `'socket'`, header source options
   * (`{ format, trustedProxies }`) for a certificate forwarded by an authenticated proxy, a
   * `CertificateSource`, or a list of these (a header is never mixed with a socket certificate).
   * The same forms the provider plugin takes. Default: `'socket'`.
   */
  certificateSource?: CertificateSourceSpec | readonly CertificateSourceSpec[];
  /**
   * Called when a source refuses what it found (a header from an untrusted peer, an undecodable
   * certificate). The request continues without a certificate, so a bound token is then refused
   * with `ERR_MTLS_BINDING_MISMATCH`. Default: logs through `NODE_DEBUG=oidc-provider-mtls`.
   */
  onIntakeRefused?: (error: MtlsError, req: IncomingMessage) => void;
  /**
   * Called with the coded error of every refused request (missing, invalid or unbound token,
   * binding mismatch, invalid or replayed DPoP proof, insufficient scope, provider unreachable),
   * for logs and metrics; the client only sees the RFC 6750 / RFC 9449 answer. Default: logs
   * through `NODE_DEBUG=oidc-provider-mtls`.
   */
  onTokenRefused?: (error: MtlsError, req: IncomingMessage) => void;
}

/** The verdict on one request: a verified token, or the answer to send. */
export type RequestOutcome =
  | {
    readonly ok: true;
    readonly token: VerifiedToken;
    /** Headers for the response the application sends: `DPoP-Nonce` when the client needs a fresh nonce. */
    readonly headers: Readonly<Record<string, string>>;
  }
  | { readonly ok: false; readonly challenge: BearerChallenge };

/**
 * Binds a verifier to certificate intake for Node requests; the framework middleware are thin
 * shells over this. Errors that are not refusals (bugs) are rethrown for the framework's handler.
 * @throws {ConfigurationError} for invalid options.
 */
export function createRequestCheck(
  verifier: TokenVerifier,
  options: MiddlewareOptions = {},
): (req: IncomingMessage) => Promise<RequestOutcome> {
  if (typeof verifier?.verify !== 'function' || typeof verifier.challenge !== 'function') {
    throw new ConfigurationError('verifier must be created with createTokenVerifier()');
  }
  onlyKnownKeys(optionsObject(options, 'middleware options'), ['certificateSource', 'onIntakeRefused', 'onTokenRefused'], '', 'the bound-token middleware');
  const source = resolveCertificateSource(options.certificateSource ?? 'socket');
  for (const hook of ['onIntakeRefused', 'onTokenRefused'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') throw new ConfigurationError(`${hook} must be a function`);
  }
  const onIntakeRefused = options.onIntakeRefused ?? ((error: MtlsError) => debug('certificate intake refused: %s %s', error.code, error.message));
  const onTokenRefused = options.onTokenRefused ?? ((error: MtlsError) => debug('token refused: %s %s', error.code, error.message));

  return async (req) => {
    const intake = await readCertificate(source, req);
    if (intake.kind === 'refused') onIntakeRefused(intake.error, req);
    const certificate = intake.kind === 'certificate' ? intake.certificate.leaf : undefined;
    try {
      const token = await verifier.verify({
        authorization: req.headers.authorization,
        certificate,
        // Every value, so that a repeated DPoP header is refused rather than joined or dropped.
        // Request doubles (Fastify's inject) may lack headersDistinct; a joined value is no JWS.
        dpop: req.headersDistinct?.['dpop'] ?? req.headers['dpop'],
        method: req.method,
        url: requestUrl(req),
      });
      return { ok: true, token, headers: token.dpopNonce === undefined ? NO_HEADERS : Object.freeze({ 'dpop-nonce': token.dpopNonce }) };
    } catch (error) {
      if (!isRefusal(error)) throw error;
      onTokenRefused(error, req);
      return { ok: false, challenge: verifier.challenge(error) };
    }
  };
}

/**
 * The absolute URI the client addressed, as a DPoP proof names it: the scheme of this socket and the
 * `Host` header. Behind a proxy these are the proxy's view; `dpop.origin` then says the public one.
 */
function requestUrl(req: IncomingMessage): string {
  const scheme = (req.socket as Partial<TLSSocket>).encrypted === true ? 'https' : 'http';
  // HTTP/2 requests (node:http2's compatibility API) carry the authority as a pseudo-header.
  const authority = req.headers.host ?? req.headers[':authority'];
  return `${scheme}://${typeof authority === 'string' ? authority : ''}${req.url ?? ''}`;
}
