// RFC 4518 string preparation checked against an implementation nobody here wrote the tables for:
// Python's standard library (RFC 3454's tables in `stringprep`, Unicode 3.2.0 in
// `unicodedata.ucd_3_2_0`), driven by test/support/rfc4518_reference.py. Every code point is
// compared alone, then generated strings under each matching rule (fixed, printed seed).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { MatchingRule } from '../../src/certificate/attributes.js';
import { prepareString } from '../../src/certificate/stringprep.js';

const REFERENCE = fileURLToPath(new URL('../support/rfc4518_reference.py', import.meta.url));
const SEED = Number(process.env.FUZZ_SEED ?? 4518);
const STRINGS = 4_000;

function reference(mode: 'codepoints' | 'strings', input?: unknown): unknown {
  try {
    return JSON.parse(execFileSync('python3', [REFERENCE, mode], {
      input: input === undefined ? '' : JSON.stringify(input),
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    }));
  } catch (cause) {
    throw new Error('the RFC 4518 reference needs python3 (3.8 or later) on PATH: apt-get install -y python3', { cause });
  }
}

// Characters chosen to exercise each step, beside any code point at all.
const INTERESTING = [
  ...'aZ09 -#=+,',
  '\u0131', '\u0130', '\u212a', '\u017f', '\u00df', '\ufb01', '\u03a3', '\u03c2', '\u0345', // case folding (B.2)
  '\u0430', '\u03bf', '\uff36', '\u2160', '\u00bd', '\u1d400', '\u{1d400}', // homoglyphs, NFKC
  '\u0301', '\u0308', '\u0327', '\u0e31', '\u20dd', // combining marks
  '\u1100', '\u1161', '\u11a8', '\uac00', // Hangul jamo: composition
  '\u{2f868}', '\u{2f874}', '\u{2f91f}', '\u{2f95f}', '\u{2f9bf}', '\uf951', // Unicode 3.2 NFKC quirks
  '\u00ad', '\u200b', '\u200d', '\u2060', '\ufeff', '\ufe0f', '\u180e', '\u034f', // mapped to nothing
  '\t', '\n', '\u0085', '\u00a0', '\u3000', '\u2028', '\u1680', // mapped to SPACE
  '\u0000', '\u0007', '\u009f', '\u202e', '\u{e0041}', // controls
  '\u058a', '\u2010', '\u2212', '\ufe63', '\uff0d', // hyphens
  '\ue000', '\ufffd', '\ufdd0', '\uffff', '\u0340', '\u206a', '\ud800', '\udc00', '\u0870', '\u{1f600}', '\u{10ffff}', // prohibited (C.3-C.8, A.1)
];
const character = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INTERESTING) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x10ffff }).map((codePoint) => String.fromCodePoint(codePoint)) },
);
const RULES: MatchingRule[] = ['caseIgnore', 'numericString', 'telephoneNumber'];

describe('certificate/stringprep against Python\'s Unicode 3.2 stringprep tables', function () {
  this.timeout(120_000);

  it('prepares every code point alone (0 to 10FFFF) as the reference does: mapping, case folding, NFKC, prohibition', () => {
    const expected = reference('codepoints') as { failed: number[]; changed: Record<string, string> };
    const failed: number[] = [];
    const changed: Record<string, string> = {};
    for (let codePoint = 0; codePoint <= 0x10ffff; codePoint += 1) {
      const char = String.fromCodePoint(codePoint);
      const out = prepareString(char, 'caseIgnore');
      if (out === undefined) {
        if (failed.length > 0 && failed.at(-1) === codePoint - 1) failed[failed.length - 1] = codePoint;
        else failed.push(codePoint, codePoint);
      } else if (out !== ` ${char} `) {
        changed[codePoint] = out;
      }
    }
    assert.deepEqual(failed, expected.failed);
    const differing = Object.keys({ ...changed, ...expected.changed }).filter((key) => changed[key] !== expected.changed[key]);
    assert.deepEqual(differing.slice(0, 20).map((key) => [Number(key).toString(16), changed[key], expected.changed[key]]), []);
  });

  it(`prepares ${STRINGS} generated strings under caseIgnore, numericString and telephoneNumber as the reference does (seed ${SEED})`, () => {
    const cases = fc.sample(fc.tuple(fc.constantFrom(...RULES), fc.array(character, { maxLength: 12 }).map((chars) => chars.join(''))), { seed: SEED, numRuns: STRINGS });
    const expected = reference('strings', cases) as (string | null)[];
    const mismatches = cases
      .map(([rule, value], index) => ({ rule, value, ours: prepareString(value, rule) ?? null, reference: expected[index] }))
      .filter((entry) => entry.ours !== entry.reference);
    assert.deepEqual(mismatches.slice(0, 10), [], `seed ${SEED}`);
  });
});
