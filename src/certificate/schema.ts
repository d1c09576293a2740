import { AsnConvert } from '@peculiar/asn1-schema';
import { DerError } from './der.js';

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
  let value: T;
  let encoded: Buffer;
  try {
    value = AsnConvert.parse(bytes, schema);
    encoded = Buffer.from(AsnConvert.serialize(value));
  } catch (cause) {
    throw new DerError(`malformed ${what}: ${(cause as Error).message}`, { cause });
  }
  if (!encoded.equals(bytes)) throw new DerError(`malformed ${what}: not a DER value of its ASN.1 type`);
  return value;
}
