import { parseIpAddress } from '../certificate/ip.js';
import { formatDistinguishedName, parseDistinguishedName } from '../certificate/names.js';
import { ConfigurationError } from '../errors.js';
import { ANCHOR_PINS } from './client-trust.js';

const PIN = /^[A-Za-z0-9_-]{43}$/;
/** openssl's one-line `-subj` form: `/type=value` repeated, most significant RDN first. */
const OPENSSL_SLASH_FORM = /^(\/[A-Za-z][A-Za-z0-9.-]*=[^/]*)+$/;

/**
 * Why `value` is not a usable `tls_client_auth_subject_dn`, with what to write instead, or
 * `undefined` when it parses as RFC 4514. Recognises openssl's `/C=GB/O=.../CN=...` form (the
 * reverse order, slash-separated) and a bare value without `type=`.
 */
export function subjectDnProblem(value: string): string | undefined {
  try {
    parseDistinguishedName(value);
    return undefined;
  } catch (error) {
    if (OPENSSL_SLASH_FORM.test(value)) {
      const rdns = value.slice(1).split('/').reverse().join(',');
      let suggestion = '';
      try {
        // Printed through the engine's formatter so the suggestion is escaped as RFC 4514 wants.
        suggestion = `; in RFC 4514 form: ${JSON.stringify(formatDistinguishedName(parseDistinguishedName(rdns)))}`;
      } catch {
        // no suggestion when the reordered text does not parse either
      }
      return `is in openssl's "/C=.../O=.../CN=..." form, not RFC 4514 (comma-separated, most specific first)${suggestion}`;
    }
    if (!value.includes('=')) {
      return `has no "type=value" pairs: write an RFC 4514 string such as "CN=${value},O=Example,C=GB" (print a certificate's with: oidc-provider-mtls metadata cert.pem)`;
    }
    return `is not a valid RFC 4514 distinguished name: ${(error as Error).message}`;
  }
}

/** Why a SAN property's value can never match a certificate, or `undefined`. */
function sanProblem(property: string, value: string): string | undefined {
  switch (property) {
    case 'tls_client_auth_san_ip':
      return parseIpAddress(value) === undefined ? 'must be an IPv4 or IPv6 address' : undefined;
    case 'tls_client_auth_san_dns':
      return /[\s/:@]/.test(value) ? 'must be a DNS name (no scheme, port, path, @ or spaces)' : undefined;
    case 'tls_client_auth_san_uri':
      return /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(value) ? undefined : 'must be an absolute URI (scheme:...)';
    case 'tls_client_auth_san_email':
      return /^[^@\s]+@[^@\s]+$/.test(value) ? undefined : 'must be an email address (local@domain)';
    default:
      return undefined;
  }
}

const SUBJECT_METADATA = ['tls_client_auth_subject_dn', 'tls_client_auth_san_dns', 'tls_client_auth_san_uri', 'tls_client_auth_san_ip', 'tls_client_auth_san_email'];

/** What the startup check needs to know of the plugin's settings. */
interface StaticClientContext {
  readonly tlsClientAuth: boolean;
  readonly selfSignedTlsClientAuth: boolean;
  /** SPKI pins of the configured trust anchors, when known. */
  readonly anchorPins?: ReadonlySet<string>;
}

/**
 * Checks the mTLS metadata of the provider's static `clients` when the plugin is configured: the
 * host validates them only at a client's first request, so a typo would otherwise start silently.
 * @throws {ConfigurationError} naming the client and the field.
 */
export function checkStaticClients(clients: unknown, context: StaticClientContext): void {
  if (!Array.isArray(clients)) return;
  clients.forEach((client: Record<string, unknown> | null, index) => {
    if (client === null || typeof client !== 'object') return;
    const where = (field: string) => `clients[${index}] (client_id ${JSON.stringify(client.client_id)}).${field}`;
    const fail = (field: string, problem: string): never => {
      throw new ConfigurationError(`${where(field)} ${problem}`);
    };
    const method = client.token_endpoint_auth_method;
    if (method === 'tls_client_auth' && !context.tlsClientAuth) fail('token_endpoint_auth_method', 'is tls_client_auth, which createMtls() has disabled (tlsClientAuth: false)');
    if (method === 'self_signed_tls_client_auth' && !context.selfSignedTlsClientAuth) {
      fail('token_endpoint_auth_method', 'is self_signed_tls_client_auth, which createMtls() has disabled (selfSignedTlsClientAuth: false)');
    }
    const registered = SUBJECT_METADATA.filter((property) => client[property] !== undefined);
    for (const property of registered) {
      const value = client[property];
      if (typeof value !== 'string' || value === '') fail(property, 'must be a non-empty string');
      const problem = property === 'tls_client_auth_subject_dn' ? subjectDnProblem(value as string) : sanProblem(property, value as string);
      if (problem !== undefined) fail(property, problem);
    }
    if (method === 'tls_client_auth' && registered.length !== 1) {
      fail('token_endpoint_auth_method', `tls_client_auth needs exactly one of ${SUBJECT_METADATA.join(', ')} (RFC 8705 section 2.1.2); found ${registered.length ? registered.join(', ') : 'none'}`);
    }
    const pins = client[ANCHOR_PINS];
    if (pins === undefined) return;
    if (!Array.isArray(pins) || pins.length === 0 || !pins.every((pin) => typeof pin === 'string' && PIN.test(pin))) {
      fail(ANCHOR_PINS, 'must be a non-empty array of base64url SHA-256 digests of a trust anchor\'s SubjectPublicKeyInfo (printed by oidc-provider-mtls explain)');
    }
    // One unknown pin among known ones may be an anchor still to come (reload); none known never authenticates.
    if (context.anchorPins && !(pins as string[]).some((pin) => context.anchorPins!.has(pin))) {
      fail(ANCHOR_PINS, `names none of the configured trust anchors (their pins: ${[...context.anchorPins].join(', ')})`);
    }
  });
}
