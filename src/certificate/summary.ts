import type { ClientCertificate } from './certificate.js';
import { formatIpAddress } from './ip.js';
import { profileOf } from './profile.js';

/** The printable facts of one certificate (the command line, the diagnostics route). */
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
