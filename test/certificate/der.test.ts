// The strict DER reader against X.690 (08/2021) sections 8, 10 and 11, one rule at a time with
// hand-made encodings (each refusal next to the DER form it must accept), then a property: over
// generated ASN.1 trees written by an encoder that may pick any BER form the rules allow, the
// reader accepts exactly the encodings in which every choice was the DER one.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeOid, decodeString, DerError, parseTlv } from '../../src/certificate/der.js';
import { hex, lengthOctets, tlv } from '../support/der.js';
import { RUNS } from '../fuzz/support.js';

const accepts = (bytes: Buffer): void => {
  parseTlv(bytes);
};
function refuses(bytes: Buffer, reason: RegExp): void {
  assert.throws(() => parseTlv(bytes), (error: unknown) => error instanceof DerError && reason.test(error.message));
}

describe('der: strict DER (X.690 sections 8, 10, 11)', () => {
  describe('length octets (10.1)', () => {
    it('accepts the short form below 128 and the long form from 128', () => {
      accepts(hex('04 01 aa'));
      accepts(Buffer.concat([hex('04 81 80'), Buffer.alloc(128)]));
      accepts(Buffer.concat([hex('04 82 01 00'), Buffer.alloc(256)]));
    });
    it('refuses the long form for a length the short form holds', () => {
      refuses(hex('04 81 01 aa'), /long-form length/);
      refuses(hex('04 81 00'), /leading zero|long-form length/);
    });
    it('refuses a long form with a leading zero octet', () => {
      refuses(Buffer.concat([hex('04 82 00 80'), Buffer.alloc(128)]), /leading zero/);
    });
    it('refuses the indefinite form, primitive or constructed', () => {
      refuses(hex('04 80 aa 00 00'), /indefinite/);
      refuses(hex('30 80 05 00 00 00'), /indefinite/);
    });
    it('refuses a length past the end of its container, and trailing bytes', () => {
      refuses(hex('04 02 aa'), /longer than its container/);
      refuses(hex('05 00 00'), /trailing bytes/);
      refuses(hex('30 03 05 00 00'), /truncated/);
    });
    it('refuses a non-minimal length nested anywhere, not only at the top', () => {
      accepts(hex('30 05 30 03 04 01 aa'));
      refuses(hex('30 06 30 04 04 81 01 aa'), /long-form length/);
    });
  });

  describe('identifier octets (8.1.2)', () => {
    it('takes the high-tag-number form only for tag numbers above 30, in the fewest octets', () => {
      refuses(hex('1f 02 01 00'), /high-tag-number form for tag number 2/); // INTEGER written in high form
      refuses(hex('9f 1e 00'), /high-tag-number form for tag number 30/);
      refuses(hex('9f 80 9f 00'), /leading 0x80/);
      refuses(hex('9f 81'), /truncated/);
      refuses(hex('9f 81 80 80 80 00 00'), /oversized tag number/);
      assert.equal(parseTlv(hex('9f 1f 00')).tagNumber, 31);
      assert.equal(parseTlv(hex('bf 81 00 02 05 00')).tagNumber, 128);
    });
    it('refuses end-of-contents octets as an element', () => {
      refuses(hex('00 00'), /end-of-contents/);
    });
    it('refuses SEQUENCE and SET in primitive form', () => {
      refuses(hex('10 00'), /primitive form/);
      refuses(hex('11 00'), /primitive form/);
    });
  });

  describe('constructed forms of primitive types (10.2)', () => {
    for (const [name, tag] of [['OCTET STRING', 0x24], ['BIT STRING', 0x23], ['UTF8String', 0x2c], ['PrintableString', 0x33], ['IA5String', 0x36], ['UTCTime', 0x37], ['INTEGER', 0x22]] as const) {
      it(`refuses a constructed ${name}`, () => {
        refuses(tlv(tag, tlv(tag & 0x1f, [0x61])), /constructed form/);
      });
    }
  });

  describe('BOOLEAN (8.2, 11.1)', () => {
    it('accepts 00 and ff only', () => {
      accepts(hex('01 01 00'));
      accepts(hex('01 01 ff'));
      refuses(hex('01 01 01'), /BOOLEAN/);
      refuses(hex('01 01 7f'), /BOOLEAN/);
      refuses(hex('01 02 00 00'), /BOOLEAN/);
      refuses(hex('01 00'), /BOOLEAN/);
    });
  });

  describe('INTEGER and ENUMERATED (8.3, 8.4)', () => {
    it('accepts minimal two\'s complement', () => {
      for (const value of ['02 01 00', '02 01 7f', '02 02 00 80', '02 01 ff', '02 01 80', '02 02 ff 7f', '0a 01 01']) accepts(hex(value));
    });
    it('refuses a leading octet that only repeats the sign, and an empty one', () => {
      refuses(hex('02 02 00 7f'), /minimal/);
      refuses(hex('02 02 00 00'), /minimal/);
      refuses(hex('02 02 ff 80'), /minimal/);
      refuses(hex('02 03 00 00 80'), /minimal/);
      refuses(hex('0a 02 00 01'), /minimal/);
      refuses(hex('02 00'), /without content/);
    });
  });

  describe('BIT STRING (8.6, 11.2)', () => {
    it('accepts an empty string and zero unused bits', () => {
      accepts(hex('03 01 00'));
      accepts(hex('03 02 07 80'));
      accepts(hex('03 03 00 ff ff'));
    });
    it('refuses unused bits in an empty string, more than 7, or set to one', () => {
      refuses(hex('03 01 01'), /empty BIT STRING/);
      refuses(hex('03 02 08 00'), /more than 7/);
      refuses(hex('03 02 07 c0'), /not set to zero/);
      refuses(hex('03 02 01 01'), /not set to zero/);
      refuses(hex('03 00'), /unused-bits octet/);
    });
  });

  describe('NULL (8.8)', () => {
    it('accepts no content only', () => {
      accepts(hex('05 00'));
      refuses(hex('05 01 00'), /NULL/);
    });
  });

  describe('OBJECT IDENTIFIER (8.19)', () => {
    it('decodes the minimal encoding', () => {
      assert.equal(decodeOid(hex('55 1d 0f')), '2.5.29.15');
      assert.equal(decodeOid(hex('2a 86 48 86 f7 0d 01 01 0b')), '1.2.840.113549.1.1.11');
      assert.equal(decodeOid(hex('81 00')), '2.48');
    });
    it('refuses a subidentifier with a leading 0x80, in the first arc or any other', () => {
      refuses(hex('06 03 55 80 1d'), /minimal/);
      refuses(hex('06 04 80 80 01 02'), /minimal/);
      refuses(hex('06 03 80 55 1d'), /minimal/);
      assert.throws(() => decodeOid(hex('2a 86 48 80 86 f7 0d')), /minimal/);
    });
    it('refuses an empty or truncated OID', () => {
      refuses(hex('06 00'), /empty OID/);
      refuses(hex('06 02 55 84'), /truncated OID/);
    });
    it('reads arcs beyond 2^53 exactly (UUID OIDs under 2.25), so two OIDs never read alike', () => {
      const uuid = 0xf81d4fae7dec11d0a76500a0c91e6bf6n;
      const encode = (value: bigint): number[] => {
        const out = [Number(value & 0x7fn)];
        for (let rest = value >> 7n; rest > 0n; rest >>= 7n) out.unshift(Number(rest & 0x7fn) | 0x80);
        return out;
      };
      assert.equal(decodeOid(Buffer.from([0x69, ...encode(uuid)])), `2.25.${uuid}`);
      assert.notEqual(decodeOid(Buffer.from([0x69, ...encode(2n ** 60n)])), decodeOid(Buffer.from([0x69, ...encode(2n ** 60n + 1n)])));
    });
  });

  describe('UTCTime and GeneralizedTime (11.7, 11.8)', () => {
    const time = (tag: number, text: string) => tlv(tag, Buffer.from(text, 'latin1'));
    it('accepts Z-terminated times with seconds, and a fraction without trailing zeros', () => {
      accepts(time(0x17, '260101120000Z'));
      accepts(time(0x18, '20260101120000Z'));
      accepts(time(0x18, '20260101120000.5Z'));
    });
    it('refuses missing seconds, offsets, local time, and fractions ending in zero or empty', () => {
      refuses(time(0x17, '2601011200Z'), /UTCTime/);
      refuses(time(0x17, '260101120000+0100'), /UTCTime/);
      refuses(time(0x18, '202601011200Z'), /GeneralizedTime/);
      refuses(time(0x18, '20260101120000'), /GeneralizedTime/);
      refuses(time(0x18, '20260101120000.50Z'), /GeneralizedTime/);
      refuses(time(0x18, '20260101120000.Z'), /GeneralizedTime/);
      refuses(time(0x18, '20260101120000,5Z'), /GeneralizedTime/);
    });
  });

  describe('character strings (X.680 41)', () => {
    it('refuses a UTF8String that is not UTF-8 (invalid, overlong, surrogate), instead of reading replacement characters', () => {
      accepts(tlv(0x0c, Buffer.from('\u00e9\u{1f600}', 'utf8')));
      refuses(hex('0c 01 ff'), /UTF-8/);
      refuses(hex('0c 02 c0 af'), /UTF-8/);
      refuses(hex('0c 03 ed a0 80'), /UTF-8/);
      refuses(hex('0c 01 c3'), /UTF-8/);
    });
    it('keeps a leading U+FEFF in a UTF8String: it is a character, not a byte-order mark', () => {
      assert.equal(decodeString(parseTlv(tlv(0x0c, Buffer.from('\ufeffa', 'utf8')))), '\ufeffa');
    });
    it('holds restricted strings to their alphabets', () => {
      accepts(tlv(0x13, Buffer.from("Az09 '()+,-./:=?")));
      refuses(tlv(0x13, Buffer.from('a@b')), /PrintableString/);
      refuses(tlv(0x13, Buffer.from([0xe9])), /PrintableString/);
      refuses(tlv(0x13, Buffer.from('a*')), /PrintableString/);
      accepts(tlv(0x12, Buffer.from('0 9')));
      refuses(tlv(0x12, Buffer.from('1a')), /NumericString/);
      accepts(tlv(0x16, Buffer.from('a@b.example')));
      refuses(tlv(0x16, Buffer.from([0x61, 0x80])), /IA5String/);
      refuses(tlv(0x1a, Buffer.from([0x61, 0x0a])), /VisibleString/);
    });
    it('refuses BMPString and UniversalString values that are not characters', () => {
      assert.equal(decodeString(parseTlv(hex('1e 02 00 e9'))), '\u00e9');
      refuses(hex('1e 01 00'), /odd BMPString/);
      refuses(hex('1e 02 d8 00'), /surrogate/);
      assert.equal(decodeString(parseTlv(hex('1c 04 00 01 f6 00'))), '\u{1f600}');
      refuses(hex('1c 03 00 00 61'), /UniversalString/);
      refuses(hex('1c 04 00 11 00 00'), /not a character/);
      refuses(hex('1c 04 00 00 d8 00'), /not a character/);
    });
  });

  describe('SET OF order (11.6)', () => {
    it('accepts ascending encodings (shorter padded with zeros) and refuses any other order', () => {
      accepts(hex('31 06 02 01 01 02 01 02'));
      accepts(hex('31 07 04 01 61 04 02 61 00')); // 04 01 61 00 (padded) <= 04 02 61 00
      refuses(hex('31 06 02 01 02 02 01 01'), /SET OF/);
      refuses(hex('31 08 30 03 02 01 02 30 01 05'), /SET OF/); // 30 03 .. sorts after 30 01 ..
    });
  });

  describe('property: only the DER encoding of a value is accepted', () => {
    // A value tree, and an encoder that may choose, at every element, one BER liberty X.690
    // allows and DER forbids. The reader must accept exactly the trees encoded without any.
    type Node = { tag: number; content: Buffer } | { tag: number; children: Node[] };
    type Liberty = 'none' | 'long-length' | 'padded-length' | 'padded-integer' | 'padded-arc' | 'boolean-01' | 'constructed-string';

    const primitive: fc.Arbitrary<Node> = fc.oneof(
      fc.integer({ min: -100_000, max: 100_000 }).map((value) => ({ tag: 0x02, content: integerContent(value) })),
      fc.boolean().map((value) => ({ tag: 0x01, content: Buffer.from([value ? 0xff : 0]) })),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ tag: 0x04, content: Buffer.from(bytes) })),
      fc.array(fc.integer({ min: 0, max: 70_000 }), { minLength: 1, maxLength: 5 }).map((arcs) => ({ tag: 0x06, content: oidContent([2, ...arcs]) })),
      fc.string({ maxLength: 20 }).map((text) => ({ tag: 0x0c, content: Buffer.from(text.replace(/[\ud800-\udfff]/g, 'x'), 'utf8') })),
      fc.constant({ tag: 0x05, content: Buffer.alloc(0) }),
    );
    const tree = fc.letrec<{ node: Node }>((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, primitive, fc.array(tie('node'), { maxLength: 4 }).map((children) => ({ tag: 0x30, children }))),
    })).node;
    const liberties = fc.array(fc.constantFrom<Liberty>('none', 'none', 'none', 'none', 'long-length', 'padded-length', 'padded-integer', 'padded-arc', 'boolean-01', 'constructed-string'), { minLength: 64, maxLength: 64 });

    it(`accepts a tree exactly when every element took the DER form (${RUNS} cases, seed 11)`, () => {
      const seen = { der: 0, ber: 0 };
      fc.assert(fc.property(tree, liberties, (root, choices) => {
        let index = 0;
        let liberal = false;
        const encode = (node: Node): Buffer => {
          const choice = choices[index++ % choices.length]!;
          const content = 'children' in node ? Buffer.concat(node.children.map(encode)) : node.content;
          const applied = applyLiberty(node.tag, content, choice);
          if (applied !== undefined) {
            liberal = true;
            return applied;
          }
          return tlv(node.tag, content);
        };
        const bytes = encode(root);
        let accepted = true;
        try {
          parseTlv(bytes);
        } catch (error) {
          assert.ok(error instanceof DerError, String(error));
          accepted = false;
        }
        assert.equal(accepted, !liberal, bytes.toString('hex'));
        seen[liberal ? 'ber' : 'der'] += 1;
      }), { numRuns: RUNS, seed: 11 });
      // Both sides of the property were exercised, not one.
      assert.ok(seen.der > RUNS / 10 && seen.ber > RUNS / 10, JSON.stringify(seen));
    });

    /** The non-DER encoding `choice` gives this element, or `undefined` when it does not apply. */
    function applyLiberty(tag: number, content: Buffer, choice: Liberty): Buffer | undefined {
      switch (choice) {
        case 'long-length': // long form for a length the short form holds (10.1)
          return content.length < 0x80 ? Buffer.concat([Buffer.from([tag, 0x81, content.length]), content]) : undefined;
        case 'padded-length': { // a leading zero octet in the long form (10.1)
          const octets = lengthOctets(content.length);
          const size = octets[0]! & 0x80 ? octets.subarray(1) : octets;
          return Buffer.concat([Buffer.from([tag, 0x80 | (size.length + 1), 0]), size, content]);
        }
        case 'padded-integer': // a sign-repeating leading octet (8.3.2)
          return tag === 0x02 ? tlv(tag, [content[0]! & 0x80 ? 0xff : 0], content) : undefined;
        case 'padded-arc': // a leading 0x80 in the last subidentifier (8.19.2)
          if (tag !== 0x06) return undefined;
          return tlv(tag, content.subarray(0, lastArcStart(content)), [0x80], content.subarray(lastArcStart(content)));
        case 'boolean-01': // TRUE as 01 (11.1)
          return tag === 0x01 && content[0] === 0xff ? tlv(tag, [0x01]) : undefined;
        case 'constructed-string': // one primitive segment inside a constructed string (10.2)
          return tag === 0x04 || tag === 0x0c ? tlv(tag | 0x20, tlv(tag, content)) : undefined;
        default:
          return undefined;
      }
    }
  });
});

function integerContent(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest & 0xff);
    rest >>= 8;
  } while (!((rest === 0 && !(bytes[0]! & 0x80)) || (rest === -1 && bytes[0]! & 0x80)));
  return Buffer.from(bytes);
}

function oidContent(arcs: number[]): Buffer {
  const [first, second, ...rest] = arcs;
  const out: number[] = [];
  for (const value of [first! * 40 + second!, ...rest]) {
    const group = [value & 0x7f];
    for (let left = Math.floor(value / 128); left > 0; left = Math.floor(left / 128)) group.unshift((left & 0x7f) | 0x80);
    out.push(...group);
  }
  return Buffer.from(out);
}

function lastArcStart(content: Buffer): number {
  let start = content.length - 1;
  while (start > 0 && content[start - 1]! & 0x80) start -= 1;
  return start;
}
