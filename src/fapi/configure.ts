import { ConfigurationError } from '../errors.js';
import { applyClientAssertionChecks } from './client-assertion.js';
import { checkProviderKeys } from './key-sizes.js';
import { applyLifetimes } from './lifetimes.js';
import {
  FAPI_CLIENT_AUTH_METHODS,
  SIGNED_RESPONSE_DEFAULTS,
  SIGNING_ALG_LISTS,
  type ProfileRules,
} from './profiles.js';
import { contradicts, section, type Section } from './settings.js';

type Required = (ctx: unknown, client: unknown) => boolean;
interface PkceContext { oidc: { route: string } }

/** What the preset decides beyond the profile's fixed rules. */
export interface PresetChoices {
  /** DPoP allowed as the sender constraint (FAPI 2.0 only). */
  readonly dpop: boolean;
}

const list = (values: readonly string[]) => values.join(', ');

function applyFapiFeature(features: Section, rules: ProfileRules): Section {
  const fapi = section(features.fapi, 'features.fapi');
  if (fapi.enabled === false) {
    contradicts(rules, 'features.fapi.enabled', 'is false', `remove it: ${rules.factory} enables the host's FAPI feature`);
  }
  if (fapi.profile !== undefined && fapi.profile !== rules.name) {
    const shown = typeof fapi.profile === 'function' ? 'a function' : JSON.stringify(fapi.profile);
    contradicts(rules, 'features.fapi.profile', `is ${shown}`, `remove it (${rules.factory} sets '${rules.name}' for every client)`);
  }
  return { ...fapi, enabled: true, profile: rules.name };
}

function applyClientAuthMethods(config: Section, rules: ProfileRules): string[] {
  const methods = config.clientAuthMethods;
  if (methods === undefined) return ['private_key_jwt'];
  if (!Array.isArray(methods)) throw new ConfigurationError('clientAuthMethods must be an array of method names');
  const refused = methods.filter((method) => !(FAPI_CLIENT_AUTH_METHODS as readonly unknown[]).includes(method));
  if (refused.length > 0) {
    contradicts(rules, 'clientAuthMethods', `includes ${list(refused.map(String))}`, `keep only ${list(FAPI_CLIENT_AUTH_METHODS)}`);
  }
  return [...methods as string[]];
}

function applyAlgorithms(config: Section, rules: ProfileRules): { enabledJWA: Section; clientDefaults: Section } {
  const enabledJWA = { ...section(config.enabledJWA, 'enabledJWA') };
  for (const name of SIGNING_ALG_LISTS) {
    const algs = enabledJWA[name];
    if (algs === undefined) {
      enabledJWA[name] = [...rules.algorithms];
      continue;
    }
    const refused = Array.isArray(algs) ? algs.filter((alg) => !rules.algorithms.includes(alg)) : [algs];
    if (refused.length > 0) {
      contradicts(rules, `enabledJWA.${name}`, `includes ${list(refused.map(String))}`, `keep only ${list(rules.algorithms)}`);
    }
  }
  const clientDefaults = { ...section(config.clientDefaults, 'clientDefaults') };
  for (const name of SIGNED_RESPONSE_DEFAULTS) {
    const alg = clientDefaults[name];
    if (alg === undefined) clientDefaults[name] = rules.defaultAlgorithm;
    else if (!rules.algorithms.includes(alg as string)) {
      contradicts(rules, `clientDefaults.${name}`, `is ${JSON.stringify(alg)}`, `use one of ${list(rules.algorithms)}`);
    }
  }
  const method = clientDefaults.token_endpoint_auth_method;
  if (method !== undefined && !(FAPI_CLIENT_AUTH_METHODS as readonly unknown[]).includes(method)) {
    contradicts(rules, 'clientDefaults.token_endpoint_auth_method', `is ${JSON.stringify(method)}`, `use one of ${list(FAPI_CLIENT_AUTH_METHODS)}`);
  }
  return { enabledJWA, clientDefaults };
}

function applyResponseTypes(config: Section, features: Section, rules: ProfileRules): { responseTypes: string[]; jwtResponseModes?: Section } {
  const userTypes = config.responseTypes;
  let responseTypes = [...rules.responseTypes];
  if (userTypes !== undefined) {
    if (!Array.isArray(userTypes)) throw new ConfigurationError('responseTypes must be an array of response types');
    const refused = userTypes.filter((type) => !rules.responseTypes.includes(type));
    if (refused.length > 0) {
      contradicts(rules, 'responseTypes', `includes ${list(refused.map(String))}`, `keep only ${list(rules.responseTypes)}`);
    }
    responseTypes = [...userTypes as string[]];
  }
  if (!rules.jarm || !responseTypes.includes('code')) return { responseTypes };
  const jarm = section(features.jwtResponseModes, 'features.jwtResponseModes');
  if (jarm.enabled === false) {
    contradicts(rules, 'features.jwtResponseModes.enabled', 'is false while responseTypes includes "code" (plain code needs JARM)', 'remove it, or set responseTypes: [\'code id_token\']');
  }
  return { responseTypes, jwtResponseModes: { ...jarm, enabled: true } };
}

function applyRequired(features: Section, name: string, flags: readonly string[], rules: ProfileRules): Section {
  const feature = section(features[name], `features.${name}`);
  for (const flag of ['enabled', ...flags]) {
    if (feature[flag] === false) {
      contradicts(rules, `features.${name}.${flag}`, 'is false', `remove it: ${rules.factory} turns it on`);
    }
  }
  return { ...feature, enabled: true, ...Object.fromEntries(flags.map((flag) => [flag, true])) };
}

function applyDpop(features: Section, rules: ProfileRules, choices: PresetChoices): Section {
  const dPoP = section(features.dPoP, 'features.dPoP');
  if (choices.dpop) {
    if (dPoP.enabled === false) contradicts(rules, 'features.dPoP.enabled', 'is false while the preset allows DPoP', 'remove it, or drop { dpop: true }');
    return { ...dPoP, enabled: true };
  }
  if (dPoP.enabled === true) {
    const fix = rules.allowDpop ? `remove it, or ${rules.allowDpop}` : 'remove it: this profile binds tokens to certificates (mTLS) only';
    contradicts(rules, 'features.dPoP.enabled', 'is true', fix);
  }
  return { ...dPoP, enabled: false };
}

/**
 * PKCE. The host's default `pkce.required` already follows the FAPI profile (always for 2.0, at
 * the PAR endpoint for 1.0 Advanced). A user function replaces that default, so it is refused for
 * 2.0, where nothing can be added, and combined with the profile's rule for 1.0 Advanced.
 */
function applyPkce(config: Section, rules: ProfileRules): Section | undefined {
  const pkce = section(config.pkce, 'pkce');
  const userRequired = pkce.required;
  if (userRequired === undefined) return undefined;
  if (typeof userRequired !== 'function') throw new ConfigurationError('pkce.required must be a function');
  if (rules.requirePar) {
    contradicts(rules, 'pkce.required', 'is set (it would replace the rule requiring PKCE on every request)', 'remove it: the host requires PKCE S256 for every FAPI 2.0 authorization request');
  }
  const required: Required = (ctx, client) => (ctx as PkceContext).oidc.route === 'pushed_authorization_request' || (userRequired as Required)(ctx, client);
  return { ...pkce, required };
}

/**
 * Redirect URIs. FAPI 1.0 Part 1 5.2.2 item 9: `redirect_uri` in every authorization request; the
 * host fills it in when a client registered only one unless `allowOmittingSingleRegisteredRedirectUri`
 * is off (under its 2.0 profile it never does). Both profiles: PAR's unregistered redirect URIs
 * would bypass the client checks on registered ones (schemes; pre-registration in FAPI 1.0 item 8).
 */
function applyRedirectUriRules(config: Section, rules: ProfileRules): Section {
  const par = section(section(config.features, 'features').pushedAuthorizationRequests, 'features.pushedAuthorizationRequests');
  if (par.allowUnregisteredRedirectUris === true) {
    contradicts(rules, 'features.pushedAuthorizationRequests.allowUnregisteredRedirectUris', 'is true', 'remove it: every redirect URI is registered, and checked when the client is');
  }
  if (!rules.requireRedirectUri) return {};
  if (config.allowOmittingSingleRegisteredRedirectUri === true) {
    contradicts(rules, 'allowOmittingSingleRegisteredRedirectUri', 'is true (redirect_uri optional for clients with one registered URI)', 'remove it or set it to false');
  }
  return { allowOmittingSingleRegisteredRedirectUri: false };
}

/**
 * Returns a new provider configuration with what the profile requires and this package controls,
 * before the plugin's own `configure()` adds mTLS. Throws a `ConfigurationError` naming the
 * setting when the user's configuration contradicts the profile. The user's object is not modified.
 */
export function applyProfile(config: Section, rules: ProfileRules, choices: PresetChoices): Section {
  if (config === null || typeof config !== 'object') {
    throw new ConfigurationError('configure() takes the oidc-provider configuration object');
  }
  const features = section(config.features, 'features');
  checkProviderKeys(config, rules);
  const { responseTypes, jwtResponseModes } = applyResponseTypes(config, features, rules);
  const pkce = applyPkce(config, rules);
  return {
    ...config,
    ...applyLifetimes(config, rules),
    ...applyClientAssertionChecks(config, rules),
    ...applyRedirectUriRules(config, rules),
    ...applyAlgorithms(config, rules),
    ...(pkce ? { pkce } : {}),
    clientAuthMethods: applyClientAuthMethods(config, rules),
    responseTypes,
    features: {
      ...features,
      fapi: applyFapiFeature(features, rules),
      dPoP: applyDpop(features, rules, choices),
      ...(jwtResponseModes ? { jwtResponseModes } : {}),
      ...(rules.requirePar ? { pushedAuthorizationRequests: applyRequired(features, 'pushedAuthorizationRequests', ['requirePushedAuthorizationRequests'], rules) } : {}),
      ...(rules.requireSignedRequestObject ? { requestObjects: applyRequired(features, 'requestObjects', ['requireSignedRequestObject'], rules) } : {}),
    },
  };
}
