import { verifySignature, publicKeyOf, type AlgorithmPolicy } from '../algorithms.js';
import type { ClientCertificate } from '../certificate.js';
import { childrenOf, decodeOid, parseTlv, type Tlv } from '../der.js';
import { decodeName, nameKey } from '../names.js';
import { decodeTime, KEY_USAGE, profileOf } from '../profile.js';
import { fetchBytes, type FetchLimits } from './fetch.js';
import type { RevocationStatus } from './types.js';

/** A CRL decoded and checked against its issuer. */
interface VerifiedCrl {
  readonly issuerSpki: string;
  readonly thisUpdate: number;
  readonly nextUpdate: number;
  /** Revoked serial numbers (hex of the INTEGER content) and their reason, when given. */
  readonly revoked: ReadonlyMap<string, string | undefined>;
}

const REASONS = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded',
  'cessationOfOperation', 'certificateHold', 'unused', 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise'];
// CRL extensions understood here (RFC 5280 5.2); a critical one outside this set makes the CRL unusable.
const CRL_EXTENSIONS = new Set(['2.5.29.20' /* cRLNumber */, '2.5.29.35' /* AKI */, '2.5.29.28' /* issuingDistributionPoint */]);
const DELTA_CRL_INDICATOR = '2.5.29.27';

/**
 * Decodes a DER CRL and checks it for `issuer` (RFC 5280 section 6.3.3): same issuer name,
 * issuer allowed to sign CRLs, signature valid, a complete (non-delta) CRL with a `nextUpdate`,
 * no unknown critical extension. Throws an Error saying why it cannot be used.
 */
export function verifyCrl(der: Buffer, issuer: ClientCertificate, algorithms: AlgorithmPolicy): VerifiedCrl {
  const [tbs, algorithm, signature] = childrenOf(parseTlv(der));
  if (tbs?.tag !== 0x30 || algorithm?.tag !== 0x30 || signature?.tag !== 0x03) throw new Error('the CRL is not a CertificateList');
  const fields = childrenOf(tbs);
  let index = fields[0]?.tag === 0x02 ? 1 : 0;
  const inner = fields[index++];
  const issuerName = fields[index++];
  const thisUpdate = fields[index++];
  let nextUpdate: Tlv | undefined;
  if (fields[index]?.tag === 0x17 || fields[index]?.tag === 0x18) nextUpdate = fields[index++];
  const entries = fields[index]?.tag === 0x30 ? fields[index++] : undefined;
  const extensions = fields[index]?.tag === 0xa0 ? fields[index] : undefined;
  if (inner === undefined || issuerName === undefined || thisUpdate === undefined || !inner.bytes.equals(algorithm.bytes)) {
    throw new Error('the CRL structure is malformed');
  }
  const issuerProfile = profileOf(issuer);
  if (nameKey(decodeName(issuerName)) !== issuerProfile.subject.key) throw new Error('the CRL was issued by another CA');
  // RFC 5280 4.2.1.3 and 6.3.3 f: the issuer key must be allowed to sign CRLs.
  if (issuerProfile.keyUsage !== undefined && !(issuerProfile.keyUsage & KEY_USAGE.cRLSign)) {
    throw new Error('the issuer\'s keyUsage does not allow cRLSign');
  }
  const key = publicKeyOf(issuerProfile.spki);
  if (key instanceof Error) throw key;
  const outcome = verifySignature(tbs.bytes, algorithm.bytes, signature.content.subarray(1), key, algorithms);
  if (outcome !== 'valid') throw new Error(outcome === 'invalid' ? 'the CRL signature does not verify' : outcome.weak);
  if (nextUpdate === undefined) throw new Error('the CRL has no nextUpdate');
  for (const extension of extensions ? childrenOf(childrenOf(extensions)[0]!) : []) {
    const parts = childrenOf(extension);
    const oid = decodeOid(parts[0]!.content);
    const critical = parts[1]?.tag === 0x01 && parts[1].content[0] !== 0;
    if (oid === DELTA_CRL_INDICATOR) throw new Error('delta CRLs are not used');
    if (critical && !CRL_EXTENSIONS.has(oid)) throw new Error(`the CRL has an unrecognized critical extension ${oid}`);
  }
  const revoked = new Map<string, string | undefined>();
  for (const entry of entries ? childrenOf(entries) : []) {
    const [serial, , entryExtensions] = childrenOf(entry);
    if (serial?.tag !== 0x02) throw new Error('a CRL entry is malformed');
    revoked.set(serial.content.toString('hex'), entryExtensions ? reasonOf(entryExtensions) : undefined);
  }
  return { issuerSpki: issuerProfile.spkiSha256, thisUpdate: decodeTime(thisUpdate), nextUpdate: decodeTime(nextUpdate), revoked };
}

function reasonOf(extensions: Tlv): string | undefined {
  for (const extension of childrenOf(extensions)) {
    const parts = childrenOf(extension);
    if (decodeOid(parts[0]!.content) !== '2.5.29.21') continue;
    const value = parseTlv(parts[parts.length - 1]!.content);
    return REASONS[value.content[0] ?? 0] ?? 'unspecified';
  }
  return undefined;
}

/** CRL fetching with a per-URL cache held until `nextUpdate`, refreshed in the background. */
export class CrlCache {
  readonly #entries = new Map<string, VerifiedCrl>();
  readonly #inflight = new Map<string, Promise<VerifiedCrl>>();
  readonly #limits: FetchLimits;
  readonly #algorithms: AlgorithmPolicy;
  readonly #refreshBefore: number;
  readonly #maxEntries: number;

  constructor(limits: FetchLimits, algorithms: AlgorithmPolicy, refreshBefore: number, maxEntries = 100) {
    this.#limits = limits;
    this.#algorithms = algorithms;
    this.#refreshBefore = refreshBefore;
    this.#maxEntries = maxEntries;
  }

  /** The status of `certificate` from the CRLs at its distribution points. */
  async status(certificate: ClientCertificate, issuer: ClientCertificate, at: number, tolerance: number): Promise<RevocationStatus> {
    const profile = profileOf(certificate);
    const problems: string[] = [];
    for (const url of profile.crlUrls) {
      let crl: VerifiedCrl;
      try {
        crl = await this.#get(url, issuer, at);
      } catch (error) {
        problems.push(`${url}: ${(error as Error).message}`);
        continue;
      }
      if (crl.thisUpdate > at + tolerance) {
        problems.push(`${url}: the CRL is not valid yet`);
        continue;
      }
      if (crl.nextUpdate + tolerance < at) {
        problems.push(`${url}: the CRL is stale (nextUpdate ${new Date(crl.nextUpdate).toISOString()})`);
        continue;
      }
      const serial = profile.serialNumber.toString('hex');
      if (crl.revoked.has(serial) && crl.revoked.get(serial) !== 'removeFromCRL') {
        const reason = crl.revoked.get(serial);
        return { status: 'revoked', source: `CRL ${url}`, ...(reason ? { reason } : {}) };
      }
      return { status: 'good', until: crl.nextUpdate, source: `CRL ${url}` };
    }
    return { status: 'unknown', reason: problems.length ? problems.join('; ') : 'the certificate has no http CRL distribution point' };
  }

  async #get(url: string, issuer: ClientCertificate, at: number): Promise<VerifiedCrl> {
    const issuerSpki = profileOf(issuer).spkiSha256;
    const cacheKey = `${issuerSpki} ${url}`;
    const cached = this.#entries.get(cacheKey);
    if (cached && cached.nextUpdate > at) {
      if (cached.nextUpdate - at < this.#refreshBefore) this.#fetch(cacheKey, url, issuer).catch(() => undefined);
      return cached;
    }
    return this.#fetch(cacheKey, url, issuer);
  }

  #fetch(cacheKey: string, url: string, issuer: ClientCertificate): Promise<VerifiedCrl> {
    let pending = this.#inflight.get(cacheKey);
    if (pending === undefined) {
      pending = fetchBytes(url, this.#limits)
        .then((der) => {
          const crl = verifyCrl(der, issuer, this.#algorithms);
          if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
          this.#entries.set(cacheKey, crl);
          return crl;
        })
        .finally(() => this.#inflight.delete(cacheKey));
      this.#inflight.set(cacheKey, pending);
    }
    return pending;
  }
}
