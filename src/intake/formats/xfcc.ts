import { HeaderMalformedError } from '../../errors.js';

/** One XFCC element: the key-value pairs one proxy appended, keys lowercased, in order. */
type XfccElement = ReadonlyArray<readonly [key: string, value: string]>;

/** Keys Envoy documents for `x-forwarded-client-cert`; only these may repeat where noted. */
const KNOWN_KEYS = new Set(['by', 'hash', 'cert', 'chain', 'subject', 'uri', 'dns']);
const REPEATABLE = new Set(['by', 'uri', 'dns']);

/**
 * Splits an Envoy `x-forwarded-client-cert` value into its elements. As Envoy documents it:
 * elements are separated by `,`, key-value pairs by `;`, a key from its value by `=`; keys are
 * case-insensitive; a value containing `,`, `;` or `=` is double-quoted, with `\"` for a quote.
 * Inside quotes a backslash always takes the next character with it, so no escaped character
 * ends the value: Envoy copies the subject DN between the quotes as RFC 2253 text, whose own
 * escapes (`\"`, `\\`, `\,`, `\+`, `\C3`...) pair every backslash with what follows. `\"` and
 * `\\` decode to the character; other pairs are kept as written. A backslash with nothing after
 * it, a missing closing quote, or anything but a separator after one is refused. An unquoted
 * value may hold `\"` too (the documented escape applies to every value), never a bare `"` or `=`.
 * Whitespace around separators is tolerated because a second header line, joined by Node with
 * `, `, adds it. `limit` bounds the number of elements parsed.
 */
export function parseXfcc(text: string, what: string, limit: number): XfccElement[] {
  const elements: XfccElement[] = [];
  let pairs: [string, string][] = [];
  let i = 0;
  const fail = (reason: string): never => {
    throw new HeaderMalformedError(`${what} is not a valid x-forwarded-client-cert value: ${reason}`);
  };
  const skipSpace = () => {
    while (text[i] === ' ' || text[i] === '\t') i += 1;
  };
  for (;;) {
    skipSpace();
    const keyStart = i;
    while (i < text.length && /[A-Za-z]/.test(text[i]!)) i += 1;
    const key = text.slice(keyStart, i).toLowerCase();
    if (key === '') fail(`expected a key at offset ${keyStart}`);
    if (text[i] !== '=') fail(`expected "=" after ${key}`);
    i += 1;
    let value = '';
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        const char = text[i];
        if (char === undefined) fail(`unterminated quoted value of ${key}`);
        if (char === '"') break;
        if (char === '\\') {
          const escaped = text[i + 1];
          if (escaped === undefined) fail(`unterminated quoted value of ${key}`);
          value += escaped === '"' || escaped === '\\' ? escaped : char + escaped;
          i += 2;
        } else {
          value += char;
          i += 1;
        }
      }
      i += 1;
    } else {
      // Envoy writes a quote as \" in any value, quoted or not; a bare quote or "=" is refused.
      while (i < text.length && !',;="'.includes(text[i]!)) {
        const escapedQuote = text[i] === '\\' && text[i + 1] === '"';
        value += escapedQuote ? '"' : text[i];
        i += escapedQuote ? 2 : 1;
      }
      if (text[i] === '=' || text[i] === '"') fail(`unquoted "${text[i]}" in the value of ${key}`);
      value = value.replace(/[ \t]+$/, '');
    }
    if (!KNOWN_KEYS.has(key)) fail(`unknown key ${JSON.stringify(key)}`);
    if (!REPEATABLE.has(key) && pairs.some(([seen]) => seen === key)) fail(`${key} appears twice in one element`);
    pairs.push([key, value]);
    skipSpace();
    const separator = text[i];
    i += 1;
    if (separator === ';') continue;
    elements.push(pairs);
    if (elements.length > limit) {
      throw new HeaderMalformedError(`${what} has more than ${limit} elements`, { code: 'ERR_MTLS_HEADER_TOO_LARGE' });
    }
    pairs = [];
    if (separator === undefined) return elements;
    if (separator !== ',') fail(`unexpected ${JSON.stringify(separator)} after the value of ${key}`);
  }
}

/** The single value of `key` in an element, or undefined. */
export function xfccValue(element: XfccElement, key: string): string | undefined {
  return element.find(([name]) => name === key)?.[1];
}
