import { CRLReason } from '@peculiar/asn1-x509';
import { verifySignature, publicKeyOf, type AlgorithmPolicy } from '../algorithms.js';
import type { ClientCertificate } from '../certificate.js';
import { childrenOf, decodeOid, parseTlv, type Tlv } from '../der.js';
import { assertCrlDer } from '../x509-der.js';
import { decodeGeneralNames } from '../general-names.js';
import { decodeName, nameKey } from '../names.js';
import { decodeTime, KEY_USAGE, profileOf } from '../profile.js';
import { decodeDer } from '../schema.js';
import { decodeIssuingDistributionPoint, type IssuingDistributionPoint } from './distribution-points.js';
import { fetchRevocationData, type FetchLimits } from './fetch.js';
import { Cache } from '../../util/cache.js';

/** A complete CRL decoded and checked against the certificate issuer that signed it. */
export interface VerifiedCrl {
  readonly thisUpdate: number;
  readonly nextUpdate: number;
  /** The scope the CRL claims (RFC 5280 5.2.5); absent: every certificate of its issuer, every reason. */
  readonly issuingDistributionPoint?: IssuingDistributionPoint;
  /**
   * Serial numbers (hex of the INTEGER content) the CRL revokes for the certificate issuer, with the
   * entry's reasonCode when given. Entries an indirect CRL attributes to other issuers are not here.
   */
  readonly revoked: ReadonlyMap<string, string | undefined>;
  /**
   * Serial numbers of entries an indirect CRL attributes, through certificateIssuer, to an issuer
   * named only in forms that cannot be compared with a certificate's issuer DN: such an entry may
   * or may not be this issuer's, so a certificate with that serial gets no answer from this CRL.
   */
  readonly unattributable: ReadonlySet<string>;
}

// RFC 5280 5.3.1 CRLReason values; 7 is not assigned.
const REASONS: readonly (string | undefined)[] = ['unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded',
  'cessationOfOperation', 'certificateHold', undefined, 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise'];
const CRL_NUMBER = '2.5.29.20';
const AUTHORITY_KEY_ID = '2.5.29.35';
const ISSUING_DISTRIBUTION_POINT = '2.5.29.28';
const DELTA_CRL_INDICATOR = '2.5.29.27';
// CRL extensions processed here (RFC 5280 5.2): a critical one outside this set makes the CRL unusable (5.2).
const CRL_EXTENSIONS = new Set([CRL_NUMBER, AUTHORITY_KEY_ID, ISSUING_DISTRIBUTION_POINT]);
const REASON_CODE = '2.5.29.21';
const CERTIFICATE_ISSUER = '2.5.29.29';
// CRL entry extensions processed here (RFC 5280 5.3): a critical one outside this set makes the whole CRL unusable (5.3).
const ENTRY_EXTENSIONS = new Set([REASON_CODE, '2.5.29.23' /* holdInstructionCode */, '2.5.29.24' /* invalidityDate */, CERTIFICATE_ISSUER]);

/**
 * Decodes a DER CRL and checks it for `issuer` (RFC 5280 section 6.3.3 b.1, f, g and section 5):
 * issued under the issuer's name, issuer allowed to sign CRLs, signature valid, a v2 CRL with a
 * `nextUpdate`, a complete CRL (not a delta), no critical CRL or entry extension it cannot
 * process, every entry attributed to its certificate issuer. Whether the CRL's scope covers a
 * given certificate is decided where it is used. Throws an Error saying why it cannot be used.
 */
function verifyCrl(der: Buffer, issuer: ClientCertificate, algorithms: AlgorithmPolicy): VerifiedCrl {
  assertCrlDer(der); // extension values and DEFAULTs too, not only the elements parseTlv walks
  // The layout is walked with the DER reader rather than the CertificateList schema: the schema
  // took 25 times as long on a 1,000-entry CRL (165 ms against 7) and asn1js refuses more than
  // 10,000 nodes (about 2,500 entries). Extension values are decoded with their schemas.
  const [tbs, algorithm, signature, extra] = childrenOf(parseTlv(der));
  if (tbs?.tag !== 0x30 || algorithm?.tag !== 0x30 || signature?.tag !== 0x03 || extra !== undefined) throw new Error('the CRL is not a CertificateList');
  const fields = childrenOf(tbs);
  let index = 0;
  let v2 = false;
  if (fields[0]?.tag === 0x02) {
    if (!fields[0].content.equals(Buffer.from([1]))) throw new Error('the CRL version is not v2');
    v2 = true;
    index = 1;
  }
  const inner = fields[index++];
  const issuerName = fields[index++];
  const thisUpdate = fields[index++];
  let nextUpdate: Tlv | undefined;
  if (fields[index]?.tag === 0x17 || fields[index]?.tag === 0x18) nextUpdate = fields[index++];
  const entries = fields[index]?.tag === 0x30 ? fields[index++] : undefined;
  const extensions = fields[index]?.tag === 0xa0 ? fields[index++] : undefined;
  if (inner === undefined || issuerName === undefined || thisUpdate === undefined || index !== fields.length || !inner.bytes.equals(algorithm.bytes)) {
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
  if (extensions !== undefined && !v2) throw new Error('a v1 CRL carries extensions');
  let idp: IssuingDistributionPoint | undefined;
  for (const [oid, extension] of readExtensions(extensions, 'CRL')) {
    if (oid === DELTA_CRL_INDICATOR) throw new Error('the CRL is a delta CRL, not a complete CRL (delta CRLs are not used)');
    if (oid === ISSUING_DISTRIBUTION_POINT) idp = decodeIssuingDistributionPoint(extension.value);
    else if (extension.critical && !CRL_EXTENSIONS.has(oid)) throw new Error(`the CRL has an unrecognized critical extension ${oid}`);
  }
  const { revoked, unattributable } = readEntries(entries, v2, idp?.indirectCRL === true, issuerProfile.subject.key);
  return {
    thisUpdate: decodeTime(thisUpdate),
    nextUpdate: decodeTime(nextUpdate),
    ...(idp ? { issuingDistributionPoint: idp } : {}),
    revoked,
    unattributable,
  };
}

// RFC 5280 5.3.3: in an indirect CRL an entry belongs to the issuer named by the nearest
// certificateIssuer extension at or before it, and to the CRL issuer before the first one.
function readEntries(entries: Tlv | undefined, v2: boolean, indirect: boolean, issuerKey: string): Pick<VerifiedCrl, 'revoked' | 'unattributable'> {
  const revoked = new Map<string, string | undefined>();
  const unattributable = new Set<string>();
  let attribution: 'issuer' | 'other' | 'unknown' = 'issuer';
  for (const entry of entries ? childrenOf(entries) : []) {
    const [serial, date, entryExtensions, extra] = entry.tag === 0x30 ? childrenOf(entry) : [];
    if (serial?.tag !== 0x02 || (date?.tag !== 0x17 && date?.tag !== 0x18) || (entryExtensions !== undefined && entryExtensions.tag !== 0x30) || extra !== undefined) {
      throw new Error('a CRL entry is malformed');
    }
    if (entryExtensions !== undefined && !v2) throw new Error('a v1 CRL entry carries extensions');
    let reason: string | undefined;
    for (const [oid, extension] of readExtensions(entryExtensions, 'CRL entry')) {
      if (oid === REASON_CODE) reason = decodeReason(extension.value);
      else if (oid === CERTIFICATE_ISSUER) {
        if (!indirect) throw new Error('a CRL entry names a certificateIssuer but the CRL is not indirect');
        const names = decodeGeneralNames(extension.value);
        const directoryNames = names.flatMap((name) => (name.type === 'dn' ? [nameKey(name.name)] : []));
        attribution = directoryNames.includes(issuerKey) ? 'issuer' : directoryNames.length > 0 ? 'other' : 'unknown';
      } else if (extension.critical && !ENTRY_EXTENSIONS.has(oid)) throw new Error(`a CRL entry has an unrecognized critical extension ${oid}`);
    }
    const key = serial.content.toString('hex');
    if (attribution === 'issuer') revoked.set(key, reason);
    else if (attribution === 'unknown') unattributable.add(key);
  }
  return { revoked, unattributable };
}

// An Extensions element ([0] EXPLICIT for the CRL, bare for an entry) as OID, criticality and
// value; a repeated extension makes the CRL malformed (RFC 5280 4.2, applied to CRLs).
function readExtensions(element: Tlv | undefined, what: string): Map<string, { critical: boolean; value: Buffer }> {
  const out = new Map<string, { critical: boolean; value: Buffer }>();
  if (element === undefined) return out;
  const list = element.tag === 0xa0 ? childrenOf(element) : [element];
  if (list.length !== 1 || list[0]!.tag !== 0x30) throw new Error(`the ${what} extensions are malformed`);
  for (const extension of childrenOf(list[0]!)) {
    const parts = extension.tag === 0x30 ? childrenOf(extension) : [];
    const [oid, flag, value] = parts.length === 2 ? [parts[0], undefined, parts[1]] : parts;
    if (oid?.tag !== 0x06 || value?.tag !== 0x04 || parts.length > 3 || (flag !== undefined && (flag.tag !== 0x01 || flag.content.length !== 1 || flag.content[0] !== 0xff))) {
      throw new Error(`a ${what} extension is malformed`);
    }
    const id = decodeOid(oid.content);
    if (out.has(id)) throw new Error(`the ${what} repeats extension ${id}`);
    out.set(id, { critical: flag !== undefined, value: value.content });
  }
  return out;
}

function decodeReason(value: Buffer): string {
  let reason: string | undefined;
  try {
    reason = REASONS[decodeDer(value, CRLReason, 'reasonCode').reason];
  } catch {
    reason = undefined;
  }
  if (reason === undefined) throw new Error('a CRL entry has a malformed reasonCode');
  return reason;
}

/**
 * CRL fetching with a per-URL cache held until `nextUpdate`, refreshed in the background. While
 * the cached CRL is current, an older one (an earlier `thisUpdate`, served again by whoever sits
 * on the path) never replaces it.
 */
export class CrlCache {
  readonly #entries: Cache<VerifiedCrl>;
  readonly #limits: FetchLimits;
  readonly #algorithms: AlgorithmPolicy;
  readonly #refreshBefore: number;

  constructor(limits: FetchLimits, algorithms: AlgorithmPolicy, refreshBefore: number, maxEntries = 100) {
    this.#entries = new Cache(maxEntries);
    this.#limits = limits;
    this.#algorithms = algorithms;
    this.#refreshBefore = refreshBefore;
  }

  /** The CRL at `url`, verified for `issuer`, from the cache while it is current. */
  async get(url: string, issuer: ClientCertificate, at: number): Promise<VerifiedCrl> {
    // The issuer's name is part of the key: it decides which entries of an indirect CRL are its own.
    const { spkiSha256, subject } = profileOf(issuer);
    const cacheKey = `${spkiSha256} ${subject.key} ${url}`;
    const cached = this.#entries.get(cacheKey, at);
    if (cached) {
      if (cached.nextUpdate - at < this.#refreshBefore) this.#fetch(cacheKey, url, issuer, at).catch(() => undefined);
      return cached;
    }
    return this.#fetch(cacheKey, url, issuer, at);
  }

  #fetch(cacheKey: string, url: string, issuer: ClientCertificate, at: number): Promise<VerifiedCrl> {
    return this.#entries.load(cacheKey, async () => {
      const crl = verifyCrl(await fetchRevocationData('crl', url, this.#limits), issuer, this.#algorithms);
      // Only a current CRL holds its place (the cache keeps none past its nextUpdate): once it has
      // expired, whatever the CA publishes next is taken.
      const previous = this.#entries.get(cacheKey, at);
      if (previous !== undefined && crl.thisUpdate < previous.thisUpdate) return previous;
      this.#entries.set(cacheKey, crl, crl.nextUpdate, at);
      return crl;
    });
  }
}
