import { ConfigurationError } from '../errors.js';
import { channels } from '../util/channels.js';
import { Cache } from '../util/cache.js';
import { TrustAnchors, type TrustAnchorSource } from './anchors.js';
import type { ClientCertificate } from './certificate.js';
import { booleanOption, numberOption, onlyKnownKeys, optionsObject, secondsOption } from '../util/options.js';
import { resolvePins, resolveSettings, runVerification, SETTINGS_KEYS, type ChainVerdict, type VerifyChainOptions } from './verify.js';

/** Options of {@link createCertificateValidator}, held for the life of the process. */
export interface CertificateValidatorOptions extends Omit<VerifyChainOptions, 'trustAnchors' | 'intermediates' | 'at' | 'allowedAnchors'> {
  /**
   * Trust anchors: PEM text (bundles allowed), DER, parsed certificates, or `{ file: path }`
   * entries re-read by {@link CertificateValidator.reload} without a restart.
   */
  trustAnchors: readonly TrustAnchorSource[];
  /** Intermediate CA certificates to use besides those the client sends (same forms). @default [] */
  intermediates?: readonly TrustAnchorSource[];
  /**
   * Verdict cache: `max` entries (LRU), each kept until the earliest `notAfter` in its path or
   * the revocation data expire, and at most `ttl` seconds. `false` disables it.
   * @default { max: 1000, ttl: 3600 }
   */
  cache?: { max?: number; ttl?: number } | false;
}

/** Every key of {@link CertificateValidatorOptions}. */
export const VALIDATOR_KEYS: readonly string[] = [...SETTINGS_KEYS, 'trustAnchors', 'intermediates', 'cache'];

/** Per-call options of {@link CertificateValidator.verify}. */
export interface ValidatorVerifyOptions {
  /** Restrict the path to these anchors (SPKI SHA-256, base64url): per-client pinning. */
  allowedAnchors?: readonly string[];
  /**
   * Also look for valid paths to other anchors (a cross-signed CA reaches more than one) and
   * return them as the verdict's `alternatives`, so that a caller who learns later which anchors
   * apply (per-client pins) can choose without validating again.
   * @default false
   */
  alternatives?: boolean;
}

/** A validator with fixed settings, reloadable anchors, and a verdict cache. */
export interface CertificateValidator {
  /** Validates `leaf` with the client-sent `intermediates`; cached by (leaf, chain, anchors). Never rejects for a bad certificate. */
  verify(leaf: ClientCertificate, intermediates: readonly ClientCertificate[], options?: ValidatorVerifyOptions): Promise<ChainVerdict>;
  /** Re-reads the anchor and intermediate sources (files included) and clears the cache. */
  reload(): Promise<void>;
  /** The anchors in use. */
  readonly anchors: TrustAnchors;
}

/**
 * Creates the validator the plugin and resource servers hold. Options are validated here, once.
 * @throws {ConfigurationError} with the dotted option path.
 */
export function createCertificateValidator(options: CertificateValidatorOptions): CertificateValidator {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('validator options must be an object');
  onlyKnownKeys(options, VALIDATOR_KEYS, '', 'createCertificateValidator');
  const settings = resolveSettings(options);
  const { max, ttl } = resolveCache(options.cache);
  const extraSources = options.intermediates ?? [];
  if (!Array.isArray(extraSources)) throw new ConfigurationError('intermediates must be an array of certificates or { file } entries');
  let anchors = TrustAnchors.loadSync(options.trustAnchors);
  let extras = extraSources.length ? TrustAnchors.loadSync(extraSources, 'intermediates').certificates : [];
  // max 0 keeps no verdict, but concurrent checks of one chain still share one verification.
  const cache = new Cache<ChainVerdict>(max);

  async function compute(key: string, leaf: ClientCertificate, intermediates: readonly ClientCertificate[], pins: ReadonlySet<string> | undefined, alternatives: boolean): Promise<ChainVerdict> {
    const now = Date.now();
    const { verdict, expiresAt } = await runVerification(leaf, [...intermediates, ...extras], anchors, settings, now, pins, alternatives);
    cache.set(key, verdict, Math.min(expiresAt, now + ttl), now);
    return verdict;
  }

  return {
    get anchors() {
      return anchors;
    },
    verify(leaf, intermediates, verifyOptions) {
      const pins = resolvePins(verifyOptions?.allowedAnchors, 'allowedAnchors');
      const alternatives = verifyOptions?.alternatives ?? false;
      booleanOption(alternatives, false, 'alternatives');
      const key = `${leaf.thumbprint}|${intermediates.map((c) => c.thumbprint).join(',')}|${anchors.fingerprint}|${pins ? [...pins].sort().join(',') : '*'}|${alternatives}`;
      const hit = cache.get(key, Date.now());
      if (channels.verdictCache.hasSubscribers) channels.verdictCache.publish({ result: hit === undefined ? 'miss' : 'hit', thumbprint: leaf.thumbprint });
      if (hit !== undefined) return Promise.resolve(hit);
      return cache.load(key, () => compute(key, leaf, intermediates, pins, alternatives));
    },
    async reload() {
      const [nextAnchors, nextExtras] = await Promise.all([
        TrustAnchors.load(options.trustAnchors),
        extraSources.length ? TrustAnchors.load(extraSources, 'intermediates').then((set) => set.certificates) : Promise.resolve([]),
      ]);
      anchors = nextAnchors;
      extras = nextExtras;
      cache.clear();
    },
  };
}

/** Validates `cache` (`path` is its dotted name); `ttl` in milliseconds. */
export function resolveCache(option: CertificateValidatorOptions['cache'], path = 'cache'): { max: number; ttl: number } {
  if (option === false) return { max: 0, ttl: 0 };
  if (option === undefined) return { max: 1000, ttl: 3_600_000 };
  onlyKnownKeys(optionsObject(option, path, 'an object { max, ttl } or false'), ['max', 'ttl'], path);
  const max = numberOption(option.max, 1000, `${path}.max`, { integer: true });
  const ttl = secondsOption(option.ttl, 3600, `${path}.ttl`, { positive: true });
  return { max, ttl: ttl * 1000 };
}
