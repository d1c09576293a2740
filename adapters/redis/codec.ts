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
  /** Epoch seconds as a string, or '' when not consumed. */
  consumed: string;
}

/**
 * Splits `consumed` out of the payload: it lives in its own hash field so that `consume` can set it
 * atomically in Lua without decoding and re-encoding the JSON (cjson would alter numbers and arrays).
 */
export function encodeEntity(payload: AdapterPayload): EncodedEntity {
  const { consumed, ...rest } = payload as AdapterPayload & { consumed?: unknown };
  return {
    payload: JSON.stringify(rest),
    consumed: typeof consumed === 'number' ? String(consumed) : '',
  };
}

const FIELDS = new Set(['v', 'p', 'c']);

/**
 * Decodes the `HGETALL` reply. Returns `undefined` for an absent key; throws
 * {@link StoreCorruptError} for anything this adapter did not write.
 */
export function decodeEntity(fields: Readonly<Record<string, string>>): AdapterPayload | undefined {
  const names = Object.keys(fields);
  if (names.length === 0) {
    return undefined;
  }
  const { v: format, p: json, c: consumed } = fields;
  if (format !== FORMAT || names.some((name) => !FIELDS.has(name))) {
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
  if (consumed === undefined) {
    return payload as AdapterPayload;
  }
  const at = Number(consumed);
  if (!/^\d+$/.test(consumed) || !Number.isSafeInteger(at)) {
    throw new StoreCorruptError('stored entity consumed time is not an integer');
  }
  return { ...(payload as AdapterPayload), consumed: at } as AdapterPayload;
}
