import { CertificateMalformedError } from '../errors.js';
import { childrenOf, decodeOid, DerError, parseTlv, type Tlv } from './der.js';

/** `anyPolicy` (RFC 5280 section 4.2.1.4). */
export const ANY_POLICY = '2.5.29.32.0';

/** One `policyMappings` entry (RFC 5280 section 4.2.1.5). */
export interface PolicyMapping {
  readonly issuerDomainPolicy: string;
  readonly subjectDomainPolicy: string;
}

/** The `policyConstraints` extension (RFC 5280 section 4.2.1.11): SkipCerts values. */
export interface PolicyConstraints {
  readonly requireExplicitPolicy?: number;
  readonly inhibitPolicyMapping?: number;
}

/** `certificatePolicies` (4.2.1.4): the policy identifiers, in order; qualifiers are not used. */
export function decodeCertificatePolicies(value: Buffer): readonly string[] {
  const oids = childrenOf(sequence(value, 'certificatePolicies')).map((information) => {
    const [identifier, qualifiers, extra] = childrenOf(expectTag(information, 0x30, 'certificatePolicies'));
    if (identifier?.tag !== 0x06 || (qualifiers !== undefined && qualifiers.tag !== 0x30) || extra !== undefined) {
      throw new DerError('malformed PolicyInformation');
    }
    return decodeOid(identifier.content);
  });
  if (oids.length === 0) throw new CertificateMalformedError('the certificatePolicies extension is empty');
  // 4.2.1.4: "A certificate policy OID MUST NOT appear more than once in a certificate policies extension."
  if (new Set(oids).size !== oids.length) throw new CertificateMalformedError('a policy appears twice in certificatePolicies');
  return oids;
}

/** `policyMappings` (4.2.1.5), SIZE (1..MAX). */
export function decodePolicyMappings(value: Buffer): readonly PolicyMapping[] {
  const mappings = childrenOf(sequence(value, 'policyMappings')).map((entry) => {
    const [issuer, subject, extra] = childrenOf(expectTag(entry, 0x30, 'policyMappings'));
    if (issuer?.tag !== 0x06 || subject?.tag !== 0x06 || extra !== undefined) throw new DerError('malformed policyMappings entry');
    return { issuerDomainPolicy: decodeOid(issuer.content), subjectDomainPolicy: decodeOid(subject.content) };
  });
  if (mappings.length === 0) throw new CertificateMalformedError('the policyMappings extension is empty');
  return mappings;
}

/** `policyConstraints` (4.2.1.11): `[0]` requireExplicitPolicy, `[1]` inhibitPolicyMapping. */
export function decodePolicyConstraints(value: Buffer): PolicyConstraints {
  const out: { requireExplicitPolicy?: number; inhibitPolicyMapping?: number } = {};
  let last = -1;
  for (const part of childrenOf(sequence(value, 'policyConstraints'))) {
    const index = part.tag === 0x80 ? 0 : part.tag === 0x81 ? 1 : -1;
    // DER: each field at most once, in order.
    if (index <= last) throw new DerError('malformed policyConstraints');
    last = index;
    if (index === 0) out.requireExplicitPolicy = skipCerts(part);
    else out.inhibitPolicyMapping = skipCerts(part);
  }
  // 4.2.1.11: "Conforming CAs MUST NOT issue certificates where policy constraints is an empty sequence."
  if (last === -1) throw new CertificateMalformedError('the policyConstraints extension is empty');
  return out;
}

/** `inhibitAnyPolicy` (4.2.1.14): one SkipCerts. */
export function decodeInhibitAnyPolicy(value: Buffer): number {
  return skipCerts(expectTag(parseTlv(value), 0x02, 'inhibitAnyPolicy'));
}

function sequence(value: Buffer, name: string): Tlv {
  return expectTag(parseTlv(value), 0x30, name);
}

function expectTag(element: Tlv, tag: number, name: string): Tlv {
  if (element.tag !== tag) throw new DerError(`malformed ${name}`);
  return element;
}

/**
 * SkipCerts ::= INTEGER (0..MAX). Counts beyond 2^31 cannot be reached by a path this package
 * builds (at most 33 certificates), so they are read as "never".
 */
function skipCerts(element: Tlv): number {
  const { content } = element;
  if (content.length === 0 || content[0]! & 0x80) throw new DerError('SkipCerts must be a non-negative INTEGER');
  if (content.length > 4) return Number.MAX_SAFE_INTEGER;
  return content.readUIntBE(0, content.length);
}
