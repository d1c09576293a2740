import { errors } from 'oidc-provider';
import { ClientCertificate } from '../certificate/certificate.js';
import { isPolicyOid } from '../certificate/policies.js';
import { parseIpAddress } from '../certificate/ip.js';
import { ConfigurationError } from '../errors.js';
import { subjectDnProblem } from './client-metadata-checks.js';
import { ANCHOR_PINS, CERTIFICATE_POLICIES } from './client-trust.js';
import { certificateAuthorized, certificateSubjectMatches, getCertificate } from './hooks.js';
import type { ResolvedOptions } from './options.js';

/** The host's default `clientAuthMethods` (oidc-provider 9), used when the config sets none. */
const HOST_DEFAULT_AUTH_METHODS = ['client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'private_key_jwt', 'none'];
const HOOKS = { getCertificate, certificateAuthorized, certificateSubjectMatches } as const;
const PIN = /^[A-Za-z0-9_-]{43}$/;
/** Client metadata this package adds to the host's. */
const OUR_METADATA = [ANCHOR_PINS, CERTIFICATE_POLICIES];
/** Most policies one client may list: a registration, not a policy database. */
const MAX_CLIENT_POLICIES = 32;

type Validator = (ctx: unknown, key: string, value: unknown, metadata: Record<string, unknown>) => void;

/** The parts of an oidc-provider configuration this package reads or extends. */
export interface ProviderConfiguration {
  clientAuthMethods?: string[];
  extraClientMetadata?: { properties?: string[]; validator?: Validator };
  features?: { mTLS?: Record<string, unknown> } & Record<string, unknown>;
  [key: string]: unknown;
}

function featureFlag(user: Record<string, unknown>, name: string, ours: boolean): boolean {
  const value = user[name];
  if (value === undefined) return ours;
  if (value === true && !ours) {
    throw new ConfigurationError(`features.mTLS.${name} is true in the provider configuration but ${name} is false in createMtls() options; set it in one place`);
  }
  return value === true;
}

function invalid(message: string): never {
  throw new errors.InvalidClientMetadata(message);
}

/**
 * Refuses registrations the hooks could never match, at registration time and with the reason,
 * instead of a failed token request later.
 */
function validateMetadata(key: string, value: unknown, metadata: Record<string, unknown>): void {
  if (key === CERTIFICATE_POLICIES) {
    if (value !== undefined && (!Array.isArray(value) || value.length === 0 || value.length > MAX_CLIENT_POLICIES || !value.every(isPolicyOid))) {
      invalid(`${CERTIFICATE_POLICIES} must be a non-empty array of at most ${MAX_CLIENT_POLICIES} certificate policy OIDs in dotted decimal (e.g. 0.4.0.194112.1.4)`);
    }
    return;
  }
  if (key !== ANCHOR_PINS) return;
  if (value !== undefined && (!Array.isArray(value) || value.length === 0 || !value.every((pin) => typeof pin === 'string' && PIN.test(pin)))) {
    invalid(`${ANCHOR_PINS} must be a non-empty array of base64url SHA-256 hashes of trust anchor SubjectPublicKeyInfo`);
  }
  const dn = metadata.tls_client_auth_subject_dn;
  const dnProblem = typeof dn === 'string' ? subjectDnProblem(dn) : undefined;
  if (dnProblem !== undefined) invalid(`tls_client_auth_subject_dn ${dnProblem}`);
  // The same parsers the matcher uses (subject.ts), so what registers can authenticate.
  const ip = metadata.tls_client_auth_san_ip;
  if (typeof ip === 'string' && parseIpAddress(ip) === undefined) {
    invalid('tls_client_auth_san_ip must be an IPv4 or IPv6 address: dotted decimal without leading zeros, or IPv6 text without a zone identifier (an iPAddress SAN holds 4 or 16 octets, RFC 5280 4.2.1.6)');
  }
  for (const key of ['tls_client_auth_san_dns', 'tls_client_auth_san_uri', 'tls_client_auth_san_email'] as const) {
    const value = metadata[key];
    // dNSName, uniformResourceIdentifier and rfc822Name are IA5Strings (RFC 5280 4.2.1.6): a
    // non-ASCII value can never be in a certificate's SAN, so it could never authenticate.
    if (typeof value === 'string' && !/^[\x00-\x7f]*$/.test(value)) {
      invalid(`${key} must be ASCII, as the certificate's SAN is an IA5String (RFC 5280 4.2.1.6): register an internationalized domain name as its A-label (xn--...)`);
    }
  }
  if (metadata.token_endpoint_auth_method === 'self_signed_tls_client_auth') registeredCertificatesProblem(metadata.jwks);
}

/**
 * A self-signed client authenticates with the certificate of a `jwks` key (`x5c[0]`, matched by
 * its `x5t#S256`); one the intake would refuse (not DER) could never be presented, so it is
 * refused here with the same parser.
 */
function registeredCertificatesProblem(jwks: unknown): void {
  const keys = (jwks as { keys?: unknown } | undefined)?.keys;
  (Array.isArray(keys) ? keys : []).forEach((key: unknown, index) => {
    const x5c = (key as { x5c?: unknown } | null)?.x5c;
    const first: unknown = Array.isArray(x5c) ? x5c[0] : undefined;
    if (typeof first !== 'string') return;
    try {
      ClientCertificate.from(Buffer.from(first, 'base64'));
    } catch (error) {
      invalid(`jwks.keys[${index}].x5c[0] is not a certificate the intake accepts: ${(error as Error).message}`);
    }
  });
}

/**
 * Returns a new provider configuration with RFC 8705 enabled: `features.mTLS` with this package's
 * hooks, the certificate auth methods added to `clientAuthMethods`, and the client metadata this
 * package understands. Everything else the user set is kept; the user's object is not modified.
 */
export function configureProvider<C extends ProviderConfiguration>(
  config: C,
  options: Pick<ResolvedOptions, 'tlsClientAuth' | 'selfSignedTlsClientAuth' | 'certificateBoundAccessTokens'>,
): C {
  if (config === null || typeof config !== 'object') {
    throw new ConfigurationError('configure() takes the oidc-provider configuration object');
  }
  const userMtls = config.features?.mTLS ?? {};
  for (const hook of Object.keys(HOOKS)) {
    if (userMtls[hook] !== undefined) {
      throw new ConfigurationError(`features.mTLS.${hook} is provided by oidc-provider-mtls; remove it from the provider configuration`);
    }
  }
  if (userMtls.enabled === false) {
    throw new ConfigurationError('features.mTLS.enabled is false in the provider configuration; remove it to let oidc-provider-mtls enable mTLS');
  }
  const mTLS = {
    ...userMtls,
    enabled: true,
    tlsClientAuth: featureFlag(userMtls, 'tlsClientAuth', options.tlsClientAuth),
    selfSignedTlsClientAuth: featureFlag(userMtls, 'selfSignedTlsClientAuth', options.selfSignedTlsClientAuth),
    certificateBoundAccessTokens: featureFlag(userMtls, 'certificateBoundAccessTokens', options.certificateBoundAccessTokens),
    ...HOOKS,
  };

  const clientAuthMethods = [...(config.clientAuthMethods ?? HOST_DEFAULT_AUTH_METHODS)];
  if (mTLS.tlsClientAuth && !clientAuthMethods.includes('tls_client_auth')) clientAuthMethods.push('tls_client_auth');
  if (mTLS.selfSignedTlsClientAuth && !clientAuthMethods.includes('self_signed_tls_client_auth')) clientAuthMethods.push('self_signed_tls_client_auth');

  const userExtra = config.extraClientMetadata ?? {};
  const userProperties = userExtra.properties ?? [];
  const userValidator = userExtra.validator;
  const extraClientMetadata = {
    ...userExtra,
    properties: [...userProperties, ...OUR_METADATA.filter((name) => !userProperties.includes(name))],
    validator(ctx: unknown, key: string, value: unknown, metadata: Record<string, unknown>) {
      validateMetadata(key, value, metadata);
      if (userValidator && userProperties.includes(key)) userValidator(ctx, key, value, metadata);
    },
  };

  return {
    ...config,
    clientAuthMethods,
    extraClientMetadata,
    features: { ...config.features, mTLS },
  };
}
