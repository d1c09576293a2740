/**
 * The package's one in-memory cache: bounded, each entry expiring at its own time, and loads of a
 * missing key shared by every concurrent caller. Reads refresh recency; when full, the least
 * recently used entry goes first. Expired entries are dropped when read, and crowd out nothing for
 * long because a full cache evicts in recency order anyway. Times are passed in (epoch
 * milliseconds, or whatever clock the caller validates against) so that callers checking at a
 * given instant expire entries by that instant.
 */
export class Cache<V> {
  readonly #max: number;
  // Map iteration order is insertion order; re-inserting on read makes it recency order.
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #loading = new Map<string, Promise<V>>();

  /** `max` entries at most; 0 stores nothing but still shares concurrent loads. */
  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores a value until `expiresAt` (`Infinity` for ever); a time not after `now` stores nothing. */
  set(key: string, value: V, expiresAt: number, now: number): void {
    this.#entries.delete(key);
    if (expiresAt <= now || this.#max <= 0) return;
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt });
  }

  /**
   * Runs `loader` for `key` unless a load of it is already under way, in which case its promise is
   * shared. The loader stores what it wants kept (with {@link set}, at the expiry it decides); a
   * failure is shared too, and not kept.
   */
  load(key: string, loader: () => Promise<V>): Promise<V> {
    let pending = this.#loading.get(key);
    if (pending === undefined) {
      pending = loader().finally(() => this.#loading.delete(key));
      this.#loading.set(key, pending);
    }
    return pending;
  }

  /** The cached value, or else {@link load}. */
  getOrLoad(key: string, now: number, loader: () => Promise<V>): Promise<V> {
    const hit = this.get(key, now);
    return hit === undefined ? this.load(key, loader) : Promise.resolve(hit);
  }

  clear(): void {
    this.#entries.clear();
  }
}
