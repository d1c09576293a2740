import type { AlgorithmPolicy } from '../algorithms.js';
import type { ClientCertificate } from '../certificate.js';
import { profileOf } from '../profile.js';
import { Cache } from '../../util/cache.js';
import { CrlCache } from './crl.js';
import { crlStatus } from './crl-status.js';
import { queryOcsp, type OcspSettings } from './ocsp.js';
import type { RevocationChecker, RevocationStatus } from './types.js';

/** Settings of the built-in checker, already validated. */
export interface NetworkCheckerSettings {
  /** Sources in the order tried; the first definite answer (good or revoked) wins. */
  readonly methods: readonly ('ocsp' | 'crl')[];
  readonly timeout: number;
  readonly maxResponseBytes: number;
  readonly ocspMaxAge: number;
  readonly ocspMaxResponseAge: number;
  readonly crlRefreshBefore: number;
  readonly tolerance: number;
  readonly algorithms: AlgorithmPolicy;
}

const MAX_OCSP_ENTRIES = 10_000;

/**
 * The built-in checker: OCSP at the responders named in the certificate's AIA (RFC 6960), then
 * the CRLs at its distribution points (RFC 5280 4.2.1.13), each answer verified and cached until
 * it stops being current.
 */
export function createNetworkChecker(settings: NetworkCheckerSettings): RevocationChecker {
  const limits = { timeout: settings.timeout, maxBytes: settings.maxResponseBytes };
  const crls = new CrlCache(limits, settings.algorithms, settings.crlRefreshBefore);
  const ocspSettings: OcspSettings = { limits, algorithms: settings.algorithms, maxAge: settings.ocspMaxAge, maxResponseAge: settings.ocspMaxResponseAge, tolerance: settings.tolerance };
  // A good answer is kept until its nextUpdate, a revocation for ever.
  const ocspCache = new Cache<RevocationStatus & { status: 'good' | 'revoked' }>(MAX_OCSP_ENTRIES);

  async function ocsp(certificate: ClientCertificate, issuer: ClientCertificate, at: number): Promise<RevocationStatus> {
    const key = `${certificate.thumbprint} ${profileOf(issuer).spkiSha256}`;
    const cached = ocspCache.get(key, at);
    if (cached) return cached;
    const problems: string[] = [];
    for (const url of profileOf(certificate).ocspUrls) {
      try {
        const status = await queryOcsp(url, certificate, issuer, at, ocspSettings);
        if (status.status !== 'unknown') {
          ocspCache.set(key, status, status.status === 'good' ? status.until : Number.POSITIVE_INFINITY, at);
          return status;
        }
        problems.push(`${url}: ${status.reason}`);
      } catch (error) {
        problems.push(`${url}: ${(error as Error).message}`);
      }
    }
    return { status: 'unknown', reason: problems.length ? problems.join('; ') : 'the certificate names no http OCSP responder' };
  }

  return {
    async check(certificate, issuer, at) {
      const reasons: string[] = [];
      for (const method of settings.methods) {
        const status = method === 'ocsp' ? await ocsp(certificate, issuer, at) : await crlStatus(crls, certificate, issuer, at, settings.tolerance);
        if (status.status !== 'unknown') return status;
        reasons.push(status.reason);
      }
      return { status: 'unknown', reason: reasons.join('; ') };
    },
  };
}
