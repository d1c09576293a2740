import { childrenOf, DerError, parseTlv, type Tlv } from '../der.js';
import { decodeGeneralName, type GeneralName } from '../general-names.js';
import { nameKey } from '../names.js';
import { normalizeSan } from '../subject.js';

/**
 * RFC 5280 4.2.1.13 ReasonFlags as a bit mask, bit `i` set for the flag numbered `i`:
 * unused(0), keyCompromise(1), cACompromise(2), affiliationChanged(3), superseded(4),
 * cessationOfOperation(5), certificateHold(6), privilegeWithdrawn(7), aACompromise(8).
 */
export type ReasonMask = number;

const REASON_FLAGS = ['unused', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded',
  'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn', 'aACompromise'] as const;

/**
 * RFC 5280 6.3.3's special value all-reasons: every reason a certificate can be revoked for,
 * flags 1 to 8. Flag 0 (`unused`) names no reason, so a CRL need not cover it.
 */
export const ALL_REASONS: ReasonMask = 0b1_1111_1110;

/** The names of the reasons in `mask`, for messages. */
export function reasonNames(mask: ReasonMask): string {
  return REASON_FLAGS.filter((_, bit) => mask & (1 << bit)).join(', ') || 'none';
}

/**
 * A DistributionPointName: the full name, or a name relative to the CRL issuer, which is only
 * recognised here (never expanded, see the README: such a point is never used to prove a status).
 */
type PointName =
  | { readonly kind: 'fullName'; readonly names: readonly GeneralName[] }
  | { readonly kind: 'nameRelativeToCRLIssuer' };

/** One DistributionPoint of a certificate's cRLDistributionPoints extension (RFC 5280 4.2.1.13). */
export interface DistributionPoint {
  readonly name?: PointName;
  /** Absent means every reason. */
  readonly reasons?: ReasonMask;
  readonly crlIssuer?: readonly GeneralName[];
}

/** A CRL's issuingDistributionPoint extension (RFC 5280 5.2.5): the scope the CRL claims. */
export interface IssuingDistributionPoint {
  readonly name?: PointName;
  readonly onlyContainsUserCerts: boolean;
  readonly onlyContainsCACerts: boolean;
  /** Absent means every reason. */
  readonly onlySomeReasons?: ReasonMask;
  readonly indirectCRL: boolean;
  readonly onlyContainsAttributeCerts: boolean;
}

/** Decodes a cRLDistributionPoints extension value. @throws {DerError} when it is not DER of that type. */
export function decodeDistributionPoints(value: Buffer): DistributionPoint[] {
  const sequence = parseTlv(value);
  if (sequence.tag !== 0x30) throw new DerError('cRLDistributionPoints must be a SEQUENCE');
  const points = childrenOf(sequence).map((element) => {
    if (element.tag !== 0x30) throw new DerError('a DistributionPoint must be a SEQUENCE');
    const fields = taggedFields(element, 2);
    const point: { name?: PointName; reasons?: ReasonMask; crlIssuer?: readonly GeneralName[] } = {};
    if (fields[0]) point.name = decodePointName(fields[0]);
    if (fields[1]) point.reasons = decodeReasonFlags(fields[1]);
    if (fields[2]) point.crlIssuer = decodeNames(fields[2]);
    // RFC 5280 4.2.1.13: either distributionPoint or cRLIssuer MUST be present.
    if (point.name === undefined && point.crlIssuer === undefined) throw new DerError('a DistributionPoint names neither a point nor a CRL issuer');
    return point;
  });
  if (points.length === 0) throw new DerError('cRLDistributionPoints must not be empty');
  return points;
}

/** Decodes an issuingDistributionPoint extension value. @throws {DerError} when it is not DER of that type. */
export function decodeIssuingDistributionPoint(value: Buffer): IssuingDistributionPoint {
  const sequence = parseTlv(value);
  if (sequence.tag !== 0x30) throw new DerError('issuingDistributionPoint must be a SEQUENCE');
  const fields = taggedFields(sequence, 5);
  const idp = {
    onlyContainsUserCerts: fields[1] ? decodeTrue(fields[1]) : false,
    onlyContainsCACerts: fields[2] ? decodeTrue(fields[2]) : false,
    indirectCRL: fields[4] ? decodeTrue(fields[4]) : false,
    onlyContainsAttributeCerts: fields[5] ? decodeTrue(fields[5]) : false,
    ...(fields[0] ? { name: decodePointName(fields[0]) } : {}),
    ...(fields[3] ? { onlySomeReasons: decodeReasonFlags(fields[3]) } : {}),
  };
  // RFC 5280 5.2.5: never an empty sequence, and at most one of the three "only" booleans.
  if (fields.every((field) => field === undefined)) throw new DerError('issuingDistributionPoint must not be empty');
  if (Number(idp.onlyContainsUserCerts) + Number(idp.onlyContainsCACerts) + Number(idp.onlyContainsAttributeCerts) > 1) {
    throw new DerError('issuingDistributionPoint asserts more than one of onlyContainsUserCerts, onlyContainsCACerts, onlyContainsAttributeCerts');
  }
  return idp;
}

/**
 * Whether two lists of GeneralNames share a name (RFC 5280 6.3.3 b.2.i): URIs, DNS names and
 * e-mail addresses in their RFC 5280 comparison forms, directory names by distinguishedNameMatch,
 * IP addresses by their bytes. Other forms are never considered equal.
 */
export function shareName(left: readonly GeneralName[], right: readonly GeneralName[]): boolean {
  return left.some((a) => right.some((b) => sameName(a, b)));
}

function sameName(a: GeneralName, b: GeneralName): boolean {
  if (a.type === 'dn' && b.type === 'dn') return nameKey(a.name) === nameKey(b.name);
  if (a.type === 'ip' && b.type === 'ip') return a.bytes.equals(b.bytes);
  if (a.type !== b.type) return false;
  const left = normalizeSan(a);
  return left !== null && left === normalizeSan(b);
}

// The context-tagged fields [0]..[max] of a SEQUENCE, each at most once and in increasing order,
// as DER requires; an unknown tag is refused rather than skipped.
function taggedFields(sequence: Tlv, max: number): (Tlv | undefined)[] {
  const fields: (Tlv | undefined)[] = new Array<Tlv | undefined>(max + 1).fill(undefined);
  let last = -1;
  for (const element of childrenOf(sequence)) {
    if (element.tagClass !== 0x80 || element.tagNumber > max || element.tagNumber <= last) {
      throw new DerError(`unexpected field [${element.tagNumber}] in a distribution point`);
    }
    fields[element.tagNumber] = element;
    last = element.tagNumber;
  }
  return fields;
}

// [0] DistributionPointName: a tagged CHOICE, hence an explicit wrapper around one alternative.
function decodePointName(wrapper: Tlv): PointName {
  const [choice, extra] = wrapper.constructed ? childrenOf(wrapper) : [];
  if (choice === undefined || extra !== undefined || choice.tagClass !== 0x80 || !choice.constructed) {
    throw new DerError('malformed DistributionPointName');
  }
  if (choice.tagNumber === 0) return { kind: 'fullName', names: decodeNames(choice) };
  if (choice.tagNumber === 1) {
    if (childrenOf(choice).length === 0) throw new DerError('empty nameRelativeToCRLIssuer');
    return { kind: 'nameRelativeToCRLIssuer' };
  }
  throw new DerError('malformed DistributionPointName');
}

// GeneralNames under an implicit tag: SEQUENCE SIZE (1..MAX) OF GeneralName.
function decodeNames(element: Tlv): GeneralName[] {
  if (!element.constructed) throw new DerError('malformed GeneralNames');
  const names = childrenOf(element).map(decodeGeneralName);
  if (names.length === 0) throw new DerError('GeneralNames must not be empty');
  return names;
}

// ReasonFlags under an implicit tag: a BIT STRING, named bits numbered from the first octet's top bit.
function decodeReasonFlags(element: Tlv): ReasonMask {
  const { content } = element;
  if (element.constructed || content.length === 0 || content[0]! > 7 || (content.length === 1 && content[0] !== 0)) {
    throw new DerError('malformed ReasonFlags');
  }
  let mask = 0;
  for (let bit = 0; bit < (content.length - 1) * 8; bit += 1) {
    if (content[1 + (bit >> 3)]! & (0x80 >> (bit & 7))) mask |= 1 << bit;
  }
  // DER: the unused trailing bits are zero.
  if (content.length > 1 && content[content.length - 1]! & ((1 << content[0]!) - 1)) throw new DerError('ReasonFlags has non-zero unused bits');
  // `unused` and bits no edition defines name no reason: they neither count towards all-reasons nor get in its way.
  return mask & ALL_REASONS;
}

// A BOOLEAN DEFAULT FALSE under an implicit tag: DER encodes it only when TRUE, as 0xff.
function decodeTrue(element: Tlv): true {
  if (element.constructed || element.content.length !== 1 || element.content[0] !== 0xff) {
    throw new DerError('a DEFAULT FALSE boolean must be absent or encoded as DER TRUE');
  }
  return true;
}
