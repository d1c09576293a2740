// Runs the HTTP WG's structured field tests (the JSON files of httpwg/structured-field-tests)
// against our RFC 8941 parser, src/intake/formats/structured-field.ts, which reads only what
// RFC 9440 needs: an Item that is a Byte Sequence (Client-Cert) and a List of them
// (Client-Cert-Chain). The suite lives outside the package, so this is a development aid, never
// part of `npm test` (test/intake/structured-field.fuzz.test.ts checks the parser there).
//
// For every Item and List test (Dictionaries are not used by RFC 9440):
// - a value that must fail is refused;
// - a value that must parse and holds only Byte Sequences gives exactly the expected bytes;
// - a value that must parse but holds another type is refused only for not being a Byte
//   Sequence, never as a syntax error;
// - Dates and Display Strings are RFC 9651 additions, which RFC 8941 (the syntax RFC 9440
//   names) does not have: values holding them count as values that must fail;
// - a `can_fail` value (a SHOULD of the RFC) may be refused for any reason, or must decode right.
//
// Usage: npm run conformance:sf -- <directory with the suite's *.json files> [--verbose]
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HeaderMalformedError } from '../src/errors.js';
import { parseByteSequenceItem, parseByteSequenceList } from '../src/intake/formats/structured-field.js';

interface Vector {
  name: string;
  raw?: string[];
  header_type: 'item' | 'list' | 'dictionary';
  expected?: unknown;
  must_fail?: boolean;
  can_fail?: boolean;
}

type Outcome = { kind: 'bytes'; value: Buffer[] } | { kind: 'refused'; reason: string };
type Expectation = { kind: 'fail'; why: string } | { kind: 'bytes'; value: Buffer[] } | { kind: 'type-refusal' };

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const directory = args.find((arg) => !arg.startsWith('--'));
if (directory === undefined) {
  process.stderr.write('usage: npm run conformance:sf -- <directory of the structured field test JSON files> [--verbose]\n');
  process.exit(2);
}

/** The refusal every non-byte-sequence value must get: the syntax was fine, the type was not. */
const TYPE_REFUSAL = /not a byte sequence/;
/** RFC 8941 bounds nothing; RFC 9440's chain cap is ours, applied above the parser. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

function parse(vector: Vector & { raw: string[] }): Outcome {
  // RFC 8941 section 4.2: field lines of one name are combined with commas.
  const text = vector.raw.join(', ');
  try {
    const value = vector.header_type === 'item'
      ? [parseByteSequenceItem(text, 'the test value')]
      : parseByteSequenceList(text, 'the test value', NO_LIMIT);
    return { kind: 'bytes', value };
  } catch (error) {
    if (!(error instanceof HeaderMalformedError)) throw error;
    return { kind: 'refused', reason: error.message };
  }
}

interface TypedValue { __type: string; value: unknown }
const typed = (value: unknown): value is TypedValue => typeof value === 'object' && value !== null && '__type' in value;

/** Every bare item of an expected structure, parameters included. */
function* bareItems(value: unknown): Generator<unknown> {
  if (Array.isArray(value)) for (const part of value) yield* bareItems(part);
  else yield value;
}

function expectation(vector: Vector): Expectation {
  if (vector.must_fail) return { kind: 'fail', why: 'must fail' };
  if ([...bareItems(vector.expected)].some((item) => typed(item) && (item.__type === 'date' || item.__type === 'displaystring'))) {
    return { kind: 'fail', why: 'RFC 9651 type' };
  }
  // Item: [bare, params]. List: members, each [bare, params] or an inner list [[items], params].
  const members = vector.header_type === 'item' ? [vector.expected] : vector.expected as unknown[];
  const bytes: Buffer[] = [];
  for (const member of members as [unknown, unknown][]) {
    const bare = member[0];
    if (Array.isArray(bare) || !typed(bare) || bare.__type !== 'binary') return { kind: 'type-refusal' };
    bytes.push(base32(String(bare.value)));
  }
  return { kind: 'bytes', value: bytes };
}

/** RFC 4648 section 6, as the suite writes bytes. */
function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let buffer = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, '')) {
    const index = alphabet.indexOf(char);
    if (index === -1) throw new Error(`not base32: ${text}`);
    buffer = (buffer << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

function sameBytes(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((value, index) => value.equals(b[index]!));
}

/** Whether our outcome agrees with the expectation; `null` when it is an accepted refusal of a SHOULD. */
function verdict(vector: Vector, expected: Expectation, outcome: Outcome): boolean | null {
  // A value is read whole before its types are checked: a type refusal of a value that must fail
  // means its syntax was accepted.
  if (expected.kind === 'fail') return outcome.kind === 'refused' && !(vector.must_fail && TYPE_REFUSAL.test(outcome.reason));
  const right = expected.kind === 'bytes'
    ? outcome.kind === 'bytes' && sameBytes(outcome.value, expected.value)
    : outcome.kind === 'refused' && TYPE_REFUSAL.test(outcome.reason);
  if (right) return true;
  return vector.can_fail && outcome.kind === 'refused' ? null : false;
}

const files = readdirSync(resolve(directory)).filter((file) => file.endsWith('.json')).sort();
if (files.length === 0) throw new Error(`no *.json files in ${directory}`);
const counts = new Map<string, number>();
const count = (label: string) => counts.set(label, (counts.get(label) ?? 0) + 1);
const disagreements: string[] = [];
let checked = 0;

for (const file of files) {
  const vectors = JSON.parse(readFileSync(join(resolve(directory), file), 'utf8')) as Vector[];
  for (const vector of vectors) {
    if (vector.raw === undefined || vector.header_type === 'dictionary') {
      count('not applicable (dictionary, or a serialisation-only test)');
      continue;
    }
    checked += 1;
    const expected = expectation(vector);
    const outcome = parse(vector as Vector & { raw: string[] });
    const agreed = verdict(vector, expected, outcome);
    const label = expected.kind === 'fail' ? expected.why : expected.kind === 'bytes' ? 'must parse: byte sequences' : 'must parse: other types';
    if (agreed === false) {
      count(`${label}: DISAGREES`);
      const got = outcome.kind === 'bytes' ? `bytes ${outcome.value.map((b) => b.toString('hex')).join(',')}` : outcome.reason;
      disagreements.push(`${file}: ${vector.name} (${label}) ${JSON.stringify(vector.raw)} -> ${got}`);
    } else {
      count(agreed === null ? `${label}: can_fail, refused` : `${label}: agrees`);
      if (verbose) process.stdout.write(`ok  ${file}: ${vector.name}\n`);
    }
  }
}

process.stdout.write(`${files.length} files, ${checked} item and list tests checked\n`);
for (const [label, n] of [...counts].sort(([a], [b]) => a.localeCompare(b))) process.stdout.write(`${String(n).padStart(6)}  ${label}\n`);
for (const line of disagreements) process.stdout.write(`DISAGREES ${line}\n`);
process.exitCode = disagreements.length === 0 ? 0 : 1;
