import { CertificatePolicies, InhibitAnyPolicy, PolicyConstraints as PolicyConstraintsSchema, PolicyMappings } from '@peculiar/asn1-x509';
import { CertificateMalformedError } from '../errors.js';
import { DerError } from './der.js';
import { decodeDer } from './schema.js';

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
  const oids = decodeDer(value, CertificatePolicies, 'certificatePolicies').map((information) => information.policyIdentifier);
  if (oids.length === 0) throw new CertificateMalformedError('the certificatePolicies extension is empty');
  // 4.2.1.4: "A certificate policy OID MUST NOT appear more than once in a certificate policies extension."
  if (new Set(oids).size !== oids.length) throw new CertificateMalformedError('a policy appears twice in certificatePolicies');
  return oids;
}

/** `policyMappings` (4.2.1.5), SIZE (1..MAX). */
export function decodePolicyMappings(value: Buffer): readonly PolicyMapping[] {
  const mappings = decodeDer(value, PolicyMappings, 'policyMappings')
    .map(({ issuerDomainPolicy, subjectDomainPolicy }) => ({ issuerDomainPolicy, subjectDomainPolicy }));
  if (mappings.length === 0) throw new CertificateMalformedError('the policyMappings extension is empty');
  return mappings;
}

/** `policyConstraints` (4.2.1.11): `[0]` requireExplicitPolicy, `[1]` inhibitPolicyMapping. */
export function decodePolicyConstraints(value: Buffer): PolicyConstraints {
  const { requireExplicitPolicy, inhibitPolicyMapping } = decodeDer(value, PolicyConstraintsSchema, 'policyConstraints');
  // 4.2.1.11: "Conforming CAs MUST NOT issue certificates where policy constraints is an empty sequence."
  if (requireExplicitPolicy === undefined && inhibitPolicyMapping === undefined) {
    throw new CertificateMalformedError('the policyConstraints extension is empty');
  }
  return {
    ...(requireExplicitPolicy !== undefined ? { requireExplicitPolicy: skipCerts(requireExplicitPolicy) } : {}),
    ...(inhibitPolicyMapping !== undefined ? { inhibitPolicyMapping: skipCerts(inhibitPolicyMapping) } : {}),
  };
}

/** `inhibitAnyPolicy` (4.2.1.14): one SkipCerts. */
export function decodeInhibitAnyPolicy(value: Buffer): number {
  return skipCerts(decodeDer(value, InhibitAnyPolicy, 'inhibitAnyPolicy').value);
}

/**
 * SkipCerts ::= INTEGER (0..MAX), from the INTEGER's content octets (the schema keeps them as
 * bytes). Counts beyond 2^31 cannot be reached by a path this package builds (at most 33
 * certificates), so they are read as "never".
 */
function skipCerts(integer: ArrayBuffer): number {
  const content = Buffer.from(integer);
  if (content.length === 0 || content[0]! & 0x80) throw new DerError('SkipCerts must be a non-negative INTEGER');
  if (content.length > 4) return Number.MAX_SAFE_INTEGER;
  return content.readUIntBE(0, content.length);
}
