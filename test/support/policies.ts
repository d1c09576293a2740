// Certificate policy extensions (RFC 5280 4.2.1.4, 4.2.1.5, 4.2.1.11, 4.2.1.14) for certificates
// issued at test time with `issue({ extensions })`. Encoded here, byte by byte, so that the
// decoder under test is not also the encoder.
import * as x509 from '@peculiar/x509';

export const ANY_POLICY = '2.5.29.32.0';

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length < 0x80
    ? Buffer.from([content.length])
    : content.length < 0x100 ? Buffer.from([0x81, content.length]) : Buffer.from([0x82, content.length >> 8, content.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const bytes: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const base128 = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) base128.unshift((rest & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function integerContent(value: number): Buffer {
  const bytes = [value & 0xff];
  for (let rest = value >> 8; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return Buffer.from(bytes);
}

const sequence = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));

/** certificatePolicies with these policy identifiers (no qualifiers). */
export function certificatePolicies(policies: readonly string[], critical = false): x509.Extension {
  return new x509.Extension('2.5.29.32', critical, sequence(...policies.map((policy) => sequence(oid(policy)))));
}

/** policyMappings: `[issuerDomainPolicy, subjectDomainPolicy]` pairs. */
export function policyMappings(mappings: readonly (readonly [string, string])[], critical = true): x509.Extension {
  return new x509.Extension('2.5.29.33', critical, sequence(...mappings.map(([from, to]) => sequence(oid(from), oid(to)))));
}

/** policyConstraints: requireExplicitPolicy `[0]` and inhibitPolicyMapping `[1]` SkipCerts. */
export function policyConstraints(values: { requireExplicitPolicy?: number; inhibitPolicyMapping?: number }, critical = true): x509.Extension {
  const parts: Buffer[] = [];
  if (values.requireExplicitPolicy !== undefined) parts.push(tlv(0x80, integerContent(values.requireExplicitPolicy)));
  if (values.inhibitPolicyMapping !== undefined) parts.push(tlv(0x81, integerContent(values.inhibitPolicyMapping)));
  return new x509.Extension('2.5.29.36', critical, sequence(...parts));
}

/** inhibitAnyPolicy with this SkipCerts. */
export function inhibitAnyPolicy(skipCerts: number, critical = true): x509.Extension {
  return new x509.Extension('2.5.29.54', critical, tlv(0x02, integerContent(skipCerts)));
}
