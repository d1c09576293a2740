import type { ClientCertificate } from '../certificate.js';

/**
 * What an unknown revocation status does (RFC 5280 section 6.3, RFC 6960):
 * - `off`: revocation is not checked;
 * - `soft-fail`: an unknown status (responder down, stale data) passes, and an event reports it;
 * - `hard-fail`: an unknown status refuses with `ERR_MTLS_REVOCATION_UNKNOWN`.
 * A certificate known to be revoked is refused in every mode but `off`.
 */
export type RevocationMode = 'off' | 'soft-fail' | 'hard-fail';

/** The revocation status of one certificate. */
export type RevocationStatus =
  /** Not revoked; `until` (epoch ms) is when the data that says so stops being current. */
  | { readonly status: 'good'; readonly until: number; readonly source: string }
  | { readonly status: 'revoked'; readonly source: string; readonly reason?: string; readonly revokedAt?: number }
  | { readonly status: 'unknown'; readonly reason: string; readonly source?: string };

/** Decides the revocation status of `certificate`, which `issuer` signed. Must not throw. */
export interface RevocationChecker {
  check(certificate: ClientCertificate, issuer: ClientCertificate, at: number): Promise<RevocationStatus>;
}

/** Reported through `onEvent` so an operator can count and alert on lenient passes. */
export interface RevocationEvent {
  /** `revocation.unknown`: the status could not be established (soft-fail let it pass or hard-fail refused). */
  readonly name: 'revocation.unknown';
  readonly mode: 'soft-fail' | 'hard-fail';
  /** RFC 4514 subject of the certificate whose status is unknown. */
  readonly subject: string;
  readonly serialNumber: string;
  readonly reason: string;
}
