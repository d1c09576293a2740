import type { ServerOptions } from 'node:https';
import { ConfigurationError } from '../errors.js';
import { PROFILES, type FapiProfileName } from './profiles.js';
import { choiceOption, onlyKnownKeys, optionsObject } from '../util/options.js';

/** TLS 1.3 suites, in Node's default order. FAPI restricts only TLS 1.2 suites. */
const TLS13_SUITES = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'];
const VERSIONS = new Set(['TLSv1.2', 'TLSv1.3']);
/** Settings that would replace the policy wholesale. */
const OWNED = ['ciphers', 'secureProtocol', 'secureContext'] as const;

/** What {@link fapiTlsOptions} adds to the server options. */
export type FapiTlsSettings = Required<Pick<ServerOptions, 'minVersion' | 'maxVersion' | 'ciphers' | 'honorCipherOrder'>> & Pick<ServerOptions, 'dhparam'>;

/** Options of {@link fapiTlsOptions}. */
export interface FapiTlsPolicyOptions {
  /**
   * Whose TLS 1.2 cipher suites to allow: `'2.0'` (FAPI 2.0 Security Profile section 5.2, i.e.
   * RFC 9325 section 4.2: ECDHE with RSA or ECDSA and AES-GCM) or `'1.0 Final'` (FAPI 1.0 Advanced
   * section 8.5: DHE and ECDHE with RSA and AES-GCM).
   * @default '2.0'
   */
  profile?: FapiProfileName;
}

/**
 * TLS options for the https listeners of a FAPI deployment (the main origin, the mTLS alias from
 * `createMtlsServer`, and resource servers): TLS 1.2 and 1.3 only, and on TLS 1.2 only the cipher
 * suites the profile permits, in the server's order of preference. Returns `serverOptions` with the
 * policy added; refuses (with a `ConfigurationError`) options that would weaken or replace it.
 * The policy is TLS only: `Strict-Transport-Security` (FAPI 2.0 SP 5.2.3 item 1) is a response
 * header, which `createMtlsServer` sends itself and the main origin's server must add.
 *
 * @example
 * const alias = createMtlsServer(fapiTlsOptions({ key, cert }), provider.callback());
 */
export function fapiTlsOptions<T extends ServerOptions>(serverOptions: T = {} as T, options: FapiTlsPolicyOptions = {}): T & FapiTlsSettings {
  if (serverOptions === null || typeof serverOptions !== 'object') {
    throw new ConfigurationError('fapiTlsOptions() serverOptions must be an object of https.createServer options');
  }
  onlyKnownKeys(optionsObject(options, 'fapiTlsOptions() options'), ['profile'], '', 'fapiTlsOptions');
  const rules = PROFILES[choiceOption(options.profile, '2.0', Object.keys(PROFILES) as FapiProfileName[], 'fapiTlsOptions() options.profile')];
  for (const name of OWNED) {
    if (serverOptions[name] !== undefined) {
      throw new ConfigurationError(`fapiTlsOptions() serverOptions.${name} is set; remove it: the FAPI policy sets the protocol versions and cipher suites`);
    }
  }
  for (const name of ['minVersion', 'maxVersion'] as const) {
    const version = serverOptions[name];
    if (version !== undefined && !VERSIONS.has(version)) {
      throw new ConfigurationError(`fapiTlsOptions() serverOptions.${name} is ${JSON.stringify(version)}; FAPI allows only TLSv1.2 and TLSv1.3`);
    }
  }
  return {
    ...serverOptions,
    minVersion: serverOptions.minVersion ?? 'TLSv1.2',
    maxVersion: serverOptions.maxVersion ?? 'TLSv1.3',
    // Node takes TLS 1.3 suites from the same string; without them, TLS 1.3 would be disabled.
    ciphers: [...TLS13_SUITES, ...rules.tls12Ciphers].join(':'),
    honorCipherOrder: serverOptions.honorCipherOrder ?? true,
    // The DHE suites of FAPI 1.0 need Diffie-Hellman parameters; 'auto' uses well-known RFC 7919 groups.
    ...(rules.tls12Ciphers.some((suite) => suite.startsWith('DHE-')) && serverOptions.dhparam === undefined ? { dhparam: 'auto' } : {}),
  };
}
