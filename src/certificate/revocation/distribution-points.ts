import { AsnConvert } from '@peculiar/asn1-schema';
import {
  CRLDistributionPoints,
  IssuingDistributionPoint as IssuingDistributionPointSchema,
  type DistributionPointName,
  type GeneralName as SchemaGeneralName,
  type Reason,
} from '@peculiar/asn1-x509';
import { DerError, parseTlv } from '../der.js';
import { decodeGeneralName, type GeneralName } from '../general-names.js';
import { nameKey } from '../names.js';
import { decodeDer } from '../schema.js';
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
  const points = decodeDer(value, CRLDistributionPoints, 'cRLDistributionPoints').map((entry) => {
    const point: { name?: PointName; reasons?: ReasonMask; crlIssuer?: readonly GeneralName[] } = {};
    if (entry.distributionPoint) point.name = pointName(entry.distributionPoint);
    if (entry.reasons) point.reasons = reasonMask(entry.reasons);
    if (entry.cRLIssuer) point.crlIssuer = generalNames(entry.cRLIssuer);
    // RFC 5280 4.2.1.13: either distributionPoint or cRLIssuer MUST be present.
    if (point.name === undefined && point.crlIssuer === undefined) throw new DerError('a DistributionPoint names neither a point nor a CRL issuer');
    return point;
  });
  if (points.length === 0) throw new DerError('cRLDistributionPoints must not be empty');
  return points;
}

/** Decodes an issuingDistributionPoint extension value. @throws {DerError} when it is not DER of that type. */
export function decodeIssuingDistributionPoint(value: Buffer): IssuingDistributionPoint {
  // A DEFAULT FALSE written out, or TRUE in another octet than 0xff, does not encode back: decodeDer refuses it.
  const fields = decodeDer(value, IssuingDistributionPointSchema, 'issuingDistributionPoint');
  const idp = {
    onlyContainsUserCerts: fields.onlyContainsUserCerts,
    onlyContainsCACerts: fields.onlyContainsCACerts,
    indirectCRL: fields.indirectCRL,
    onlyContainsAttributeCerts: fields.onlyContainsAttributeCerts,
    ...(fields.distributionPoint ? { name: pointName(fields.distributionPoint) } : {}),
    ...(fields.onlySomeReasons ? { onlySomeReasons: reasonMask(fields.onlySomeReasons) } : {}),
  };
  // RFC 5280 5.2.5: never an empty sequence, and at most one of the three "only" booleans.
  if (idp.name === undefined && idp.onlySomeReasons === undefined && !idp.indirectCRL && !idp.onlyContainsUserCerts && !idp.onlyContainsCACerts
    && !idp.onlyContainsAttributeCerts) {
    throw new DerError('issuingDistributionPoint must not be empty');
  }
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

function pointName(name: DistributionPointName): PointName {
  if (name.fullName) return { kind: 'fullName', names: generalNames(name.fullName) };
  if (name.nameRelativeToCRLIssuer?.length === 0) throw new DerError('empty nameRelativeToCRLIssuer');
  return { kind: 'nameRelativeToCRLIssuer' };
}

// GeneralNames SIZE (1..MAX). Each name is read from its own bytes by decodeGeneralName: the
// schema turns an iPAddress into text and keeps no DER of a directoryName's values. Encoding a
// part of a value that encoded back to the input (decodeDer) gives that part's bytes as received.
function generalNames(names: readonly SchemaGeneralName[]): GeneralName[] {
  if (names.length === 0) throw new DerError('GeneralNames must not be empty');
  return names.map((name) => decodeGeneralName(parseTlv(Buffer.from(AsnConvert.serialize(name)))));
}

// ReasonFlags, a BIT STRING of named bits numbered from the first octet's top bit, as the schema's
// number has them (bit i is 1 << i).
function reasonMask(reasons: Reason): ReasonMask {
  const octets = new Uint8Array(reasons.value);
  // DER (X.690 11.2.1): no unused bits without octets, and the unused trailing bits are zero.
  if (octets.length === 0 ? reasons.unusedBits !== 0 : octets[octets.length - 1]! & ((1 << reasons.unusedBits) - 1)) {
    throw new DerError('malformed ReasonFlags');
  }
  // `unused` and bits no edition defines name no reason: they neither count towards all-reasons nor get in its way.
  // (No bits at all is NaN, which the mask makes 0.)
  return reasons.toNumber() & ALL_REASONS;
}
