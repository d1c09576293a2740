/**
 * The package's one DER reader, and a strict one: every element it returns, and every element
 * under an element {@link parseTlv} returns, is in the form X.690 (08/2021) sections 8 and 10-11
 * require of DER. Anything else is refused with a {@link DerError}, because two parsers that read
 * one BER input differently (a lenient ASN.1 library, OpenSSL, this reader) are how name and
 * thumbprint checks get bypassed. The ASN.1 libraries also re-encode what they parse, while
 * signatures, OCSP name hashes, SPKI pins and `#hex` DN values need the bytes exactly as they
 * were signed, so the structures that need them are walked here, over the original buffer.
 * Everything else, extension values above all, is decoded with the @peculiar schemas (schema.ts).
 */

/** One tag-length-value element; `bytes` is the whole element, `content` its value. */
export interface Tlv {
  /**
   * The first identifier octet: class, constructed bit and tag number for numbers up to 30 (all
   * X.509, CRLs and OCSP use); for a higher number, its low five bits are all ones (X.690 8.1.2.4).
   */
  readonly tag: number;
  readonly constructed: boolean;
  /** Tag class bits: 0 universal, 0x40 application, 0x80 context-specific, 0xc0 private. */
  readonly tagClass: number;
  /** The tag number, without class and constructed bits (decoded from the high-tag-number form too). */
  readonly tagNumber: number;
  readonly bytes: Buffer;
  readonly content: Buffer;
}

/** Bytes that are not valid DER where DER was required. */
export class DerError extends Error {}

/** Longest length field read: 4 octets, so up to 4 GiB, far above anything this package accepts. */
const MAX_LENGTH_OCTETS = 4;
/** Subsequent octets of a high tag number read: 4, so numbers up to 2^28. */
const MAX_TAG_OCTETS = 4;

/**
 * Reads one element at `offset`; returns it and the offset just past it. The identifier and
 * length must be in DER form, and a universal primitive's content must be valid for its type
 * ({@link checkUniversal}); the content of a constructed element is not walked (see {@link parseTlv}).
 */
export function readTlv(buffer: Buffer, offset = 0): { tlv: Tlv; next: number } {
  if (offset + 2 > buffer.length) throw new DerError('truncated element');
  const tag = buffer[offset]!;
  let tagNumber = tag & 0x1f;
  let header = 1;
  if (tagNumber === 0x1f) {
    // X.690 8.1.2.4: the high-tag-number form, base 128 in the fewest octets (no leading 0x80),
    // and only for a number above 30 (8.1.2.2: 0 to 30 take the low-tag form).
    if (buffer[offset + 1] === 0x80) throw new DerError('high-tag-number form with a leading 0x80 octet (X.690 8.1.2.4.2)');
    tagNumber = 0;
    for (let octet = 0x80; octet & 0x80; header += 1) {
      if (header > MAX_TAG_OCTETS) throw new DerError('oversized tag number');
      octet = buffer[offset + header] ?? -1;
      if (octet < 0) throw new DerError('truncated tag');
      tagNumber = tagNumber * 128 + (octet & 0x7f);
    }
    if (tagNumber < 0x1f) throw new DerError(`high-tag-number form for tag number ${tagNumber} (X.690 8.1.2.2: low-tag form)`);
    if (offset + header + 1 > buffer.length) throw new DerError('truncated element');
  }
  let length = buffer[offset + header]!;
  header += 1;
  if (length === 0x80) throw new DerError('indefinite length (X.690 10.1: DER uses the definite form)');
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets > MAX_LENGTH_OCTETS) throw new DerError('oversized length');
    if (offset + header + octets > buffer.length) throw new DerError('truncated length');
    if (buffer[offset + header] === 0) throw new DerError('length with a leading zero octet (X.690 10.1: minimum number of octets)');
    length = 0;
    for (let i = 0; i < octets; i += 1) length = length * 256 + buffer[offset + header + i]!;
    if (length < 0x80) throw new DerError('long-form length for a length below 128 (X.690 10.1: short form)');
    header += octets;
  }
  const end = offset + header + length;
  if (end > buffer.length) throw new DerError('element longer than its container');
  const tlv: Tlv = {
    tag,
    constructed: (tag & 0x20) !== 0,
    tagClass: tag & 0xc0,
    tagNumber,
    bytes: buffer.subarray(offset, end),
    content: buffer.subarray(offset + header, end),
  };
  if (tlv.tagClass === 0) checkUniversal(tlv);
  return { tlv, next: end };
}

/**
 * Parses `buffer` as exactly one element, refusing trailing bytes, and checks every element
 * under it (iteratively, so nesting depth costs no stack). Bytes inside an OCTET STRING or
 * BIT STRING are values, not elements: parse them again where they hold DER (extnValue).
 */
export function parseTlv(buffer: Buffer): Tlv {
  const { tlv, next } = readTlv(buffer, 0);
  if (next !== buffer.length) throw new DerError('trailing bytes after the element');
  const pending: Tlv[] = [tlv];
  for (let element = pending.pop(); element !== undefined; element = pending.pop()) {
    if (element.constructed) pending.push(...childrenOf(element));
  }
  return tlv;
}

/** The elements inside a constructed element; a SET's must be in DER order. */
export function childrenOf(tlv: Tlv): Tlv[] {
  if (!tlv.constructed) throw new DerError('expected a constructed element');
  const out: Tlv[] = [];
  let offset = 0;
  while (offset < tlv.content.length) {
    const { tlv: child, next } = readTlv(tlv.content, offset);
    out.push(child);
    offset = next;
  }
  // X.690 11.6: a SET OF's encodings in ascending order, the shorter padded with zero octets at
  // the end. X.509, CRLs and OCSP use SET only as SET OF (the RDNs of a Name).
  if (tlv.tag === 0x31) {
    for (let i = 1; i < out.length; i += 1) {
      if (compareSetOf(out[i - 1]!.bytes, out[i]!.bytes) > 0) throw new DerError('SET OF elements out of DER order (X.690 11.6)');
    }
  }
  return out;
}

function compareSetOf(a: Buffer, b: Buffer): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

// X.680: SEQUENCE, SET, EXTERNAL, EMBEDDED PDV and CHARACTER STRING are constructed types; in DER
// every other universal type, strings and times included (X.690 10.2), is encoded primitive.
const CONSTRUCTED_UNIVERSAL = new Set([8, 11, 16, 17, 29]);

/** X.690 rules on a universal element's form and content, for the types these structures use. */
function checkUniversal(tlv: Tlv): void {
  const { tagNumber, content } = tlv;
  if (tagNumber === 0) throw new DerError('end-of-contents octets outside an indefinite length');
  if (tlv.constructed !== CONSTRUCTED_UNIVERSAL.has(tagNumber)) {
    throw new DerError(`universal tag ${tagNumber} in ${tlv.constructed ? 'constructed' : 'primitive'} form (X.690 8.9, 8.11, 10.2)`);
  }
  switch (tagNumber) {
    case 1: // X.690 8.2.1, 11.1
      if (content.length !== 1 || (content[0] !== 0 && content[0] !== 0xff)) throw new DerError('BOOLEAN other than 00 or ff (X.690 11.1)');
      return;
    case 2: // X.690 8.3.2 (INTEGER), 8.4 (ENUMERATED)
    case 10:
      checkInteger(content);
      return;
    case 3:
      checkBitString(content);
      return;
    case 5:
      if (content.length !== 0) throw new DerError('NULL with content (X.690 8.8.2)');
      return;
    case 6:
      decodeOid(content);
      return;
    case 23: // X.690 11.8: UTCTime YYMMDDHHMMSSZ
      if (!/^\d{12}Z$/.test(content.toString('latin1'))) throw new DerError('UTCTime not in the form YYMMDDHHMMSSZ (X.690 11.8)');
      return;
    case 24: // X.690 11.7: seconds present, Z, a fraction without trailing zeros
      if (!/^\d{14}(?:\.\d*[1-9])?Z$/.test(content.toString('latin1'))) throw new DerError('GeneralizedTime not in DER form (X.690 11.7)');
      return;
    default: {
      const decode = UNIVERSAL_STRING_TAGS[tlv.tag];
      if (decode !== undefined) decode(content);
    }
  }
}

/** X.690 8.3.2: at least one octet, and no leading octet that only repeats the sign. */
function checkInteger(content: Buffer): void {
  if (content.length === 0) throw new DerError('INTEGER without content octets (X.690 8.3.1)');
  if (content.length > 1 && ((content[0] === 0 && !(content[1]! & 0x80)) || (content[0] === 0xff && content[1]! & 0x80))) {
    throw new DerError('INTEGER not in its minimal encoding (X.690 8.3.2)');
  }
}

/** X.690 8.6.2 and 11.2.1: 0 to 7 unused bits, none when empty, and those bits zero. */
function checkBitString(content: Buffer): void {
  const unused = content[0];
  if (unused === undefined) throw new DerError('BIT STRING without its unused-bits octet (X.690 8.6.2)');
  if (unused > 7) throw new DerError('BIT STRING with more than 7 unused bits (X.690 8.6.2.2)');
  if (content.length === 1 && unused !== 0) throw new DerError('empty BIT STRING with unused bits (X.690 8.6.2.3)');
  if (content.length > 1 && content[content.length - 1]! & ((1 << unused) - 1)) {
    throw new DerError('BIT STRING with unused bits not set to zero (X.690 11.2.1)');
  }
}

/**
 * Decodes an OBJECT IDENTIFIER's content octets into dotted form. X.690 8.19.2: each subidentifier
 * in the fewest octets (no leading 0x80), the last octet of the value ending one. Arcs of any size
 * (UUID arcs under 2.25 are 128 bits) are read exactly, so two OIDs never decode to one string.
 */
export function decodeOid(content: Buffer): string {
  if (content.length === 0) throw new DerError('empty OID');
  if (content[content.length - 1]! & 0x80) throw new DerError('truncated OID');
  const arcs: bigint[] = [];
  let value = 0n;
  let start = true;
  for (const byte of content) {
    if (start && byte === 0x80) throw new DerError('OID subidentifier not in its minimal encoding (X.690 8.19.2)');
    value = (value << 7n) | BigInt(byte & 0x7f);
    start = !(byte & 0x80);
    if (start) {
      arcs.push(value);
      value = 0n;
    }
  }
  const first = arcs.shift()!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs].join('.');
}

// The character strings of X.680 section 41, with the alphabets of its Table 10 for the
// restricted ones: a value outside its type's alphabet is not a value of that type, and reading
// it anyway (as Latin-1, or UTF-8 with replacement characters) is how two decoders disagree.
const UNIVERSAL_STRING_TAGS: Record<number, (content: Buffer) => string> = {
  0x0c: decodeUtf8String,
  0x12: (c) => restricted(c, /^[0-9 ]*$/, 'NumericString'),
  0x13: (c) => restricted(c, /^[A-Za-z0-9 '()+,\-./:=?]*$/, 'PrintableString'),
  0x14: (c) => c.toString('latin1'), // TeletexString: in practice ISO 8859-1
  0x16: (c) => restricted(c, /^[\x00-\x7f]*$/, 'IA5String'),
  0x1a: (c) => restricted(c, /^[\x20-\x7e]*$/, 'VisibleString'),
  0x1c: decodeUniversalString,
  0x1e: decodeBmpString,
};

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8String(content: Buffer): string {
  try {
    return UTF8.decode(content);
  } catch {
    throw new DerError('UTF8String is not valid UTF-8');
  }
}

function restricted(content: Buffer, alphabet: RegExp, type: string): string {
  const text = content.toString('latin1');
  if (!alphabet.test(text)) throw new DerError(`${type} holds a character outside its alphabet (X.680 41.4)`);
  return text;
}

function decodeBmpString(content: Buffer): string {
  if (content.length % 2) throw new DerError('odd BMPString length');
  let out = '';
  for (let i = 0; i < content.length; i += 2) {
    const unit = content.readUInt16BE(i);
    // UCS-2: a surrogate code unit is not a character of the Basic Multilingual Plane.
    if (unit >= 0xd800 && unit <= 0xdfff) throw new DerError('BMPString holds a surrogate code unit');
    out += String.fromCharCode(unit);
  }
  return out;
}

function decodeUniversalString(content: Buffer): string {
  if (content.length % 4) throw new DerError('bad UniversalString length');
  let out = '';
  for (let i = 0; i < content.length; i += 4) {
    const point = content.readUInt32BE(i);
    if (point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) throw new DerError('UniversalString holds a value that is not a character');
    out += String.fromCodePoint(point);
  }
  return out;
}

/** The text of a universal string element, or `undefined` when `tlv` is not a string type. */
export function decodeString(tlv: Tlv): string | undefined {
  const decode = UNIVERSAL_STRING_TAGS[tlv.tag];
  return decode === undefined ? undefined : decode(tlv.content);
}
