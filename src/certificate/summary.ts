import type { ClientCertificate } from '../certificate/certificate.js';
import { formatIpAddress } from '../certificate/ip.js';
import { profileOf } from '../certificate/profile.js';

/** What the tools print about one certificate. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  /** Subject alternative names as `DNS:name`, `URI:...`, `IP:...`, `email:...`. */
  readonly subjectAltNames: readonly string[];
  readonly notBefore: string;
  readonly notAfter: string;
  readonly 'x5t#S256': string;
  /** Base64url SHA-256 of the SubjectPublicKeyInfo: the anchor pin, when this is an anchor. */
  readonly spkiSha256: string;
}

const SAN_LABEL = { dns: 'DNS', uri: 'URI', email: 'email' } as const;

/** The printable facts of a certificate, read from the engine's own decoding. */
export function summarize(certificate: ClientCertificate): CertificateSummary {
  const profile = profileOf(certificate);
  const subjectAltNames = (profile.subjectAltNames ?? []).flatMap((name) => {
    if (name.type === 'ip') return [`IP:${formatIpAddress(name.bytes)}`];
    if (name.type === 'dn' || name.type === 'other') return [];
    return [`${SAN_LABEL[name.type]}:${name.value}`];
  });
  return {
    subject: certificate.subjectDn,
    issuer: certificate.issuerDn,
    subjectAltNames,
    notBefore: new Date(profile.notBefore).toISOString(),
    notAfter: new Date(profile.notAfter).toISOString(),
    'x5t#S256': certificate.thumbprint,
    spkiSha256: profile.spkiSha256,
  };
}

/** Human lines for a summary, indented. */
export function describe(summary: CertificateSummary, indent = '    '): string[] {
  return [
    `${indent}subject    ${summary.subject || '(empty)'}`,
    `${indent}issuer     ${summary.issuer}`,
    ...(summary.subjectAltNames.length ? [`${indent}SANs       ${summary.subjectAltNames.join(', ')}`] : []),
    `${indent}valid      ${summary.notBefore} .. ${summary.notAfter}`,
    `${indent}x5t#S256   ${summary['x5t#S256']}`,
  ];
}
