import { errors } from 'oidc-provider';
import { FAPI_CLIENT_AUTH_METHODS, type ProfileRules } from './profiles.js';
import type { PresetChoices } from './configure.js';
import { checkClientKeys } from './key-sizes.js';
import { checkRedirectUris } from './redirect-uris.js';

type Validator = (ctx: unknown, key: string, value: unknown, metadata: Record<string, unknown>) => void;

/**
 * Refuses, at registration (static clients when the provider loads them, dynamic ones at the
 * registration endpoint), a client the profile does not allow: a non-FAPI authentication method,
 * access tokens without a sender constraint, a redirect URI outside the profile's schemes, or an
 * RSA key shorter than the profile allows in its `jwks`. The
 * host would otherwise accept such a client, issue it plain bearer tokens or send its codes over
 * plain http.
 */
function checkClient(metadata: Record<string, unknown>, rules: ProfileRules, choices: PresetChoices): void {
  const method = metadata.token_endpoint_auth_method;
  if (!(FAPI_CLIENT_AUTH_METHODS as readonly unknown[]).includes(method)) {
    throw new errors.InvalidClientMetadata(
      `token_endpoint_auth_method ${JSON.stringify(method)} is not allowed by ${rules.title}; register one of ${FAPI_CLIENT_AUTH_METHODS.join(', ')}`,
    );
  }
  const mtlsBound = metadata.tls_client_certificate_bound_access_tokens === true;
  const dpopBound = choices.dpop && metadata.dpop_bound_access_tokens === true;
  if (!mtlsBound && !dpopBound) {
    const alternative = choices.dpop ? ' or dpop_bound_access_tokens: true' : '';
    throw new errors.InvalidClientMetadata(
      `${rules.title} requires sender-constrained access tokens; register tls_client_certificate_bound_access_tokens: true${alternative}`,
    );
  }
  checkRedirectUris(metadata, rules);
  checkClientKeys(metadata, rules);
}

/**
 * Wraps the configuration's `extraClientMetadata.validator` so the client checks run once per
 * client. The host calls the validator once per extra property, always in the order of
 * `properties`; the plugin's `configure()` guarantees at least one.
 */
export function withClientChecks(config: Record<string, unknown>, rules: ProfileRules, choices: PresetChoices): Record<string, unknown> {
  const extra = (config.extraClientMetadata ?? {}) as { properties?: string[]; validator?: Validator };
  const properties = extra.properties ?? [];
  const first = properties[0];
  const inner = extra.validator;
  const validator: Validator = (ctx, key, value, metadata) => {
    if (key === first) checkClient(metadata, rules, choices);
    inner?.(ctx, key, value, metadata);
  };
  return { ...config, extraClientMetadata: { ...extra, properties, validator } };
}
