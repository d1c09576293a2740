import type { RevocationEvent } from '../certificate/revocation/types.js';
import { createCertificateValidator, type CertificateValidator, type CertificateValidatorOptions } from '../certificate/validator.js';
import { ConfigurationError } from '../errors.js';
import { checkStaticClients } from './client-metadata-checks.js';
import { configureProvider, type ProviderConfiguration } from './configure.js';
import type { ProviderLike } from './host.js';
import { EVENTS } from './events.js';
import { createIntakeMiddleware } from './intake-middleware.js';
import { resolveOptions, type MtlsOptions } from './options.js';

/** What {@link createMtls} returns: the two steps that enable the plugin on a provider. */
export interface Mtls {
  /**
   * Returns the provider configuration with RFC 8705 enabled (see the README for what is set).
   * Pass the result to `new Provider(issuer, ...)`.
   */
  configure<C extends object>(config: C): C;
  /** Installs the certificate intake middleware on the provider. Call once, before listening. */
  attach(provider: ProviderLike): void;
  /** The certificate validator used for `tls_client_auth` (absent when it is disabled). */
  readonly validator: CertificateValidator | undefined;
}

/**
 * Creates the plugin. Options are validated here, once; a mistake throws a
 * `ConfigurationError` naming the option to fix.
 */
export function createMtls(options: MtlsOptions = {}): Mtls {
  const resolved = resolveOptions(options);
  // Providers hear the validator's warnings (e.g. revocation status unknown under soft-fail).
  const attached = new Set<ProviderLike>();
  const validator = resolved.tlsClientAuth && resolved.validation
    ? createCertificateValidator(forwardWarnings(resolved.validation, (event) => {
      for (const provider of attached) provider.emit(EVENTS.warning, event);
    }))
    : undefined;
  const middleware = createIntakeMiddleware(resolved, validator);
  return Object.freeze({
    validator,
    configure<C extends object>(config: C): C {
      const anchorPins = validator && new Set(validator.anchors.certificates.map((anchor) => anchor.spkiSha256));
      checkStaticClients((config as ProviderConfiguration | null)?.clients, { ...resolved, ...(anchorPins ? { anchorPins } : {}) });
      return configureProvider(config as ProviderConfiguration, resolved) as C;
    },
    attach(provider: ProviderLike) {
      if (provider === null || typeof provider?.use !== 'function') {
        throw new ConfigurationError('attach() takes the oidc-provider Provider instance');
      }
      if (attached.has(provider)) {
        throw new ConfigurationError('attach() was already called for this provider');
      }
      attached.add(provider);
      provider.use(middleware as never);
    },
  });
}

/** Adds `emit` to the revocation observer, keeping the user's own `onEvent`. */
function forwardWarnings(
  options: CertificateValidatorOptions,
  emit: (event: RevocationEvent) => void,
): CertificateValidatorOptions {
  const { revocation } = options;
  // A custom checker reports nothing through options; only revocation options have `onEvent`.
  if (revocation === undefined || 'check' in revocation) return options;
  const { onEvent } = revocation;
  if (onEvent !== undefined && typeof onEvent !== 'function') return options; // the validator refuses it with its option path
  return {
    ...options,
    revocation: {
      ...revocation,
      onEvent(event: RevocationEvent) {
        onEvent?.(event);
        emit(event);
      },
    },
  };
}
