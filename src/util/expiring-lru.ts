/**
 * A bounded map whose entries expire at a given time. Reads refresh recency; when full, the least
 * recently used entry goes first. Expired entries are dropped when read, and crowd out nothing
 * for long because a full map evicts in recency order anyway.
 */
export class ExpiringLru<V> {
  readonly #max: number;
  // Map iteration order is insertion order; re-inserting on read makes it recency order.
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();

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

  /** Stores a value until `expiresAt` (epoch milliseconds); a time not after `now` stores nothing. */
  set(key: string, value: V, expiresAt: number, now: number): void {
    this.#entries.delete(key);
    if (expiresAt <= now) return;
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expiresAt });
  }

  clear(): void {
    this.#entries.clear();
  }
}
