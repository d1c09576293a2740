import type { GeneralName } from './general-names.js';
import { nameKey, type DistinguishedName } from './names.js';
import type { CertificateProfile, GeneralSubtree } from './profile.js';

/** One CA's constraints, kept separately: a name must satisfy every CA above it (RFC 5280 6.1.4 g). */
export type NameConstraintSet = NonNullable<CertificateProfile['nameConstraints']>;

const EMAIL_ATTRIBUTE = '1.2.840.113549.1.9.1';
// Bounds the work a hostile chain can cause (names x constraints), far above real PKIs.
const MAX_COMPARISONS = 100_000;

/**
 * Checks a certificate's subject and alternative names against the constraints of the CAs above
 * it (RFC 5280 sections 4.2.1.10 and 6.1.3 b-c). Returns the reason for refusal, or `undefined`.
 */
export function checkNameConstraints(profile: CertificateProfile, sets: readonly NameConstraintSet[]): string | undefined {
  if (sets.length === 0) return undefined;
  const names: GeneralName[] = [...(profile.subjectAltNames ?? [])];
  if (profile.subject.name.length > 0) names.push({ type: 'dn', name: profile.subject.name });
  // 6.1.3 b: emails in the subject's emailAddress attributes are constrained like rfc822Names.
  for (const rdn of profile.subject.name) {
    for (const attribute of rdn) {
      if (attribute.type === EMAIL_ATTRIBUTE && attribute.text !== undefined) names.push({ type: 'email', value: attribute.text });
    }
  }
  let comparisons = 0;
  for (const set of sets) {
    comparisons += names.length * ((set.permitted?.length ?? 0) + (set.excluded?.length ?? 0));
    if (comparisons > MAX_COMPARISONS) return 'too many names and name constraints to check';
    for (const name of names) {
      const form = formOf(name);
      const permitted = set.permitted?.filter((subtree) => formOf(subtree.base) === form) ?? [];
      const excluded = set.excluded?.filter((subtree) => formOf(subtree.base) === form) ?? [];
      for (const subtree of [...permitted, ...excluded]) {
        const problem = malformedSubtree(subtree);
        if (problem) return problem;
      }
      if (permitted.length === 0 && excluded.length === 0) continue;
      if (name.type === 'other') return `a name constraint applies to an unsupported name form (tag ${name.tag})`;
      const problem = malformedName(name);
      if (problem) return problem;
      if (permitted.length > 0 && !permitted.some((subtree) => within(name, subtree.base, 'permitted'))) {
        return `${describe(name)} is outside the permitted subtrees`;
      }
      if (excluded.some((subtree) => within(name, subtree.base, 'excluded'))) {
        return `${describe(name)} is inside an excluded subtree`;
      }
    }
  }
  return undefined;
}

function formOf(name: GeneralName): string {
  return name.type === 'other' ? `other:${name.tag}` : name.type;
}

function describe(name: GeneralName): string {
  switch (name.type) {
    case 'dns':
    case 'email':
    case 'uri':
      return `the ${name.type} name ${JSON.stringify(name.value)}`;
    case 'ip':
      return `the IP address ${name.bytes.toString('hex')}`;
    case 'dn':
      return 'a directory name';
    default:
      return 'a name';
  }
}

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

// RFC 5280 4.2.1.6: dNSName in the preferred name syntax (RFC 1034 3.5, RFC 1123 2.1), with a
// leading "*" label tolerated in certificates, never in constraints.
function validDnsName(value: string, wildcard: boolean): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const labels = value.split('.');
  if (wildcard && labels[0] === '*' && labels.length > 1) labels.shift();
  if (/^\d+$/.test(labels[labels.length - 1]!)) return false; // an IP address is not a DNS name
  return labels.every((label) => DNS_LABEL.test(label));
}

// RFC 5321 4.1.2 Mailbox, loosely: one "@" with a non-empty local part and a valid domain.
function validMailbox(value: string): boolean {
  const at = value.indexOf('@');
  return at > 0 && value.indexOf('@', at + 1) < 0 && validDnsName(value.slice(at + 1), false);
}

function malformedSubtree(subtree: GeneralSubtree): string | undefined {
  // RFC 5280 4.2.1.10: minimum MUST be zero and maximum MUST be absent.
  if (subtree.minimum !== 0 || subtree.maximum !== undefined) return 'a name constraint uses minimum or maximum';
  const base = subtree.base;
  switch (base.type) {
    case 'dns':
      return base.value === '' || validDnsName(base.value, false) ? undefined : `the DNS name constraint ${JSON.stringify(base.value)} is malformed`;
    case 'email': {
      const value = base.value;
      const ok = value.includes('@') ? validMailbox(value) : validDnsName(value.startsWith('.') ? value.slice(1) : value, false);
      return ok ? undefined : `the email name constraint ${JSON.stringify(value)} is malformed`;
    }
    case 'uri': {
      const value = base.value.startsWith('.') ? base.value.slice(1) : base.value;
      return validDnsName(value, false) ? undefined : `the URI name constraint ${JSON.stringify(base.value)} is malformed`;
    }
    case 'ip': {
      if (base.bytes.length !== 8 && base.bytes.length !== 32) return 'an IP name constraint is not an address and a mask';
      const mask = base.bytes.subarray(base.bytes.length / 2);
      const bits = [...mask].map((byte) => byte.toString(2).padStart(8, '0')).join('');
      return /^1*0*$/.test(bits) ? undefined : 'an IP name constraint mask is not a CIDR prefix';
    }
    default:
      return undefined;
  }
}

/** Why a name is malformed under RFC 5280 4.2.1.6 (or has no host, for a URI), or `undefined`. */
export function malformedName(name: GeneralName): string | undefined {
  switch (name.type) {
    case 'dns':
      return validDnsName(name.value, true) ? undefined : `the DNS name ${JSON.stringify(name.value)} is malformed`;
    case 'email':
      return validMailbox(name.value) ? undefined : `the email address ${JSON.stringify(name.value)} is malformed`;
    case 'ip':
      return name.bytes.length === 4 || name.bytes.length === 16 ? undefined : 'an IP address SAN is neither 4 nor 16 bytes';
    case 'uri':
      return uriHost(name.value) === undefined ? `the URI ${JSON.stringify(name.value)} has no host to constrain` : undefined;
    default:
      return undefined;
  }
}

function lower(value: string): string {
  return value.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

// RFC 5280 4.2.1.10: adding labels on the left of the constraint stays within it.
function dnsWithin(name: string, constraint: string): boolean {
  if (constraint === '') return true;
  const n = lower(name);
  const c = lower(constraint);
  return n === c || n.endsWith(`.${c}`);
}

function within(name: GeneralName, base: GeneralName, kind: 'permitted' | 'excluded'): boolean {
  if (name.type === 'dns' && base.type === 'dns') {
    if (dnsWithin(name.value, base.value)) return true;
    // A wildcard stands for any one label: it hits an excluded subtree that lies below its parent
    // (CVE-2025-61727), so "*.example.com" is refused when "bar.example.com" is excluded.
    if (kind === 'excluded' && name.value.startsWith('*.')) return dnsWithin(base.value, name.value.slice(2));
    return false;
  }
  if (name.type === 'email' && base.type === 'email') return emailWithin(name.value, base.value);
  if (name.type === 'uri' && base.type === 'uri') {
    const host = uriHost(name.value)!;
    return base.value.startsWith('.') ? lower(host).endsWith(lower(base.value)) : lower(host) === lower(base.value);
  }
  if (name.type === 'ip' && base.type === 'ip') {
    const half = base.bytes.length / 2;
    if (name.bytes.length !== half) return false;
    for (let i = 0; i < half; i += 1) {
      const mask = base.bytes[half + i]!;
      if ((name.bytes[i]! & mask) !== (base.bytes[i]! & mask)) return false;
    }
    return true;
  }
  if (name.type === 'dn' && base.type === 'dn') return dnWithin(name.name, base.name);
  return false;
}

// RFC 5280 4.2.1.10: a mailbox, all mailboxes on a host, or (leading ".") on its subdomains;
// the local part is compared exactly, so "*" is a literal character.
function emailWithin(address: string, constraint: string): boolean {
  const at = address.indexOf('@');
  const domain = lower(address.slice(at + 1));
  if (constraint.includes('@')) {
    const c = constraint.indexOf('@');
    return address.slice(0, at) === constraint.slice(0, c) && domain === lower(constraint.slice(c + 1));
  }
  if (constraint.startsWith('.')) return domain.endsWith(lower(constraint));
  return domain === lower(constraint);
}

function dnWithin(name: DistinguishedName, base: DistinguishedName): boolean {
  if (base.length > name.length) return false;
  return nameKey(name.slice(0, base.length)) === nameKey(base);
}

function uriHost(uri: string): string | undefined {
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:]*)/.exec(uri);
  const host = match?.[1];
  return host === undefined || host === '' || host.startsWith('[') ? undefined : host;
}
