// Type-level test of `oidc-provider-mtls/certificate` (the certificate engine).
import {
  ClientCertificate,
  createCertificateValidator,
  formatDistinguishedName,
  offeredSubjectValues,
  parseDistinguishedName,
  spkiSha256,
  subjectMatches,
  SUBJECT_PROPERTIES,
  TrustAnchors,
  verifyCertificateChain,
  type ChainVerdict,
  type SubjectProperty,
} from 'oidc-provider-mtls/certificate';

declare const pem: string;
const pin: string = spkiSha256(pem);
const matched: boolean = subjectMatches(pem, 'tls_client_auth_subject_dn', 'CN=client,O=Bank');
const property: SubjectProperty = SUBJECT_PROPERTIES[0]!;
const offered: string[] = offeredSubjectValues(pem, property);
const printed: string = formatDistinguishedName(parseDistinguishedName('CN=a'));
const verdict: Promise<ChainVerdict> = verifyCertificateChain(pem, { trustAnchors: [pem] });
const thumbprint: string = ClientCertificate.from(pem).thumbprint;
void [pin, matched, offered, printed, verdict, thumbprint, createCertificateValidator, TrustAnchors];

// @ts-expect-error the matcher takes one of the RFC 8705 properties only
subjectMatches(pem, 'tls_client_auth_subject', 'CN=a');
// @ts-expect-error the plugin is the root's
import { createMtls } from 'oidc-provider-mtls/certificate';
void createMtls;
