/**
 * A minimal strict DER reader. The ASN.1 libraries re-encode what they parse, but signatures,
 * OCSP name hashes, SPKI pins and `#hex` DN values need the bytes exactly as they were signed,
 * so the few structures that need them are walked here, over the original buffer.
 */

/** One tag-length-value element; `bytes` is the whole element, `content` its value. */
export interface Tlv {
  /** The identifier octet (single-byte tags only, which covers X.509). */
  readonly tag: number;
  readonly constructed: boolean;
  /** Tag class bits: 0 universal, 0x40 application, 0x80 context-specific, 0xc0 private. */
  readonly tagClass: number;
  /** The tag number, without class and constructed bits. */
  readonly tagNumber: number;
  readonly bytes: Buffer;
  readonly content: Buffer;
}

/** Bytes that are not valid DER where DER was required. */
export class DerError extends Error {}

/** Reads one element at `offset`; returns it and the offset just past it. */
export function readTlv(buffer: Buffer, offset = 0): { tlv: Tlv; next: number } {
  if (offset + 2 > buffer.length) throw new DerError('truncated element');
  const tag = buffer[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used in X.509');
  let length = buffer[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new DerError('indefinite or oversized length');
    if (offset + 2 + octets > buffer.length) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < octets; i += 1) length = length * 256 + buffer[offset + 2 + i]!;
    header += octets;
  }
  const end = offset + header + length;
  if (end > buffer.length) throw new DerError('element longer than its container');
  return {
    tlv: {
      tag,
      constructed: (tag & 0x20) !== 0,
      tagClass: tag & 0xc0,
      tagNumber: tag & 0x1f,
      bytes: buffer.subarray(offset, end),
      content: buffer.subarray(offset + header, end),
    },
    next: end,
  };
}

/** Parses `buffer` as exactly one element, refusing trailing bytes. */
export function parseTlv(buffer: Buffer): Tlv {
  const { tlv, next } = readTlv(buffer, 0);
  if (next !== buffer.length) throw new DerError('trailing bytes after the element');
  return tlv;
}

/** The elements inside a constructed element. */
export function childrenOf(tlv: Tlv): Tlv[] {
  if (!tlv.constructed) throw new DerError('expected a constructed element');
  const out: Tlv[] = [];
  let offset = 0;
  while (offset < tlv.content.length) {
    const { tlv: child, next } = readTlv(tlv.content, offset);
    out.push(child);
    offset = next;
  }
  return out;
}

/** Decodes an OBJECT IDENTIFIER's content octets into dotted form. */
export function decodeOid(content: Buffer): string {
  if (content.length === 0) throw new DerError('empty OID');
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  if (content[content.length - 1]! & 0x80) throw new DerError('truncated OID');
  const first = arcs.shift()!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs].join('.');
}

const UNIVERSAL_STRING_TAGS: Record<number, (content: Buffer) => string> = {
  0x0c: (c) => c.toString('utf8'), // UTF8String
  0x12: (c) => c.toString('latin1'), // NumericString
  0x13: (c) => c.toString('latin1'), // PrintableString
  0x14: (c) => c.toString('latin1'), // TeletexString: in practice ISO 8859-1
  0x16: (c) => c.toString('latin1'), // IA5String
  0x1a: (c) => c.toString('latin1'), // VisibleString
  0x1c: decodeUniversalString,
  0x1e: decodeBmpString,
};

function decodeBmpString(content: Buffer): string {
  if (content.length % 2) throw new DerError('odd BMPString length');
  const swapped = Buffer.from(content);
  swapped.swap16();
  return swapped.toString('utf16le');
}

function decodeUniversalString(content: Buffer): string {
  if (content.length % 4) throw new DerError('bad UniversalString length');
  let out = '';
  for (let i = 0; i < content.length; i += 4) out += String.fromCodePoint(content.readUInt32BE(i));
  return out;
}

/** The text of a universal string element, or `undefined` when `tlv` is not a string type. */
export function decodeString(tlv: Tlv): string | undefined {
  const decode = UNIVERSAL_STRING_TAGS[tlv.tag];
  return decode === undefined ? undefined : decode(tlv.content);
}
