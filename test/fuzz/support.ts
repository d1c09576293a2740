// Shared parts of the property-based tests: how many cases, what counts as an acceptable outcome,
// and arbitraries that mutate valid inputs the way an attacker or a broken proxy would.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MtlsError, type MtlsErrorCode } from '../../src/errors.js';

/** Cases per property: 10,000 in `npm test`, more with FUZZ_RUNS (`npm run fuzz`). */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('FUZZ_RUNS must be a positive integer');

/**
 * One seed for every property of the run: fixed in `npm test`, so each run checks the same cases;
 * `FUZZ_SEED=random` (as `npm run fuzz` sets) explores new ones. Printed so that a failure can be
 * replayed with FUZZ_SEED=<seed>.
 */
export const SEED = process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED ?? 8705);
if (!Number.isInteger(SEED)) throw new Error('FUZZ_SEED must be an integer or "random"');
fc.configureGlobal({ seed: SEED });
console.log(`fuzz: seed ${SEED} (FUZZ_SEED=${SEED} replays it), ${RUNS} cases per property`);

/** Mocha timeout for a property of RUNS cases, scaled from the default 10,000. */
export const fuzzTimeout = (perTenThousandMs = 60_000) => Math.max(perTenThousandMs, Math.ceil((RUNS / 10_000) * perTenThousandMs));

/**
 * Ceiling for one input, checked by `npm run fuzz` (FUZZ_CEILING_MS) and not in `npm test`, which
 * makes no timing assertions. Not a speed check (that is `npm run bench`): an input that takes
 * this long means super-linear work (backtracking, quadratic loops) that an attacker can amplify.
 */
const CEILING_MS = Number(process.env.FUZZ_CEILING_MS ?? Infinity);

/** Runs `fn` on one input, and fails the property when it ran past the ceiling. */
export function withinCeiling<T>(fn: () => T): T {
  const started = performance.now();
  try {
    return fn();
  } finally {
    assert.ok(performance.now() - started < CEILING_MS, 'one input took longer than the ceiling');
  }
}

/**
 * Runs `fn` on one input and accepts only a result or a coded {@link MtlsError} whose code is in
 * `codes`; anything else (a TypeError, a RangeError, an uncoded Error) fails the property.
 */
export function outcome<T>(codes: ReadonlySet<MtlsErrorCode>, fn: () => T): T | MtlsError {
  return withinCeiling(() => {
    try {
      return fn();
    } catch (error) {
      return expectCoded(error, codes);
    }
  });
}

/** {@link outcome} for asynchronous checks. */
export async function outcomeAsync<T>(codes: ReadonlySet<MtlsErrorCode>, fn: () => Promise<T>): Promise<T | MtlsError> {
  const started = performance.now();
  try {
    return await fn();
  } catch (error) {
    return expectCoded(error, codes);
  } finally {
    assert.ok(performance.now() - started < CEILING_MS, 'one input took longer than the ceiling');
  }
}

function expectCoded(error: unknown, codes: ReadonlySet<MtlsErrorCode>): MtlsError {
  if (!(error instanceof MtlsError)) {
    assert.fail(`an uncoded ${error instanceof Error ? `${error.constructor.name}: ${error.message}` : typeof error} escaped`);
  }
  assert.ok(codes.has(error.code), `unexpected code ${error.code}: ${error.message}`);
  assert.ok(error.message.length > 0 && error.message.length < 2_000, 'the message is present and bounded');
  return error;
}

/** Characters that matter to the formats under test, plus the ones every decoder must refuse. */
const STRUCTURAL = [...':;,="\'%\\-+/_ \t\r\n\0()<>[]{}#&?.@*!~|^`', 'é', '\u2028', '\uFEFF', '\u{1F600}'];
const BASE64 = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'];

/** Short strings drawn mostly from structural and base64 characters. */
export const fragment = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...STRUCTURAL) },
    { weight: 3, arbitrary: fc.constantFrom(...BASE64) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }) },
  ),
  maxLength: 12,
});

/** A string edit: at a position (modulo the length), delete some characters and insert others. */
const edit = fc.tuple(fc.nat(), fc.nat({ max: 8 }), fragment);

/** Applies 1 to 6 random edits to one of `seeds`, or truncates, repeats or splices them. */
export function mutatedString(seeds: readonly string[]): fc.Arbitrary<string> {
  const seed = fc.constantFrom(...seeds);
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(seed, fc.array(edit, { minLength: 1, maxLength: 6 })).map(([text, edits]) => edits.reduce(applyEdit, text)) },
    { weight: 1, arbitrary: fc.tuple(seed, fc.nat()).map(([text, at]) => text.slice(0, at % (text.length + 1))) },
    { weight: 1, arbitrary: fc.tuple(seed, seed, fc.constantFrom('', ',', ';', ' ', '\n', ', ')).map(([a, b, glue]) => a + glue + b) },
    { weight: 1, arbitrary: fc.tuple(seed, fc.integer({ min: 2, max: 20 })).map(([text, times]) => text.repeat(times)) },
  );
}

function applyEdit(text: string, [at, remove, insert]: [number, number, string]): string {
  const position = at % (text.length + 1);
  return text.slice(0, position) + insert + text.slice(position + remove);
}

/** Applies bit flips, byte overwrites, truncation or insertion to one of `seeds`. */
export function mutatedBytes(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const seed = fc.constantFrom(...seeds);
  const byteEdit = fc.tuple(fc.nat(), fc.nat({ max: 255 }), fc.constantFrom('flip', 'set', 'insert', 'delete') as fc.Arbitrary<'flip' | 'set' | 'insert' | 'delete'>);
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(seed, fc.array(byteEdit, { minLength: 1, maxLength: 6 })).map(([bytes, edits]) => {
      let out = Buffer.from(bytes);
      for (const [at, value, kind] of edits) {
        const position = at % Math.max(1, out.length);
        if (kind === 'flip') out[position] = (out[position] ?? 0) ^ (1 << (value % 8));
        if (kind === 'set') out[position] = value;
        if (kind === 'insert') out = Buffer.concat([out.subarray(0, position), Buffer.from([value]), out.subarray(position)]);
        if (kind === 'delete') out = Buffer.concat([out.subarray(0, position), out.subarray(position + 1)]);
      }
      return out;
    }) },
    { weight: 1, arbitrary: fc.tuple(seed, fc.nat()).map(([bytes, at]) => bytes.subarray(0, at % (bytes.length + 1))) },
    { weight: 1, arbitrary: fc.tuple(seed, fc.uint8Array({ maxLength: 64 })).map(([bytes, tail]) => Buffer.concat([bytes, tail])) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)) },
  );
}
