import { ConfigurationError } from '../errors.js';
import { booleanOption, onlyKnownKeys } from '../util/options.js';
import type { Mtls } from '../plugin/create.js';
import type { ProviderLike } from '../plugin/host.js';
import { invalidClientOnClientIdMismatch } from './client-id-mismatch.js';
import { withClientChecks } from './client-metadata.js';
import { applyProfile, type PresetChoices } from './configure.js';
import { FAPI_1_0_ADVANCED, FAPI_2_0, FAPI_CLIENT_AUTH_METHODS, type FapiProfileName, type ProfileRules } from './profiles.js';

/** Options of {@link fapi2SecurityProfile}. */
export interface Fapi2Options {
  /**
   * Also allow DPoP (RFC 9449), which FAPI 2.0 permits next to mTLS, as the sender constraint for
   * clients registered with `dpop_bound_access_tokens: true`. Off: every client must register
   * `tls_client_certificate_bound_access_tokens: true` and the host's `features.dPoP` is off.
   * @default false
   */
  dpop?: boolean;
}

/** The plugin with a FAPI profile applied: the same two steps, `configure` and `attach`. */
export interface FapiMtls extends Mtls {
  /** The host's name of the profile applied (`features.fapi.profile`). */
  readonly profile: FapiProfileName;
}

interface Section { [key: string]: unknown }

function isMtls(value: unknown): value is Mtls {
  const candidate = value as Partial<Mtls> | null;
  return typeof candidate?.configure === 'function' && typeof candidate.attach === 'function';
}

/**
 * Checks what only exists once the plugin has configured mTLS: the sender constraint it turned on
 * and the authentication methods it added.
 */
function checkConfigured(config: Section, rules: ProfileRules, choices: PresetChoices): void {
  const mTLS = (config.features as Section).mTLS as Section;
  if (mTLS.certificateBoundAccessTokens !== true && !choices.dpop) {
    const fix = rules.allowDpop ? `, or ${rules.allowDpop}` : '';
    throw new ConfigurationError(
      `certificateBoundAccessTokens is off in createMtls() options, which leaves ${rules.title} without a sender constraint; turn it on${fix}`,
    );
  }
  const methods = config.clientAuthMethods as string[];
  const refused = methods.filter((method) => !(FAPI_CLIENT_AUTH_METHODS as readonly string[]).includes(method));
  if (refused.length > 0) {
    throw new ConfigurationError(`clientAuthMethods includes ${refused.join(', ')} after configure(), which ${rules.title} does not allow`);
  }
  const properties = (config.extraClientMetadata as { properties?: unknown[] } | undefined)?.properties;
  if (!Array.isArray(properties) || properties.length === 0) {
    // The client checks ride on the host's per-property validator; without a property they would never run.
    throw new ConfigurationError('the plugin configuration declares no extraClientMetadata.properties, so FAPI client checks cannot run');
  }
}

function wrap(mtls: Mtls, rules: ProfileRules, choices: PresetChoices, factory: string): FapiMtls {
  if (!isMtls(mtls)) {
    throw new ConfigurationError(`${factory} takes the plugin returned by createMtls(), e.g. ${factory.replace('()', '(createMtls({ trustAnchors }))')}`);
  }
  return Object.freeze({
    profile: rules.name,
    validator: mtls.validator,
    attach(provider: ProviderLike) {
      mtls.attach(provider);
      if (rules.clientIdMismatchIsInvalidClient) provider.use(invalidClientOnClientIdMismatch);
    },
    configure<C extends object>(config: C): C {
      const preset = applyProfile(config as Section, rules, choices);
      const configured = mtls.configure(preset) as Section;
      checkConfigured(configured, rules, choices);
      return withClientChecks(configured, rules, choices) as C;
    },
  });
}

/**
 * Applies the FAPI 2.0 Security Profile (Final) to the plugin: `configure()` then also enables the
 * host's `features.fapi` with profile `'2.0'`, requires PAR, keeps only the FAPI client
 * authentication methods, response types and signing algorithms, requires sender-constrained
 * tokens for every client, and refuses (with a `ConfigurationError`) a configuration that
 * contradicts the profile. See the README's FAPI section for the full list.
 *
 * @example
 * const mtls = fapi2SecurityProfile(createMtls({ trustAnchors, mtlsOrigin }));
 * const provider = new Provider(issuer, mtls.configure(configuration));
 * mtls.attach(provider);
 */
export function fapi2SecurityProfile(mtls: Mtls, options: Fapi2Options = {}): FapiMtls {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('fapi2SecurityProfile() options must be an object');
  onlyKnownKeys(options, ['dpop'], '', 'fapi2SecurityProfile');
  const dpop = booleanOption(options.dpop, false, 'fapi2SecurityProfile() options.dpop');
  return wrap(mtls, FAPI_2_0, Object.freeze({ dpop }), 'fapi2SecurityProfile()');
}

/**
 * Applies FAPI 1.0 Advanced (Final) with certificate-bound access tokens: the host's
 * `features.fapi` with profile `'1.0 Final'`, signed request objects, `code id_token` or `code`
 * with JARM, the FAPI client authentication methods and PS256/ES256, and mTLS-bound tokens for
 * every client.
 *
 * @example
 * const mtls = fapi1Advanced(createMtls({ trustAnchors, mtlsOrigin }));
 */
export function fapi1Advanced(mtls: Mtls): FapiMtls {
  return wrap(mtls, FAPI_1_0_ADVANCED, Object.freeze({ dpop: false }), 'fapi1Advanced()');
}
