import { ConfigurationError } from '../errors.js';
import { attributeName, attributeOid, matchingRule } from './attributes.js';
import { childrenOf, decodeOid, decodeString, DerError, parseTlv, type Tlv } from './der.js';
import { prepareString } from './stringprep.js';

/** One attribute of a relative distinguished name. */
export interface NameAttribute {
  /** Dotted OID of the attribute type. */
  readonly type: string;
  /** DER of the value when known: always for a certificate, for a string only when given as `#hex`. */
  readonly der?: Buffer;
  /** The value's text when it is a string (decoded from DER, or as written in RFC 4514 form). */
  readonly text?: string;
}

/**
 * A distinguished name as RDNs in ASN.1 order (the most significant, e.g. `C`, first), each RDN a
 * set of attributes. RFC 4514 strings list them the other way round.
 */
export type DistinguishedName = readonly (readonly NameAttribute[])[];

/**
 * Decodes an X.501 `Name` element into RDNs, keeping each value's DER: with the DER reader, because
 * name keys and `#hex` values need each value's bytes, which the asn1-x509 schema decodes away.
 */
export function decodeName(name: Tlv): DistinguishedName {
  if (name.tag !== 0x30) throw new DerError('a Name must be a SEQUENCE');
  return childrenOf(name).map((rdn) => {
    if (rdn.tag !== 0x31) throw new DerError('an RDN must be a SET');
    const attributes = childrenOf(rdn).map((pair) => {
      const [type, value, extra] = pair.tag === 0x30 ? childrenOf(pair) : [];
      if (type?.tag !== 0x06 || value === undefined || extra !== undefined) {
        throw new DerError('malformed AttributeTypeAndValue');
      }
      const text = decodeString(value);
      return text === undefined ? { type: decodeOid(type.content), der: value.bytes } : { type: decodeOid(type.content), der: value.bytes, text };
    });
    if (attributes.length === 0) throw new DerError('an RDN must not be empty');
    return attributes;
  });
}

/**
 * The canonical comparison key of a name: two names have equal keys exactly when they match
 * under RFC 4517 section 4.2.15 distinguishedNameMatch (same RDN count and order, each RDN equal
 * as a set, each value equal under its attribute's rule after RFC 4518 preparation).
 *
 * The key is JSON of nested arrays, so it is injective: no value, whatever characters it holds,
 * can produce the key of a name with other types, values or RDN boundaries. A value whose
 * preparation fails (a prohibited character) gets a key that equals no other, not even its own
 * next time: such a comparison is Undefined, never TRUE.
 */
export function nameKey(name: DistinguishedName): string {
  return JSON.stringify(name.map((rdn) => rdn.map(attributeKey).sort()));
}

let undefinedComparisons = 0;

function attributeKey(attribute: NameAttribute): string {
  if (attribute.text === undefined) return JSON.stringify([attribute.type, 'der', attribute.der!.toString('hex')]);
  const prepared = prepareString(attribute.text, matchingRule(attribute.type));
  if (prepared === undefined) return JSON.stringify([attribute.type, 'undefined', (undefinedComparisons += 1)]);
  return JSON.stringify([attribute.type, 'text', prepared]);
}

/**
 * Parses an RFC 4514 string (e.g. `CN=client,O=Bank,C=GB`) into a name in ASN.1 order.
 * Accepts short names or dotted OIDs (with an optional `OID.` prefix) for types, `\` escapes
 * (special characters and hex pairs), `#`-hex BER values, and spaces around `,` `+` `=`.
 * @throws {ConfigurationError} naming the position of the first problem.
 */
export function parseDistinguishedName(value: string): DistinguishedName {
  if (typeof value !== 'string') throw new ConfigurationError('a distinguished name must be a string');
  const parser = new Rfc4514Parser(value);
  return parser.parse();
}

class Rfc4514Parser {
  #pos = 0;
  readonly #input: string;

  constructor(input: string) {
    this.#input = input;
  }

  parse(): DistinguishedName {
    const rdns: NameAttribute[][] = [];
    if (this.#input.trim() === '') return rdns;
    for (;;) {
      const rdn: NameAttribute[] = [];
      for (;;) {
        rdn.push(this.#attribute());
        if (this.#peek() !== '+') break;
        this.#pos += 1;
      }
      rdns.push(rdn);
      if (this.#pos === this.#input.length) break;
      if (this.#peek() !== ',') this.#fail('expected "," or "+" between attributes');
      this.#pos += 1;
    }
    return rdns.reverse();
  }

  #peek(): string | undefined {
    return this.#input[this.#pos];
  }

  #fail(reason: string): never {
    throw new ConfigurationError(`invalid RFC 4514 distinguished name ${JSON.stringify(this.#input)} at position ${this.#pos}: ${reason}`);
  }

  #skipSpaces(): void {
    while (this.#peek() === ' ') this.#pos += 1;
  }

  #attribute(): NameAttribute {
    this.#skipSpaces();
    const match = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)/.exec(this.#input.slice(this.#pos));
    if (!match) this.#fail('expected an attribute type (a short name or a dotted OID)');
    let name = match[0];
    this.#pos += name.length;
    if (/^oid$/i.test(name) && this.#peek() === '.') {
      const oid = /^\.(\d+(?:\.\d+)+)/.exec(this.#input.slice(this.#pos));
      if (!oid) this.#fail('expected a dotted OID after "OID."');
      name = oid[1]!;
      this.#pos += oid[0].length;
    }
    const type = /^\d/.test(name) ? canonicalOid(name, () => this.#fail('invalid OID')) : attributeOid(name);
    if (type === undefined) this.#fail(`unknown attribute type "${name}" (use its dotted OID)`);
    this.#skipSpaces();
    if (this.#peek() !== '=') this.#fail('expected "="');
    this.#pos += 1;
    this.#skipSpaces();
    return this.#peek() === '#' ? this.#hexValue(type) : this.#stringValue(type);
  }

  #hexValue(type: string): NameAttribute {
    const match = /^#((?:[0-9A-Fa-f]{2})+)/.exec(this.#input.slice(this.#pos));
    if (!match) this.#fail('"#" must be followed by hex pairs');
    this.#pos += match[0].length;
    this.#skipSpaces();
    let element: Tlv;
    try {
      element = parseTlv(Buffer.from(match[1]!, 'hex'));
    } catch (cause) {
      this.#fail(`the "#" value is not one BER element (${(cause as Error).message})`);
    }
    const text = decodeString(element);
    return text === undefined ? { type, der: element.bytes } : { type, der: element.bytes, text };
  }

  #stringValue(type: string): NameAttribute {
    const bytes: number[] = [];
    let significantLength = 0; // bytes up to the last escaped or non-space character
    for (;;) {
      const char = this.#peek();
      if (char === undefined || char === ',' || char === '+') break;
      if (char === '\\') {
        const next = this.#input[this.#pos + 1];
        const pair = this.#input.slice(this.#pos + 1, this.#pos + 3);
        if (/^[0-9A-Fa-f]{2}$/.test(pair)) {
          bytes.push(parseInt(pair, 16));
          this.#pos += 3;
        } else if (next !== undefined && ' "#+,;<=>\\'.includes(next)) {
          bytes.push(next.charCodeAt(0));
          this.#pos += 2;
        } else {
          this.#fail('"\\" must be followed by a special character or two hex digits');
        }
        significantLength = bytes.length;
        continue;
      }
      if (char === '"' || char === ';' || char === '<' || char === '>' || char === '\u0000') {
        this.#fail(`the character ${JSON.stringify(char)} must be escaped`);
      }
      const codePoint = this.#input.codePointAt(this.#pos)!;
      const encoded = Buffer.from(String.fromCodePoint(codePoint), 'utf8');
      bytes.push(...encoded);
      this.#pos += codePoint > 0xffff ? 2 : 1;
      if (char !== ' ') significantLength = bytes.length;
    }
    const raw = Buffer.from(bytes.slice(0, significantLength));
    // ignoreBOM keeps a leading U+FEFF: it is part of the value, not a byte-order mark.
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    try {
      return { type, text: text.decode(raw) };
    } catch {
      this.#fail('escaped bytes are not valid UTF-8');
    }
  }
}

function canonicalOid(oid: string, fail: () => never): string {
  const arcs = oid.split('.');
  if (arcs.some((arc) => arc.length > 1 && arc.startsWith('0'))) fail();
  if (Number(arcs[0]) > 2) fail();
  return oid;
}

/**
 * The RFC 4514 string of a name: RDNs most specific first, registered short names where they
 * exist, otherwise the dotted OID with the value as `#` and the hex of its BER (section 2.4).
 */
export function formatDistinguishedName(name: DistinguishedName): string {
  return [...name].reverse().map((rdn) => rdn.map(formatAttribute).join('+')).join(',');
}

function formatAttribute(attribute: NameAttribute): string {
  const name = attributeName(attribute.type);
  // A value parsed from a string has no BER to print in hex form: it stays a string.
  if (attribute.der !== undefined && (name === undefined || attribute.text === undefined)) {
    return `${name ?? attribute.type}=#${attribute.der.toString('hex')}`;
  }
  return `${name ?? attribute.type}=${escapeValue(attribute.text ?? '')}`;
}

/** RFC 4514 section 2.4 escaping of a string value. */
export function escapeValue(text: string): string {
  let out = '';
  const last = text.length - 1;
  for (let i = 0; i <= last; i += 1) {
    const c = text[i]!;
    if ('"+,;<>\\'.includes(c)) out += `\\${c}`;
    else if (c === '\u0000') out += '\\00';
    else if ((i === 0 && (c === ' ' || c === '#')) || (i === last && c === ' ')) out += `\\${c}`;
    else out += c;
  }
  return out;
}
