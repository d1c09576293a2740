import { CertificateRejectedError } from '../errors.js';
import type { ClientCertificate } from './certificate.js';
import { profileOf } from './profile.js';

/**
 * Why `certificate` is outside its validity period (RFC 5280 4.1.2.5) at `at` (epoch ms), allowing
 * `tolerance` ms of clock skew either way, or `undefined` when it is inside. Certificate times
 * have a one-second granularity and notAfter is inclusive, so the whole last second is valid.
 */
export function validityRefusal(certificate: ClientCertificate, at: number, tolerance: number): CertificateRejectedError | undefined {
  const { notBefore, notAfter } = profileOf(certificate);
  const now = Math.floor(at / 1000) * 1000;
  if (now + tolerance < notBefore) {
    return new CertificateRejectedError('ERR_MTLS_CERT_NOT_YET_VALID', `the certificate is not valid before ${new Date(notBefore).toISOString()}`);
  }
  if (now - tolerance > notAfter) {
    return new CertificateRejectedError('ERR_MTLS_CERT_EXPIRED', `the certificate expired at ${new Date(notAfter).toISOString()}`);
  }
  return undefined;
}
