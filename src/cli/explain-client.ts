import { ClientCertificate } from '../certificate/certificate.js';
import { formatIpAddress, parseIpAddress } from '../certificate/ip.js';
import { formatDistinguishedName, parseDistinguishedName } from '../certificate/names.js';
import { normalizeSan, offeredSubjectValues, subjectMatches, type SubjectProperty } from '../certificate/subject.js';
import { validityRefusal } from '../certificate/validity.js';
import { CERTIFICATE_CLOCK_TOLERANCE, type ChainVerdict } from '../certificate/verify.js';
import { ANCHOR_PINS, CERTIFICATE_POLICIES, clientPathRefusal } from '../plugin/client-trust.js';
import { registrationProblem } from './registration.js';

/**
 * The order in which oidc-provider 9 consults the subject metadata of a `tls_client_auth` client
 * (lib/shared/client_auth.js): the first one registered decides.
 */
const HOST_ORDER: readonly SubjectProperty[] = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
  'tls_client_auth_san_uri',
];

interface PropertyReport {
  readonly property: SubjectProperty;
  readonly registered: string;
  /** The registered value in the form it is compared in, or why it cannot be read. */
  readonly registeredNormalized: string;
  /** What the certificate offers for the property, normalized. */
  readonly certificate: readonly string[];
  /** `false` for a property the host does not consult because an earlier one is registered. */
  readonly consulted: boolean;
  readonly matches: boolean;
}

type ClientVerdict = { readonly valid: true } | { readonly valid: false; readonly code: string; readonly message: string };

export interface ClientReport {
  readonly clientId: unknown;
  readonly method: unknown;
  /** `ok`, or the host's reason for refusing the metadata at registration. */
  readonly registration: string;
  readonly properties?: readonly PropertyReport[];
  readonly anchorPins?: unknown;
  readonly certificatePolicies?: unknown;
  /** For `self_signed_tls_client_auth`: the `x5t#S256` of every `jwks` key with an `x5c`. */
  readonly jwks?: { readonly thumbprints: readonly string[]; readonly registered: boolean; readonly jwksUri?: string };
  readonly verdict: ClientVerdict;
}

function normalizedRegistered(property: SubjectProperty, value: string): string {
  try {
    switch (property) {
      case 'tls_client_auth_subject_dn':
        return formatDistinguishedName(parseDistinguishedName(value));
      case 'tls_client_auth_san_ip': {
        const bytes = parseIpAddress(value);
        return bytes === undefined ? '(not an IP address)' : formatIpAddress(bytes);
      }
      case 'tls_client_auth_san_dns':
        return normalizeSan({ type: 'dns', value }) ?? value;
      case 'tls_client_auth_san_uri':
        return normalizeSan({ type: 'uri', value }) ?? value;
      case 'tls_client_auth_san_email':
        return normalizeSan({ type: 'email', value }) ?? value;
    }
  } catch (error) {
    return `(unreadable: ${(error as Error).message})`;
  }
}

function jwksThumbprints(jwks: unknown): string[] {
  const keys = (jwks as { keys?: unknown } | undefined)?.keys;
  if (!Array.isArray(keys)) return [];
  return keys.flatMap((key: { x5c?: unknown }) => {
    const [first] = Array.isArray(key?.x5c) ? key.x5c : [];
    if (typeof first !== 'string') return [];
    try {
      // The host's key store keys a self-signed client's JWK by the thumbprint of x5c[0].
      return [ClientCertificate.from(Buffer.from(first, 'base64')).thumbprint];
    } catch {
      return [];
    }
  });
}

/**
 * The client part of `explain`: registration validity, then what the host and the plugin's hooks
 * would decide for this certificate, with the engine's own matching functions.
 */
export async function explainClient(
  client: Record<string, unknown>,
  leaf: ClientCertificate,
  verdict: ChainVerdict | undefined,
  anchors: readonly ClientCertificate[],
  at: number,
  selfSignedValidity: 'enforce' | 'ignore' = 'enforce',
): Promise<ClientReport> {
  const method = client.token_endpoint_auth_method;
  const registration = (await registrationProblem(client, anchors)) ?? 'ok';
  const base = { clientId: client.client_id, method, registration };
  const refused = (code: string, message: string): ClientVerdict => ({ valid: false, code, message });

  if (method === 'self_signed_tls_client_auth') {
    const thumbprints = jwksThumbprints(client.jwks);
    const registered = thumbprints.includes(leaf.thumbprint);
    const jwksUri = typeof client.jwks_uri === 'string' ? client.jwks_uri : undefined;
    let outcome: ClientVerdict = registered ? { valid: true } : refused('ERR_MTLS_CERT_UNREGISTERED', `the certificate (x5t#S256 ${leaf.thumbprint}) is not in the client's jwks`);
    // As the provider decides under its defaults: selfSignedValidity 'enforce', no clock tolerance.
    const dates = selfSignedValidity === 'enforce' ? validityRefusal(leaf, at, CERTIFICATE_CLOCK_TOLERANCE * 1000) : undefined;
    if (dates !== undefined) outcome = refused(dates.code, `${dates.message} (selfSignedValidity 'enforce', the default)`);
    if (jwksUri !== undefined) outcome = refused('ERR_MTLS_CERT_UNREGISTERED', `the client's keys are at jwks_uri ${jwksUri}, which explain does not fetch`);
    if (registration !== 'ok') outcome = refused('ERR_MTLS_INVALID_OPTION', `the client metadata is invalid: ${registration}`);
    return { ...base, jwks: { thumbprints, registered, ...(jwksUri ? { jwksUri } : {}) }, verdict: outcome };
  }
  if (method !== 'tls_client_auth') {
    return { ...base, verdict: refused('ERR_MTLS_INVALID_OPTION', `token_endpoint_auth_method is ${JSON.stringify(method)}, not a certificate method`) };
  }
  let decided = false;
  const properties = HOST_ORDER.filter((property) => typeof client[property] === 'string' && client[property] !== '').map((property): PropertyReport => {
    const registered = client[property] as string;
    const consulted = !decided;
    decided = true;
    return {
      property,
      registered,
      registeredNormalized: normalizedRegistered(property, registered),
      certificate: offeredSubjectValues(leaf, property),
      consulted,
      matches: subjectMatches(leaf, property, registered),
    };
  });
  const pins = { anchorPins: client[ANCHOR_PINS], certificatePolicies: client[CERTIFICATE_POLICIES] };
  let outcome: ClientVerdict = { valid: true };
  const deciding = properties.find((property) => property.consulted);
  if (registration !== 'ok') {
    outcome = refused('ERR_MTLS_INVALID_OPTION', `the client metadata is invalid: ${registration}`);
  } else if (verdict === undefined || !verdict.valid) {
    outcome = verdict ?? refused('ERR_MTLS_CHAIN_UNTRUSTED', 'no trust anchors given');
  } else {
    const refusal = clientPathRefusal(verdict, pins.anchorPins, pins.certificatePolicies);
    if (refusal) outcome = refused(refusal.code, refusal.message);
    else if (deciding !== undefined && !deciding.matches) {
      outcome = refused('ERR_MTLS_SUBJECT_MISMATCH', `the certificate does not match the registered ${deciding.property}`);
    }
  }
  return { ...base, properties, ...strip(pins), verdict: outcome };
}

function strip<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/** Human lines for a {@link ClientReport}. */
export function clientText(report: ClientReport): string[] {
  const lines = [
    `Client ${JSON.stringify(report.clientId)}`,
    `  token_endpoint_auth_method  ${String(report.method)}`,
    `  registration                ${report.registration}`,
  ];
  for (const property of report.properties ?? []) {
    lines.push(
      `  ${property.property}${property.consulted ? '' : ' (not consulted: an earlier property is registered)'}`,
      `    registered   ${JSON.stringify(property.registered)}`,
      `    normalized   ${JSON.stringify(property.registeredNormalized)}`,
      `    certificate  ${property.certificate.length ? property.certificate.map((value) => JSON.stringify(value)).join(', ') : '(none)'}`,
      `    ${property.matches ? 'match' : 'no match'}`,
    );
  }
  if (report.anchorPins !== undefined) lines.push(`  ${ANCHOR_PINS}  ${JSON.stringify(report.anchorPins)}`);
  if (report.certificatePolicies !== undefined) lines.push(`  ${CERTIFICATE_POLICIES}  ${JSON.stringify(report.certificatePolicies)}`);
  if (report.jwks) {
    lines.push(`  jwks x5c thumbprints        ${report.jwks.thumbprints.join(', ') || '(none)'}`);
    lines.push(`  certificate in jwks         ${report.jwks.registered ? 'yes' : 'no'}`);
  }
  return lines;
}
