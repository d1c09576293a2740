import type { ClientCertificate } from '../certificate/certificate.js';
import { profileOf } from '../certificate/profile.js';
import { offeredSubjectValues, SUBJECT_PROPERTIES } from '../certificate/subject.js';
import { Arguments, UsageError } from './args.js';
import { readLeaf } from './files.js';

export const METADATA_USAGE = 'metadata <cert.pem> [--method tls_client_auth|self_signed_tls_client_auth] [--client-id ID] [--json]';

interface MetadataReport {
  /** Registration metadata, ready for `clients` or dynamic client registration. */
  readonly metadata: Record<string, unknown>;
  /** For `tls_client_auth`: the other subject properties this certificate could be registered with (use one). */
  readonly alternatives?: Partial<Record<string, readonly string[]>>;
}

/**
 * `metadata`: what to register for a certificate. `tls_client_auth` (the default when the
 * certificate is not self-issued) gets the subject DN in RFC 4514 form; a self-signed certificate
 * gets a `jwks` holding its key with the certificate as `x5c` (RFC 8705 section 2.2).
 */
export async function metadata(args: Arguments): Promise<MetadataReport> {
  const method = args.option('--method');
  const clientId = args.option('--client-id');
  const [file] = args.positionals(1, 'one <cert.pem>');
  if (method !== undefined && method !== 'tls_client_auth' && method !== 'self_signed_tls_client_auth') {
    throw new UsageError('--method must be tls_client_auth or self_signed_tls_client_auth');
  }
  const { leaf } = await readLeaf(file!);
  return metadataFor(leaf, method ?? (profileOf(leaf).selfIssued ? 'self_signed_tls_client_auth' : 'tls_client_auth'), clientId);
}

/** The registration metadata of {@link metadata} for one certificate and method. */
export function metadataFor(leaf: ClientCertificate, chosen: 'tls_client_auth' | 'self_signed_tls_client_auth', clientId?: string): MetadataReport {
  const common = {
    ...(clientId === undefined ? {} : { client_id: clientId }),
    token_endpoint_auth_method: chosen,
    tls_client_certificate_bound_access_tokens: true,
  };
  if (chosen === 'self_signed_tls_client_auth') return { metadata: { ...common, jwks: { keys: [jwkOf(leaf)] } } };
  const alternatives = Object.fromEntries(SUBJECT_PROPERTIES.slice(1)
    .map((property) => [property, offeredSubjectValues(leaf, property)] as const)
    .filter(([, values]) => values.length > 0));
  return {
    metadata: { ...common, tls_client_auth_subject_dn: offeredSubjectValues(leaf, 'tls_client_auth_subject_dn')[0] },
    ...(Object.keys(alternatives).length ? { alternatives } : {}),
  };
}

/** The certificate's public key as a JWK with `x5c` (RFC 7517 section 4.7: standard base64 DER). */
function jwkOf(certificate: ClientCertificate): Record<string, unknown> {
  const jwk = certificate.x509.publicKey.export({ format: 'jwk' });
  return { ...jwk, use: 'sig', x5c: [certificate.der.toString('base64')] };
}

export function metadataText(report: MetadataReport): string {
  const lines = [JSON.stringify(report.metadata, null, 2)];
  if (report.alternatives) {
    lines.push('', 'Instead of tls_client_auth_subject_dn, exactly one of these may be registered:');
    for (const [property, values] of Object.entries(report.alternatives)) {
      for (const value of values ?? []) lines.push(`  ${property}: ${JSON.stringify(value)}`);
    }
  }
  return lines.join('\n');
}
