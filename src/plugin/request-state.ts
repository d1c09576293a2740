import type { IncomingMessage } from 'node:http';
import type { ChainVerdict } from '../certificate/verify.js';
import type { PresentedCertificate } from '../intake/source.js';
import type { MtlsError } from '../errors.js';

/**
 * What the intake middleware learned about one request's certificate. Written once by the
 * middleware, then only read by the synchronous hooks (which the host calls without `await`).
 */
export interface RequestCertificateState {
  readonly certificate?: PresentedCertificate;
  /** Path validation against the trust anchors; absent when `tls_client_auth` is off. */
  readonly verdict?: ChainVerdict;
  /** A certificate that was offered but refused before validation (untrusted proxy, bad header). */
  readonly refusal?: MtlsError;
  /**
   * Why the certificate may not authenticate a `self_signed_tls_client_auth` client: outside its
   * validity period under `selfSignedValidity: 'enforce'`. The client is not known at intake.
   */
  readonly selfSignedRefusal?: MtlsError;
}

// Keyed by the Node request so Koa, a mounted provider and Express all see the same entry,
// and nothing is added to the host's objects.
const states = new WeakMap<IncomingMessage, RequestCertificateState>();

export function setRequestState(req: IncomingMessage, state: RequestCertificateState): void {
  states.set(req, Object.freeze(state));
}

export function getRequestState(req: IncomingMessage): RequestCertificateState | undefined {
  return states.get(req);
}
