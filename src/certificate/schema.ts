import { AsnConvert } from '@peculiar/asn1-schema';
import { Cache } from '../util/cache.js';
import { DerError } from './der.js';

/**
 * Values decoded before, per schema. The certificates of one CA repeat most of their extensions
 * byte for byte (key usage, extended key usage, policies, distribution points, authority key
 * identifier), and every chain repeats its intermediates, while a schema decode and its round trip
 * cost tens of microseconds each. Only short values are kept: an OCSP response or a CRL is not seen
 * twice. Entries are shared, so callers only read what they get.
 */
const REMEMBERED = 2048;
const REMEMBERED_LENGTH = 512;
const decoded = new WeakMap<object, Cache<unknown>>();

/**
 * Decodes a DER value with its @peculiar/asn1-* schema, the package's one way to read ASN.1
 * structure, and refuses it unless the schema encodes the result back to the same bytes.
 * The schemas read BER and are lenient about structure: they skip elements they do not expect,
 * drop an optional field found out of order and turn a wrong type into a placeholder. DER has a
 * single encoding for each value, so getting the input back proves every element was read, in
 * its place, as its type (and refuses any encoding but DER, which x509-der.ts asserts first anyway).
 * @throws {DerError} naming `what` when the bytes are not a value of the schema's type.
 */
export function decodeDer<T>(bytes: Buffer, schema: new () => T, what: string): T {
  let outcome: Outcome<T> | undefined;
  if (bytes.length > REMEMBERED_LENGTH) {
    outcome = decodeOnce(bytes, schema);
  } else {
    let cache = decoded.get(schema);
    if (cache === undefined) decoded.set(schema, cache = new Cache(REMEMBERED));
    const key = bytes.toString('latin1');
    outcome = cache.get(key, 0) as Outcome<T> | undefined;
    if (outcome === undefined) cache.set(key, outcome = decodeOnce(bytes, schema), Infinity, 0);
  }
  if ('reason' in outcome) throw new DerError(`malformed ${what}: ${outcome.reason}`, { cause: outcome.cause });
  return outcome.value;
}

/** A refusal is kept without the caller's wording, which differs between callers. */
type Outcome<T> = { value: T } | { reason: string; cause?: unknown };

function decodeOnce<T>(bytes: Buffer, schema: new () => T): Outcome<T> {
  let value: T;
  let encoded: Buffer;
  try {
    value = AsnConvert.parse(bytes, schema);
    encoded = Buffer.from(AsnConvert.serialize(value));
  } catch (cause) {
    return { reason: (cause as Error).message, cause };
  }
  return encoded.equals(bytes) ? { value } : { reason: 'not a DER value of its ASN.1 type' };
}
