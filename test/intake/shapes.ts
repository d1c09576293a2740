// Header values in the shapes each proxy documents, built from certificates generated at test time.
import { createHash } from 'node:crypto';
import type { TestCertificate } from '../support/pki.js';

const b64 = (cert: TestCertificate): string => cert.der.toString('base64');

/** PEM as OpenSSL writes it: 64-character lines, a final newline. */
export const pem = (cert: TestCertificate): string => cert.pem.trimEnd() + '\n';

/** Percent-escapes every character outside RFC 3986 unreserved ones (nginx, Envoy, escape()). */
export const escapeAll = (text: string): string =>
  text.replace(/[^A-Za-z0-9\-._~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

/** RFC 9440 section 2.2: `:base64(DER):`. */
export const rfc9440 = (cert: TestCertificate): string => `:${b64(cert)}:`;

/** RFC 9440 section 2.3: a List of byte sequences, as Cloudflare's example writes it (`, `). */
export const rfc9440Chain = (...certs: TestCertificate[]): string => certs.map(rfc9440).join(', ');

/** nginx `$ssl_client_escaped_cert`: the PEM, URL-encoded. */
export const nginxEscaped = (cert: TestCertificate): string => escapeAll(pem(cert));

/** nginx `$ssl_client_cert`: PEM, every line after the first prefixed with a tab, no final newline. */
export const nginxLegacy = (cert: TestCertificate): string => pem(cert).trimEnd().replace(/\n/g, '\n\t');

/** AWS ALB passthrough: the chain, leaf first, URL-encoded with `+`, `=` and `/` left as they are. */
export const awsAlb = (...certs: TestCertificate[]): string =>
  certs.map(pem).join('').replace(/ /g, '%20').replace(/\n/g, '%0A');

/** Traefik PassTLSClientCert (v2.x/v3): PEM bodies without armour and line breaks, `,`-separated. */
export const traefik = (...certs: TestCertificate[]): string => certs.map(b64).join(',');

/** HAProxy `%[ssl_c_der,base64]`, Caddy `certificate_der_base64`, Azure X-ARR-ClientCert, Cloudflare. */
export const base64Der = b64;

/** Apache `RequestHeader set X-SSL-Client-Cert "%{SSL_CLIENT_CERT}s"`: newlines become spaces. */
export const apacheFlattened = (cert: TestCertificate): string => pem(cert).trimEnd().replace(/\n/g, ' ');

/** Apache `expr=%{escape:%{SSL_CLIENT_CERT}s}`: URL-escaped PEM. */
export const apacheEscaped = nginxEscaped;

/** Hex SHA-256 of the DER, as XFCC `Hash` carries it. */
export const sha256Hex = (cert: TestCertificate): string => createHash('sha256').update(cert.der).digest('hex');

/** One XFCC element as Envoy writes it with cert, chain, subject, URI and DNS details enabled. */
export function xfccElement(cert: TestCertificate, options: { by?: string; chain?: TestCertificate[]; lowercaseHex?: boolean } = {}): string {
  const encode = (text: string) => (options.lowercaseHex ? escapeAll(text).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()) : escapeAll(text));
  const parts = [
    `By=${options.by ?? 'spiffe://cluster.local/ns/default/sa/provider'}`,
    `Hash=${sha256Hex(cert)}`,
    `Cert="${encode(pem(cert))}"`,
  ];
  if (options.chain) parts.push(`Chain="${encode([cert, ...options.chain].map(pem).join(''))}"`);
  parts.push(`Subject="${cert.x509.subject.split('\n').reverse().join(',')}"`, 'URI=', 'DNS=client.example.com');
  return parts.join(';');
}
