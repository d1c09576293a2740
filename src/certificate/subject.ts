import { ClientCertificate, type CertificateInput } from './certificate.js';
import type { GeneralName } from './general-names.js';
import { formatIpAddress, parseIpAddress } from './ip.js';
import { nameKey, parseDistinguishedName } from './names.js';
import { profileOf } from './profile.js';
import { Cache } from '../util/cache.js';


/** The RFC 8705 section 2.1.2 client metadata that names the expected certificate subject. */
export type SubjectProperty =
  | 'tls_client_auth_subject_dn'
  | 'tls_client_auth_san_dns'
  | 'tls_client_auth_san_uri'
  | 'tls_client_auth_san_ip'
  | 'tls_client_auth_san_email';

/** Every {@link SubjectProperty}, in the order RFC 8705 lists them. */
export const SUBJECT_PROPERTIES: readonly SubjectProperty[] = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
];

const SAN_TYPE = {
  tls_client_auth_san_dns: 'dns',
  tls_client_auth_san_uri: 'uri',
  tls_client_auth_san_ip: 'ip',
  tls_client_auth_san_email: 'email',
} as const;

// Registered values repeat on every request: normalize each distinct one once.
// A normalized value never goes stale, so entries do not expire; the bound alone evicts.
const expectedCache = new Cache<string | null>(1024);

function normalizedExpected(property: SubjectProperty, expected: string): string | null {
  const cacheKey = `${property}\u0000${expected}`;
  let normalized = expectedCache.get(cacheKey, 0);
  if (normalized === undefined) {
    normalized = normalizeExpected(property, expected);
    expectedCache.set(cacheKey, normalized, Number.POSITIVE_INFINITY, 0);
  }
  return normalized;
}

function normalizeExpected(property: SubjectProperty, expected: string): string | null {
  switch (property) {
    case 'tls_client_auth_subject_dn':
      try {
        return nameKey(parseDistinguishedName(expected));
      } catch {
        return null;
      }
    case 'tls_client_auth_san_dns':
      return normalizeDns(expected);
    case 'tls_client_auth_san_uri':
      return normalizeUri(expected);
    case 'tls_client_auth_san_ip': {
      const bytes = parseIpAddress(expected);
      return bytes === undefined ? null : bytes.toString('hex');
    }
    case 'tls_client_auth_san_email':
      return normalizeEmail(expected);
    default:
      return null;
  }
}

/**
 * Whether `certificate` carries the subject a client registered under `property`
 * (RFC 8705 section 2.1.2):
 * - `tls_client_auth_subject_dn`: RFC 4517 distinguishedNameMatch of the subject against the
 *   RFC 4514 string (RDN order and count, multi-valued RDNs as sets, types by OID, values by
 *   their matching rule after RFC 4518 preparation);
 * - `..._san_dns`: a dNSName equal ignoring ASCII case;
 * - `..._san_uri`: a URI equal except for the case of scheme, host and percent-encodings
 *   (RFC 3986 section 6.2.2.1);
 * - `..._san_ip`: an iPAddress with the same bytes (IPv4, or IPv6 in any textual form);
 * - `..._san_email`: an rfc822Name with the same local part and a domain equal ignoring case.
 *
 * One SAN entry of the right type matching is enough. Synchronous and cheap; never throws:
 * an unparsable expected value or certificate matches nothing.
 */
export function subjectMatches(certificate: CertificateInput, property: SubjectProperty, expected: string): boolean {
  if (typeof expected !== 'string') return false;
  const want = normalizedExpected(property, expected);
  if (want === null) return false;
  try {
    return offered(ClientCertificate.from(certificate), property).includes(want);
  } catch {
    return false;
  }
}

/**
 * The normalized values `certificate` offers for `property`, printable, for error messages
 * that show what the registration should have said: the subject as an RFC 4514 string, or the
 * SAN entries of that type (DNS names lower-cased, IPs in canonical form, and so on).
 */
export function offeredSubjectValues(certificate: CertificateInput, property: SubjectProperty): string[] {
  const cert = ClientCertificate.from(certificate);
  if (property === 'tls_client_auth_subject_dn') return [cert.subjectDn];
  return sans(cert, SAN_TYPE[property]).map((name) => (name.type === 'ip' ? formatIpAddress(name.bytes) : normalizeSan(name) ?? ''));
}

// Comparison forms (not printable for DNs and IPs), one per offered value.
function offered(cert: ClientCertificate, property: SubjectProperty): string[] {
  if (property === 'tls_client_auth_subject_dn') return [profileOf(cert).subject.key];
  const type = SAN_TYPE[property];
  if (type === undefined) return [];
  return sans(cert, type).map((name) => (name.type === 'ip' ? name.bytes.toString('hex') : normalizeSan(name))).filter((v): v is string => v !== null);
}

function sans(cert: ClientCertificate, type: GeneralName['type']): GeneralName[] {
  return (profileOf(cert).subjectAltNames ?? []).filter((name) => name.type === type);
}

/** The comparison form of a dNSName, URI or rfc822Name (RFC 5280 7.2-7.5); `null` for other types. */
export function normalizeSan(name: GeneralName): string | null {
  switch (name.type) {
    case 'dns':
      return normalizeDns(name.value);
    case 'uri':
      return normalizeUri(name.value);
    case 'email':
      return normalizeEmail(name.value);
    default:
      return null;
  }
}

// RFC 4343: DNS names compare without regard to ASCII case.
function normalizeDns(value: string): string {
  return value.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

// RFC 3986 6.2.2.1: scheme and host are case-insensitive, as are percent-encoding hex digits;
// nothing else is normalized, so paths and queries compare exactly.
function normalizeUri(value: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([\s\S]*)$/.exec(value);
  const upperPercent = (text: string): string => text.replace(/%[0-9a-fA-F]{2}/g, (p) => p.toUpperCase());
  if (!match) return upperPercent(value);
  const [, scheme, authority, rest = ''] = match;
  let normalizedAuthority = '';
  if (authority !== undefined) {
    const at = authority.lastIndexOf('@');
    const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
    normalizedAuthority = `//${userinfo}${normalizeDns(authority.slice(at + 1))}`;
  }
  return upperPercent(`${scheme!.toLowerCase()}:${normalizedAuthority}${rest}`);
}

// RFC 5321 2.4: the local part is case-sensitive, the domain is not.
function normalizeEmail(value: string): string {
  const at = value.lastIndexOf('@');
  return at < 0 ? value : `${value.slice(0, at)}@${normalizeDns(value.slice(at + 1))}`;
}
