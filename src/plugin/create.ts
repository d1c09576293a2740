import { createCertificateValidator, type CertificateValidator } from '../certificate/validator.js';
import { ConfigurationError } from '../errors.js';
import { configureProvider, type ProviderConfiguration } from './configure.js';
import type { ProviderLike } from './host.js';
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
  const validator = resolved.tlsClientAuth && resolved.validation
    ? createCertificateValidator(resolved.validation)
    : undefined;
  const middleware = createIntakeMiddleware(resolved, validator);
  const attached = new WeakSet<ProviderLike>();
  return Object.freeze({
    validator,
    configure: <C extends object>(config: C): C => configureProvider(config as ProviderConfiguration, resolved) as C,
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
