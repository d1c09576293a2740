// The RFC 8941 parser against values generated from the RFC's own grammar (section 3): byte
// sequences come back byte for byte whatever parameters and whitespace surround them, any other
// valid value is refused only for its type, and values broken in known ways are refused. The HTTP
// WG's test suite is run on top by `npm run conformance:sf -- <dir>` (it is not in this package).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HeaderMalformedError } from '../../src/errors.js';
import { parseByteSequenceItem, parseByteSequenceList } from '../../src/intake/formats/structured-field.js';
import { fuzzTimeout, RUNS } from '../fuzz/support.js';

const WHAT = 'the test field';
const LIMIT = 64;

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const sign = fc.constantFrom('', '-');
const integer = fc.tuple(sign, digits(1, 15)).map(([s, d]) => s + d);
const decimal = fc.tuple(sign, digits(1, 12), digits(1, 3)).map(([s, i, f]) => `${s}${i}.${f}`);
const stringChar = fc.oneof(
  fc.constantFrom(...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).filter((c) => c !== '"' && c !== '\\')),
  fc.constantFrom('\\"', '\\\\'),
);
const string = fc.array(stringChar, { maxLength: 20 }).map((chars) => `"${chars.join('')}"`);
const token = fc.stringMatching(/^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]{0,12}$/);
const boolean = fc.constantFrom('?0', '?1');
const key = fc.stringMatching(/^[a-z*][a-z0-9_\-.*]{0,8}$/);

/** A byte sequence and its bytes; RFC 8941 section 4.2.7 lets the padding be left out. */
const binary = fc.tuple(fc.uint8Array({ maxLength: 48 }), fc.boolean()).map(([bytes, padded]) => {
  const text = Buffer.from(bytes).toString('base64');
  return { text: `:${padded ? text : text.replace(/=+$/, '')}:`, bytes: Buffer.from(bytes) };
});
const otherBare = fc.oneof(integer, decimal, string, token, boolean);
const anyBare = fc.oneof(otherBare, binary.map((b) => b.text));

const spaces = (max: number) => fc.string({ unit: fc.constant(' '), maxLength: max });
const ows = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 2 });
const parameter = fc.tuple(spaces(2), key, fc.option(anyBare, { nil: undefined }))
  .map(([sp, k, value]) => `;${sp}${k}${value === undefined ? '' : `=${value}`}`);
const parameters = fc.array(parameter, { maxLength: 3 }).map((list) => list.join(''));

const binaryItem = fc.tuple(binary, parameters).map(([b, params]) => ({ text: b.text + params, bytes: b.bytes }));
const otherItem = fc.tuple(otherBare, parameters).map(([bare, params]) => bare + params);
const innerList = fc.tuple(spaces(2), fc.array(fc.tuple(fc.oneof(otherItem, binaryItem.map((i) => i.text)), spaces(1)), { maxLength: 3 }), spaces(2), parameters)
  .map(([lead, items, trail, params]) => `(${lead}${items.map(([item, sp]) => item + sp).join(' ')}${trail})${params}`);

const join = (members: readonly string[], separators: readonly string[]) =>
  members.map((member, i) => (i === 0 ? member : `${separators[i % separators.length]}${member}`)).join('');
const separator = fc.tuple(ows, ows).map(([a, b]) => `${a},${b}`);

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof HeaderMalformedError, String(error));
    return error.message;
  }
  return assert.fail('the value was accepted');
}

describe('RFC 8941 byte sequence parser, on values generated from the grammar', function () {
  this.timeout(fuzzTimeout());

  it('an Item that is a byte sequence gives its bytes, whatever its parameters and surrounding spaces', () => {
    fc.assert(fc.property(binaryItem, spaces(3), spaces(3), (item, lead, trail) => {
      assert.deepEqual(parseByteSequenceItem(`${lead}${item.text}${trail}`, WHAT), item.bytes);
    }), { numRuns: RUNS });
  });

  it('a List of byte sequences gives their bytes in order, whatever the whitespace around commas', () => {
    fc.assert(fc.property(fc.array(binaryItem, { maxLength: 6 }), fc.array(separator, { minLength: 1, maxLength: 3 }), spaces(2), (items, separators, lead) => {
      const parsed = parseByteSequenceList(lead + join(items.map((i) => i.text), separators), WHAT, LIMIT);
      assert.deepEqual(parsed, items.map((i) => i.bytes));
    }), { numRuns: RUNS });
  });

  it('a valid Item or List holding any other type is refused for its type only, never as a syntax error', () => {
    fc.assert(fc.property(otherItem, (item) => {
      assert.match(refusal(() => parseByteSequenceItem(item, WHAT)), /the item is not a byte sequence/);
    }), { numRuns: RUNS });
    fc.assert(fc.property(
      fc.array(binaryItem.map((i) => i.text), { maxLength: 3 }),
      fc.oneof(otherItem, innerList),
      fc.array(fc.oneof(binaryItem.map((i) => i.text), otherItem, innerList), { maxLength: 3 }),
      fc.array(separator, { minLength: 1, maxLength: 3 }),
      (before, other, after, separators) => {
        const text = join([...before, other, ...after], separators);
        assert.match(refusal(() => parseByteSequenceList(text, WHAT, LIMIT)), /a list member is not a byte sequence/);
      },
    ), { numRuns: RUNS });
  });

  it('refuses byte sequences and lists broken in ways the grammar forbids', () => {
    const broken = fc.oneof(
      // base64 characters only inside the colons: no base64url, no whitespace, no dots
      fc.tuple(binaryItem, fc.nat(), fc.constantFrom('-', '_', ' ', '.', '\t', '"')).map(([item, at, bad]) => {
        const end = item.text.indexOf(':', 1);
        const position = 1 + (at % end);
        return item.text.slice(0, position) + bad + item.text.slice(position);
      }),
      // a parameter key starts with a lowercase letter or "*"
      fc.tuple(binaryItem, fc.constantFrom('A', '1', '-', '_', '.')).map(([item, bad]) => `${item.text};${bad}x=1`),
      // the closing colon is required
      binary.map((b) => b.text.slice(0, -1)),
      // one Item only: a second member is trailing input
      fc.tuple(binaryItem, separator, binaryItem).map(([a, sep, b]) => `${a.text}${sep}${b.text}`),
    );
    fc.assert(fc.property(broken, (text) => {
      assert.doesNotMatch(refusal(() => parseByteSequenceItem(text, WHAT)), /not a byte sequence/);
    }), { numRuns: RUNS });
    const brokenList = fc.oneof(
      fc.array(binaryItem, { minLength: 1, maxLength: 3 }).map((items) => `${items.map((i) => i.text).join(', ')},`),
      fc.array(binaryItem, { minLength: 1, maxLength: 3 }).map((items) => `,${items.map((i) => i.text).join(', ')}`),
      fc.tuple(binaryItem, binaryItem).map(([a, b]) => `${a.text} ${b.text}`),
      fc.tuple(innerList, fc.constantFrom(',', '(', ';')).map(([inner, bad]) => inner.replace(/^\(/, `(${bad}`)),
    );
    fc.assert(fc.property(brokenList, (text) => {
      assert.doesNotMatch(refusal(() => parseByteSequenceList(text, WHAT, LIMIT)), /not a byte sequence/);
    }), { numRuns: RUNS });
  });

  it('stops at the member limit', () => {
    const members = Array.from({ length: 5 }, () => ':AAAA:').join(', ');
    assert.equal(parseByteSequenceList(members, WHAT, 5).length, 5);
    assert.throws(() => parseByteSequenceList(members, WHAT, 4), (error: unknown) => error instanceof HeaderMalformedError && error.code === 'ERR_MTLS_HEADER_TOO_LARGE');
  });
});
