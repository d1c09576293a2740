import type { ClientCertificate } from '../certificate.js';
import { EXT, profileOf } from '../profile.js';
import type { CrlCache, VerifiedCrl } from './crl.js';
import { ALL_REASONS, decodeDistributionPoints, reasonNames, shareName, type DistributionPoint, type ReasonMask } from './distribution-points.js';
import type { RevocationStatus } from './types.js';

/**
 * The status of `certificate` from the CRLs at its distribution points, by RFC 5280 section 6.3.3
 * with complete CRLs only: each CRL must be current, issued by the certificate's issuer, and
 * claim a scope (issuingDistributionPoint) that matches the distribution point it was fetched
 * for and includes this kind of certificate; distribution points are consulted in turn until
 * the CRLs used cover every reason (reasons_mask is all-reasons) or a CRL lists the certificate.
 * Anything short of that is `unknown`, never `good`.
 */
export async function crlStatus(crls: CrlCache, certificate: ClientCertificate, issuer: ClientCertificate, at: number, tolerance: number): Promise<RevocationStatus> {
  const profile = profileOf(certificate);
  const extension = profile.extensions.get(EXT.crlDistributionPoints);
  if (extension === undefined) return { status: 'unknown', reason: 'the certificate has no CRL distribution point' };
  let points: DistributionPoint[];
  try {
    points = decodeDistributionPoints(extension.value);
  } catch (error) {
    return { status: 'unknown', reason: `the cRLDistributionPoints extension is malformed: ${(error as Error).message}` };
  }
  const serial = profile.serialNumber.toString('hex');
  const isCa = profile.basicConstraints?.ca === true;
  const problems: string[] = [];
  const used: string[] = [];
  let reasonsMask: ReasonMask = 0;
  let until = Number.POSITIVE_INFINITY;
  for (const point of points) {
    if (reasonsMask === ALL_REASONS) break;
    const pointReasons = point.reasons ?? ALL_REASONS;
    // 6.3.3 e: a point that can add no reason is not consulted.
    if ((pointReasons & ~reasonsMask) === 0) continue;
    const urls = fetchableUrls(point, problems);
    for (const url of urls) {
      let crl: VerifiedCrl;
      try {
        crl = await crls.get(url, issuer, at);
      } catch (error) {
        problems.push(`${url}: ${(error as Error).message}`);
        continue;
      }
      const unusable = currencyProblem(crl, at, tolerance) ?? scopeProblem(crl, point, isCa);
      if (unusable !== undefined) {
        problems.push(`${url}: ${unusable}`);
        continue;
      }
      // 6.3.3 d: interim_reasons_mask, the reasons both the point and the CRL cover.
      const interim = (crl.issuingDistributionPoint?.onlySomeReasons ?? ALL_REASONS) & pointReasons;
      if ((interim & ~reasonsMask) === 0) {
        problems.push(`${url}: the CRL covers no reason not already covered (${reasonNames(crl.issuingDistributionPoint?.onlySomeReasons ?? ALL_REASONS)})`);
        continue;
      }
      // 6.3.3 j and k: listed means revoked, unless listed as removeFromCRL.
      if (crl.revoked.has(serial) && crl.revoked.get(serial) !== 'removeFromCRL') {
        const reason = crl.revoked.get(serial);
        return { status: 'revoked', source: `CRL ${url}`, ...(reason ? { reason } : {}) };
      }
      if (crl.unattributable.has(serial)) {
        problems.push(`${url}: an entry with this serial number names its certificate issuer in no form comparable with a DN`);
        continue;
      }
      reasonsMask |= interim;
      until = Math.min(until, crl.nextUpdate);
      used.push(url);
      break;
    }
  }
  if (reasonsMask === ALL_REASONS) return { status: 'good', until, source: `CRL ${used.join(', ')}` };
  const missing = `the CRLs found cover ${reasonsMask ? `only the reasons ${reasonNames(reasonsMask)}` : 'no reason'}, not ${reasonNames(ALL_REASONS & ~reasonsMask)}`;
  return { status: 'unknown', reason: [...problems, missing].join('; ') };
}

// The http(s) URLs a point's CRL can be fetched from. Points that need what this checker does not
// implement say so and contribute no reasons: a separate CRL issuer (cRLIssuer, whose own path
// 6.3.3 f would have to validate) and a name relative to the CRL issuer (no location to fetch).
function fetchableUrls(point: DistributionPoint, problems: string[]): string[] {
  if (point.crlIssuer !== undefined) {
    problems.push('a distribution point names a separate CRL issuer (cRLIssuer): CRLs signed by anyone but the certificate issuer are not supported');
    return [];
  }
  if (point.name?.kind !== 'fullName') {
    problems.push('a distribution point is named relative to the CRL issuer (nameRelativeToCRLIssuer), which is not supported');
    return [];
  }
  const urls = point.name.names.flatMap((name) => (name.type === 'uri' && /^https?:\/\//i.test(name.value) ? [name.value] : []));
  if (urls.length === 0) problems.push('a distribution point names no http URL');
  return urls;
}

function currencyProblem(crl: VerifiedCrl, at: number, tolerance: number): string | undefined {
  if (crl.thisUpdate > at + tolerance) return 'the CRL is not valid yet';
  if (crl.nextUpdate + tolerance < at) return `the CRL is stale (nextUpdate ${new Date(crl.nextUpdate).toISOString()})`;
  return undefined;
}

// 6.3.3 b.2: the scope the CRL claims must match the point it was fetched for and include the certificate.
function scopeProblem(crl: VerifiedCrl, point: DistributionPoint, isCa: boolean): string | undefined {
  const idp = crl.issuingDistributionPoint;
  if (idp === undefined) return undefined;
  if (idp.name !== undefined) {
    if (idp.name.kind !== 'fullName') return 'the CRL\'s issuingDistributionPoint is named relative to the CRL issuer, which is not supported';
    // fetchableUrls only lets through points with a full name.
    if (point.name?.kind !== 'fullName' || !shareName(idp.name.names, point.name.names)) {
      return 'the CRL\'s issuingDistributionPoint names another distribution point than the one it was fetched from';
    }
  }
  if (idp.onlyContainsUserCerts && isCa) return 'the CRL covers only end-entity certificates (onlyContainsUserCerts) and this one is a CA';
  if (idp.onlyContainsCACerts && !isCa) return 'the CRL covers only CA certificates (onlyContainsCACerts)';
  if (idp.onlyContainsAttributeCerts) return 'the CRL covers only attribute certificates (onlyContainsAttributeCerts)';
  return undefined;
}
