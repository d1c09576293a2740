import { Cache } from '../util/cache.js';
import type { PresentedCertificate } from './source.js';

/** Header lines as received (headerLines): one string per line. */
type Lines = readonly string[];

interface Entry {
  readonly value: Lines;
  readonly chain: Lines | undefined;
  readonly certificate: PresentedCertificate;
}

/** Characters of each line that go into the lookup key; see {@link lookupKey}. */
const SAMPLES = 64;

/**
 * Certificates decoded from header values, found again by the values. A proxy sends the same
 * header on every request of a client, so a hit is the common case and must cost about a map
 * lookup. Keying the map by the values themselves would not: V8 hashes every character of a new
 * string used as a key (a few microseconds for a certificate), so the key is a hash of a sample of
 * the values and a hit is confirmed by comparing the values in full. Two values with the same key
 * only evict each other; they never share an entry.
 */
export class DecodedHeaders {
  readonly #entries: Cache<Entry>;

  constructor(max: number) {
    this.#entries = new Cache(max);
  }

  get(value: Lines, chain: Lines | undefined, now: number): PresentedCertificate | undefined {
    const entry = this.#entries.get(lookupKey(value, chain), now);
    if (entry === undefined || !sameLines(entry.value, value) || !sameLines(entry.chain, chain)) return undefined;
    return entry.certificate;
  }

  set(value: Lines, chain: Lines | undefined, certificate: PresentedCertificate, expiresAt: number, now: number): void {
    this.#entries.set(lookupKey(value, chain), { value, chain, certificate }, expiresAt, now);
  }
}

/**
 * Only chooses the slot, so it need not be collision-free: a 32-bit FNV-1a over each line's length
 * and {@link SAMPLES} of its characters spread evenly over it (all of a shorter line). Two
 * certificates differ in their keys, serials and signatures, each long enough to be sampled.
 */
function lookupKey(value: Lines, chain: Lines | undefined): string {
  let hash = OFFSET;
  for (const line of value) hash = mix(hash, line);
  if (chain !== undefined) {
    hash = Math.imul(hash ^ CHAIN_MARK, PRIME);
    for (const line of chain) hash = mix(hash, line);
  }
  return (hash >>> 0).toString(36);
}

const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;
/** Where the chain starts, and where a line starts (plus its length): above every character code. */
const CHAIN_MARK = 0x10000;
const LINE_MARK = 0x20000;

function mix(start: number, line: string): number {
  let hash = Math.imul(start ^ (LINE_MARK + line.length), PRIME);
  for (let i = 0; i < SAMPLES; i += 1) hash = Math.imul(hash ^ line.charCodeAt(Math.floor((i * line.length) / SAMPLES)), PRIME);
  return hash;
}

function sameLines(a: Lines | undefined, b: Lines | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}
