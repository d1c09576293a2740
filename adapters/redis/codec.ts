import type { AdapterPayload } from 'oidc-provider';
import { StoreCorruptError } from '../../src/errors.js';

/**
 * Marks the hashes this adapter writes. A hash without it (hand-edited, another adapter, a future
 * format) is never interpreted.
 */
export const FORMAT = 'oidc-provider-mtls/1';

/** An entity as stored: field `v` the format, `p` the payload JSON without `consumed`, `c` it. */
export interface EncodedEntity {
  payload: string;
  /** `consumed` as {@link encodeConsumed} writes it, or '' when the payload has none. */
  consumed: string;
}

/*
 * `consumed` is whatever the host (or a custom model) set: its own consume writes the epoch second,
 * but any value is allowed and read back for truthiness, so it is kept as given. JSON covers every
 * value but a Date, which gets its own marker: no JSON text starts with `D`.
 */
const DATE = 'D';

function encodeConsumed(consumed: unknown): string {
  if (consumed instanceof Date && !Number.isNaN(consumed.getTime())) return `${DATE}${consumed.toISOString()}`;
  return JSON.stringify(consumed) ?? '';
}

function decodeConsumed(stored: string): unknown {
  if (stored.startsWith(DATE)) {
    const date = new Date(stored.slice(DATE.length));
    if (Number.isNaN(date.getTime())) throw new StoreCorruptError('stored entity consumed date is not a date');
    return date;
  }
  try {
    return JSON.parse(stored);
  } catch (cause) {
    throw new StoreCorruptError('stored entity consumed value is not JSON', { cause });
  }
}

/**
 * Splits `consumed` out of the payload: it lives in its own hash field so that `consume` can set it
 * atomically in Lua without decoding and re-encoding the JSON (cjson would alter numbers and arrays).
 */
export function encodeEntity(payload: AdapterPayload): EncodedEntity {
  // Most entities are saved unconsumed: JSON already leaves an undefined `consumed` out, no copy needed.
  if ((payload as { consumed?: unknown }).consumed === undefined) return { payload: JSON.stringify(payload), consumed: '' };
  const { consumed, ...rest } = payload as AdapterPayload & { consumed?: unknown };
  return { payload: JSON.stringify(rest), consumed: encodeConsumed(consumed) };
}

/**
 * Decodes a hash as `HGETALL` or a script gives it: an object, or a flat list (field, value, ...)
 * read from index `start`. Returns `undefined` for an absent key; throws {@link StoreCorruptError}
 * for anything this adapter did not write.
 */
export function decodeEntity(hash: Readonly<Record<string, string>> | readonly string[], start = 0): AdapterPayload | undefined {
  let format: string | undefined;
  let json: string | undefined;
  let consumed: string | undefined;
  let foreign = false;
  const take = (name: string, value: string) => {
    if (name === 'v') format = value;
    else if (name === 'p') json = value;
    else if (name === 'c') consumed = value;
    else foreign = true;
  };
  if (Array.isArray(hash)) {
    const flat = hash as readonly string[];
    if (flat.length <= start) return undefined;
    for (let index = start; index + 1 < flat.length; index += 2) take(flat[index]!, flat[index + 1]!);
  } else {
    const names = Object.keys(hash);
    if (names.length === 0) return undefined;
    for (const name of names) take(name, (hash as Readonly<Record<string, string>>)[name]!);
  }
  if (format !== FORMAT || foreign) {
    throw new StoreCorruptError('stored entity has an unknown format');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(json ?? '');
  } catch (cause) {
    throw new StoreCorruptError('stored entity payload is not JSON', { cause });
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new StoreCorruptError('stored entity payload is not a JSON object');
  }
  if (consumed !== undefined) (payload as { consumed?: unknown }).consumed = decodeConsumed(consumed);
  return payload as AdapterPayload;
}
