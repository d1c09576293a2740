import { ConfigurationError } from '../errors.js';

/**
 * The one options validator: every factory of the package checks its options with these, once, at
 * construction, so that a mistake is refused with the same kind of message everywhere: the full
 * dotted path of the option and what to write instead. Durations are seconds throughout, as in
 * node-oidc-provider; callers that need milliseconds multiply the validated value.
 */

/**
 * Seconds of clock skew tolerated by default where a time is compared with a date in a token or a
 * proof, and how long past `exp` the host still accepts a stored one: node-oidc-provider's own
 * `clockTolerance` default. Certificate dates have none by default (`CERTIFICATE_CLOCK_TOLERANCE`).
 */
export const DEFAULT_CLOCK_TOLERANCE = 15;

/** `parent.key`, or `key` at the top level. */
export function optionPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** Throws the package's configuration error for the option at `path`. */
export function invalid(path: string, problem: string): never {
  throw new ConfigurationError(`${path} ${problem}`);
}

/** The value as a plain options object, or a refusal naming `path`. */
export function optionsObject(value: unknown, path: string, shape = 'an object'): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid(path, `must be ${shape}`);
  return value as Record<string, unknown>;
}

/**
 * Refuses keys of `value` that are not in `known`, naming the full dotted path and the closest
 * known key. A misspelt option is never ignored: `revokation` would otherwise turn revocation off
 * without a word. `owner` (e.g. `createMtls`) is named for top-level options.
 */
export function onlyKnownKeys(value: object, known: readonly string[], path: string, owner?: string): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    const where = owner === undefined ? '' : ` of ${owner}`;
    const hint = near === undefined ? ` (known: ${known.join(', ')})` : ` (did you mean ${optionPath(path, near)}?)`;
    throw new ConfigurationError(`${optionPath(path, key)} is not an option${where}${hint}`);
  }
}

/** A boolean option. */
export function booleanOption(value: unknown, fallback: boolean, path: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') invalid(path, 'must be a boolean');
  return value;
}

/** One of `choices`. */
export function choiceOption<T extends string>(value: unknown, fallback: T, choices: readonly T[], path: string): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) {
    const quoted = choices.map((choice) => `'${choice}'`);
    invalid(path, quoted.length === 2 ? `must be ${quoted[0]} or ${quoted[1]}` : `must be one of ${quoted.join(', ')}`);
  }
  return value as T;
}

/** Bounds of a number option; `unit` is named in the message (`seconds`, `bytes`, ...). */
interface NumberRule {
  /** Smallest value allowed. @default 0 */
  min?: number;
  /** Whether `min` itself is refused (a positive number). @default false */
  exclusive?: boolean;
  /** Largest value allowed. @default none */
  max?: number;
  /** Whole numbers only. @default false */
  integer?: boolean;
  unit?: string;
}

/** A finite number within `rule`. */
export function numberOption(value: unknown, fallback: number, path: string, rule: NumberRule = {}): number {
  if (value === undefined) return fallback;
  const { min = 0, exclusive = false, max, integer = false, unit } = rule;
  const ok = typeof value === 'number' && Number.isFinite(value) && (exclusive ? value > min : value >= min)
    && (max === undefined || value <= max) && (!integer || Number.isInteger(value));
  if (!ok) invalid(path, `must be ${describe(min, exclusive, max, integer, unit)}`);
  return value as number;
}

/**
 * A duration in seconds (fractions allowed: 0.3 is 300 ms), as every duration option of the
 * package is. `positive` refuses 0. Above `max`, the message says how to write a value that was
 * meant as milliseconds (the unit of some options before 0.2).
 */
export function secondsOption(value: unknown, fallback: number, path: string, rule: { positive?: boolean; max?: number } = {}): number {
  if (value === undefined) return fallback;
  const positive = rule.positive ?? false;
  if (typeof value !== 'number' || !Number.isFinite(value) || (positive ? value <= 0 : value < 0)) {
    invalid(path, `must be a ${positive ? 'positive' : 'non-negative'} number of seconds (fractions allowed, e.g. 0.5)`);
  }
  if (rule.max !== undefined && value > rule.max) {
    invalid(path, `must be at most ${rule.max} seconds; durations are in seconds (write ${value / 1000} for ${value} ms)`);
  }
  return value;
}

function describe(min: number, exclusive: boolean, max: number | undefined, integer: boolean, unit: string | undefined): string {
  const kind = integer ? 'integer' : 'number';
  const noun = unit === undefined ? kind : `${kind} ${integer ? 'number ' : ''}of ${unit}`;
  const article = integer ? 'an' : 'a';
  if (max !== undefined) return `${article} ${noun} from ${min}${exclusive ? ' (exclusive)' : ''} to ${max}`;
  if (min === 0) return exclusive ? `a positive ${noun}` : `a non-negative ${noun}`;
  return `${article} ${noun} ${exclusive ? 'above' : 'of at least'} ${min}`;
}

/** The known key nearest to `key` (case, one or two typos), if one is near enough to suggest. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

// Levenshtein distance with transpositions, small strings only (option names).
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j += 1) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = value;
    }
  }
  return rows[a.length]![b.length]!;
}
