import { createHash } from 'node:crypto';
import {
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CRLDistributionPoints,
  ExtendedKeyUsage,
  KeyUsage,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { CertificateMalformedError } from '../errors.js';
import type { ClientCertificate } from './certificate.js';
import { childrenOf, decodeOid, DerError, parseTlv, readTlv, type Tlv } from './der.js';
import { decodeGeneralName, decodeGeneralNames, type GeneralName } from './general-names.js';
import { decodeName, nameKey, type DistinguishedName } from './names.js';
import { decodeDer } from './schema.js';
import {
  decodeCertificatePolicies,
  decodeInhibitAnyPolicy,
  decodePolicyConstraints,
  decodePolicyMappings,
  type PolicyConstraints,
  type PolicyMapping,
} from './policy-extensions.js';

/** Extension OIDs (RFC 5280 section 4.2). */
export const EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  freshestCrl: '2.5.29.46',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
} as const;

/** RFC 5280 4.2.1.3 key usage bits, as flags. */
export const KEY_USAGE = {
  digitalSignature: 1,
  nonRepudiation: 2,
  keyEncipherment: 4,
  dataEncipherment: 8,
  keyAgreement: 16,
  keyCertSign: 32,
  cRLSign: 64,
  encipherOnly: 128,
  decipherOnly: 256,
} as const;

/** One parsed name with its comparison key. */
interface NameView {
  readonly der: Buffer;
  readonly name: DistinguishedName;
  /** {@link nameKey}: equal keys are equal names under RFC 5280 section 7.1. */
  readonly key: string;
}

export interface GeneralSubtree {
  readonly base: GeneralName;
  readonly minimum: number;
  readonly maximum?: number;
}

/** The fields of a certificate that path validation reads, decoded once from the DER. */
export interface CertificateProfile {
  /** 1, 2 or 3. */
  readonly version: number;
  readonly serialNumber: Buffer;
  /** DER of `tbsCertificate`, exactly as signed. */
  readonly tbs: Buffer;
  readonly signatureAlgorithm: Buffer;
  readonly signature: Buffer;
  readonly issuer: NameView;
  readonly subject: NameView;
  readonly notBefore: number;
  readonly notAfter: number;
  /** DER of `subjectPublicKeyInfo`. */
  readonly spki: Buffer;
  readonly spkiSha256: string;
  /** Every extension by OID. */
  readonly extensions: ReadonlyMap<string, { readonly critical: boolean; readonly value: Buffer }>;
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** Bit flags of {@link KEY_USAGE}, when the extension is present. */
  readonly keyUsage?: number;
  readonly extendedKeyUsage?: readonly string[];
  readonly subjectKeyId?: Buffer;
  readonly authorityKeyId?: Buffer;
  readonly subjectAltNames?: readonly GeneralName[];
  readonly nameConstraints?: { readonly permitted?: readonly GeneralSubtree[]; readonly excluded?: readonly GeneralSubtree[] };
  /** Policy identifiers of `certificatePolicies` (RFC 5280 4.2.1.4). */
  readonly certificatePolicies?: readonly string[];
  readonly policyMappings?: readonly PolicyMapping[];
  readonly policyConstraints?: PolicyConstraints;
  /** SkipCerts of `inhibitAnyPolicy` (RFC 5280 4.2.1.14). */
  readonly inhibitAnyPolicy?: number;
  /** http(s) URLs of the OCSP responders (RFC 5280 4.2.2.1). */
  readonly ocspUrls: readonly string[];
  /** Issuer and subject are the same name (RFC 5280 section 6.1). */
  readonly selfIssued: boolean;
}

const profiles = new WeakMap<ClientCertificate, CertificateProfile>();

/**
 * The decoded profile of a certificate, computed once per certificate value.
 * @throws {CertificateMalformedError} when the DER or an extension it relies on is malformed.
 */
export function profileOf(certificate: ClientCertificate): CertificateProfile {
  let profile = profiles.get(certificate);
  if (profile === undefined) {
    try {
      profile = decodeProfile(certificate.der);
    } catch (cause) {
      if (cause instanceof CertificateMalformedError) throw cause;
      throw new CertificateMalformedError(`the certificate could not be decoded: ${(cause as Error).message}`, { cause });
    }
    profiles.set(certificate, profile);
  }
  return profile;
}

// The layout of the certificate and its extension list are walked with the DER reader: they are
// the byte ranges that are signed, pinned and hashed, and the Certificate schema took 0.3-0.8 ms
// a certificate (measured), more than the rest of a first verification. Extension values are
// decoded with their schemas below, except those made of GeneralNames (see general-names.ts).
function decodeProfile(der: Buffer): CertificateProfile {
  const [tbs, signatureAlgorithm, signature, extra] = childrenOf(parseTlv(der));
  if (tbs?.tag !== 0x30 || signatureAlgorithm?.tag !== 0x30 || signature?.tag !== 0x03 || extra !== undefined) {
    throw new DerError('not a Certificate SEQUENCE');
  }
  const fields = childrenOf(tbs);
  let index = 0;
  let version = 1;
  if (fields[0]?.tag === 0xa0) {
    const [v] = childrenOf(fields[0]);
    if (v?.tag !== 0x02 || v.content.length !== 1) throw new DerError('malformed version');
    version = v.content[0]! + 1;
    if (version > 3) throw new DerError(`unknown certificate version ${version}`);
    index = 1;
  }
  const [serial, innerAlgorithm, issuer, validity, subject, spki] = fields.slice(index, index + 6);
  if (serial?.tag !== 0x02 || innerAlgorithm?.tag !== 0x30 || issuer === undefined || validity?.tag !== 0x30
    || subject === undefined || spki?.tag !== 0x30) {
    throw new DerError('malformed tbsCertificate');
  }
  // RFC 5280 4.1.1.2: the outer and inner signature algorithms must be the same.
  if (!innerAlgorithm.bytes.equals(signatureAlgorithm.bytes)) {
    throw new CertificateMalformedError('the signature algorithm differs inside and outside tbsCertificate');
  }
  const [notBefore, notAfter] = childrenOf(validity);
  if (notBefore === undefined || notAfter === undefined) throw new DerError('malformed validity');
  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  for (const field of fields.slice(index + 6)) {
    if (field.tag !== 0xa3) continue; // issuerUniqueID / subjectUniqueID
    if (version !== 3) throw new CertificateMalformedError('extensions are only allowed in version 3 certificates');
    const [list] = childrenOf(field);
    if (list?.tag !== 0x30) throw new DerError('malformed extensions');
    for (const extension of childrenOf(list)) {
      const parts = childrenOf(extension);
      const oid = parts[0]?.tag === 0x06 ? decodeOid(parts[0].content) : undefined;
      const critical = parts[1]?.tag === 0x01 ? parts[1].content[0] !== 0 : false;
      const value = parts[parts.length - 1];
      if (oid === undefined || value?.tag !== 0x04) throw new DerError('malformed extension');
      // RFC 5280 4.2: a certificate must not include more than one instance of an extension.
      if (extensions.has(oid)) throw new CertificateMalformedError(`the extension ${oid} appears twice`);
      extensions.set(oid, { critical, value: value.content });
    }
  }
  const issuerView = nameView(issuer);
  const subjectView = nameView(subject);
  const signatureBits = signature.content;
  if (signatureBits[0] !== 0) throw new DerError('signature BIT STRING with unused bits');
  return {
    version,
    serialNumber: serial.content,
    tbs: tbs.bytes,
    signatureAlgorithm: signatureAlgorithm.bytes,
    signature: signatureBits.subarray(1),
    issuer: issuerView,
    subject: subjectView,
    notBefore: decodeTime(notBefore),
    notAfter: decodeTime(notAfter),
    spki: spki.bytes,
    spkiSha256: createHash('sha256').update(spki.bytes).digest('base64url'),
    extensions,
    ocspUrls: [],
    selfIssued: issuerView.key === subjectView.key,
    ...decodeExtensions(extensions),
  };
}

function nameView(element: Tlv): NameView {
  const name = decodeName(element);
  return { der: element.bytes, name, key: nameKey(name) };
}

/** Decodes UTCTime (RFC 5280 4.1.2.5.1) or GeneralizedTime (4.1.2.5.2) to epoch milliseconds. */
export function decodeTime(element: Tlv): number {
  const text = element.content.toString('latin1');
  const match = element.tag === 0x17
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
    : element.tag === 0x18 ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  if (!match) throw new DerError(`malformed time ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const year = element.tag === 0x17 ? (y >= 50 ? 1900 + y : 2000 + y) : y;
  const time = Date.UTC(year, mo - 1, d, h, mi, s);
  if (new Date(time).getUTCDate() !== d || mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) {
    throw new DerError(`invalid date ${JSON.stringify(text)}`);
  }
  return time;
}

type DecodedExtensions = Partial<Pick<CertificateProfile, 'basicConstraints' | 'keyUsage' | 'extendedKeyUsage' | 'subjectKeyId'
  | 'authorityKeyId' | 'subjectAltNames' | 'nameConstraints' | 'ocspUrls' | 'certificatePolicies' | 'policyMappings'
  | 'policyConstraints' | 'inhibitAnyPolicy'>>;

function decodeExtensions(extensions: Map<string, { critical: boolean; value: Buffer }>): DecodedExtensions {
  const out: { -readonly [K in keyof DecodedExtensions]: DecodedExtensions[K] } = {};
  const get = (oid: string): Buffer | undefined => extensions.get(oid)?.value;
  let value = get(EXT.basicConstraints);
  if (value) {
    const { cA: ca, pathLenConstraint: pathLength } = decodeDer(value, BasicConstraints, 'basicConstraints');
    if (pathLength !== undefined && !(Number.isInteger(pathLength) && pathLength >= 0 && pathLength <= 0x7fffffff)) {
      throw new DerError('basicConstraints pathLenConstraint must be a small non-negative INTEGER');
    }
    out.basicConstraints = pathLength === undefined ? { ca } : { ca, pathLength };
  }
  value = get(EXT.keyUsage);
  // Bits past decipherOnly (8) name no usage; no bits at all is NaN, which the mask makes 0.
  if (value) out.keyUsage = decodeDer(value, KeyUsage, 'keyUsage').toNumber() & 0x1ff;
  value = get(EXT.extKeyUsage);
  if (value) {
    const oids = [...decodeDer(value, ExtendedKeyUsage, 'extKeyUsage')];
    // RFC 5280 4.2.1.12: KeyPurposeId SEQUENCE SIZE (1..MAX).
    if (oids.length === 0) throw new CertificateMalformedError('the extKeyUsage extension is empty');
    out.extendedKeyUsage = oids;
  }
  value = get(EXT.subjectKeyIdentifier);
  if (value) out.subjectKeyId = Buffer.from(decodeDer(value, SubjectKeyIdentifier, 'subjectKeyIdentifier').buffer);
  value = get(EXT.authorityKeyIdentifier);
  if (value) {
    const keyId = decodeDer(value, AuthorityKeyIdentifier, 'authorityKeyIdentifier').keyIdentifier;
    if (keyId) out.authorityKeyId = Buffer.from(keyId.buffer);
  }
  value = get(EXT.subjectAltName);
  if (value) {
    const names = decodeGeneralNames(value);
    // RFC 5280 4.2.1.6: GeneralNames SIZE (1..MAX).
    if (names.length === 0) throw new CertificateMalformedError('the subjectAltName extension is empty');
    out.subjectAltNames = names;
  }
  value = get(EXT.nameConstraints);
  if (value) out.nameConstraints = decodeNameConstraints(value);
  value = get(EXT.certificatePolicies);
  if (value) out.certificatePolicies = decodeCertificatePolicies(value);
  value = get(EXT.policyMappings);
  if (value) out.policyMappings = decodePolicyMappings(value);
  value = get(EXT.policyConstraints);
  if (value) out.policyConstraints = decodePolicyConstraints(value);
  value = get(EXT.inhibitAnyPolicy);
  if (value) out.inhibitAnyPolicy = decodeInhibitAnyPolicy(value);
  // Only checked here, so a malformed one makes the certificate malformed: revocation reads the
  // whole structure itself (revocation/distribution-points.ts), reasons and CRL issuers included.
  value = get(EXT.crlDistributionPoints);
  if (value) decodeDer(value, CRLDistributionPoints, 'cRLDistributionPoints');
  value = get(EXT.authorityInfoAccess);
  if (value) {
    const access = decodeDer(value, AuthorityInfoAccessSyntax, 'authorityInfoAccess');
    if (access.length === 0) throw new CertificateMalformedError('the authorityInfoAccess extension is empty');
    out.ocspUrls = access
      .filter((entry) => entry.accessMethod === '1.3.6.1.5.5.7.48.1')
      .map((entry) => entry.accessLocation.uniformResourceIdentifier)
      .filter((uri): uri is string => uri !== undefined && /^http:\/\//i.test(uri));
  }
  return out;
}

function decodeSmallInteger(element: Tlv): number {
  if (element.content.length === 0 || element.content.length > 4 || element.content[0]! & 0x80) {
    throw new DerError('expected a small non-negative INTEGER');
  }
  return element.content.readUIntBE(0, element.content.length);
}

// On the DER reader, as GeneralNames are: an iPAddress subtree is an address and a mask, which
// the schema turns into text (a mask with gaps cannot be told from another).
function decodeNameConstraints(value: Buffer): NonNullable<CertificateProfile['nameConstraints']> {
  const out: { permitted?: GeneralSubtree[]; excluded?: GeneralSubtree[] } = {};
  for (const part of childrenOf(parseTlv(value))) {
    const subtrees = childrenOf(part).map(decodeSubtree);
    // RFC 5280 4.2.1.10: GeneralSubtrees SIZE (1..MAX), and at least one of the two present.
    if (subtrees.length === 0) throw new CertificateMalformedError('a nameConstraints subtree list is empty');
    if (part.tag === 0xa0) out.permitted = subtrees;
    else if (part.tag === 0xa1) out.excluded = subtrees;
    else throw new DerError('malformed nameConstraints');
  }
  if (!out.permitted && !out.excluded) throw new CertificateMalformedError('the nameConstraints extension is empty');
  return out;
}

function decodeSubtree(element: Tlv): GeneralSubtree {
  const [base, ...rest] = childrenOf(element);
  if (base === undefined) throw new DerError('malformed GeneralSubtree');
  let minimum = 0;
  let maximum: number | undefined;
  for (const part of rest) {
    const integer = readTlv(Buffer.concat([Buffer.from([0x02, part.content.length]), part.content])).tlv;
    if (part.tag === 0x80) minimum = decodeSmallInteger(integer);
    else if (part.tag === 0x81) maximum = decodeSmallInteger(integer);
  }
  const decoded = decodeGeneralName(base);
  return maximum === undefined ? { base: decoded, minimum } : { base: decoded, minimum, maximum };
}
