import { TokenUnverifiableError } from '../errors.js';
import { numberOption, onlyKnownKeys, optionsObject } from '../util/options.js';
import type { DpopReplayStore } from './options.js';

/** Options of {@link memoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * Most proofs remembered at once. Size it at the peak rate of DPoP requests per second times
   * (`dpop.maxAge` + 2 x `clockTolerance`); when it is full of unexpired entries, new proofs are
   * refused with a 503 rather than forgetting one that could then be replayed. Default: 200000.
   */
  max?: number;
}

/**
 * A replay store in this process's memory, for a resource server that runs as one process.
 * Unlike a cache, it never evicts an entry before it expires: forgetting a proof early would let it
 * be replayed, so a full store refuses instead.
 * @throws {ConfigurationError} for an invalid `max`.
 */
export function memoryReplayStore(options: MemoryReplayStoreOptions = {}): DpopReplayStore {
  onlyKnownKeys(optionsObject(options, 'memoryReplayStore() options'), ['max'], '', 'memoryReplayStore');
  const max = numberOption(options.max, 200_000, 'memoryReplayStore() options.max', { exclusive: true, integer: true });
  // Insertion order is close to expiry order (every entry lives about dpop.maxAge), so expired
  // entries gather at the front, where the sweep looks.
  const seen = new Map<string, number>();
  const sweep = (now: number): void => {
    for (const [key, expiresAt] of seen) {
      if (expiresAt > now) break;
      seen.delete(key);
    }
  };
  return Object.freeze({
    async remember(key: string, expiresAt: number): Promise<boolean> {
      const now = Date.now();
      const known = seen.get(key);
      if (known !== undefined && known > now) return false;
      seen.delete(key);
      if (seen.size >= max) sweep(now);
      if (seen.size >= max) throw new TokenUnverifiableError('the DPoP replay store is full');
      seen.set(key, expiresAt);
      return true;
    },
  });
}
