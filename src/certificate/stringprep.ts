import type { MatchingRule } from './attributes.js';

/**
 * RFC 4518 string preparation: the steps applied to both values before an LDAP string matching
 * rule compares them. Returns `undefined` when the value holds a prohibited character (section
 * 2.4), in which case the comparison is Undefined and must not be treated as a match.
 */
export function prepareString(value: string, rule: MatchingRule): string | undefined {
  if (rule === 'exact') return value;
  // 2.2 Map. Characters "commonly mapped to nothing" (RFC 3454 B.1) and the other listed
  // code points vanish; the line-ending controls become SPACE; other controls and format
  // characters vanish; every other separator becomes SPACE.
  let mapped = value
    .replace(/[\u00AD\u1806\u034F\u180B-\u180D\uFE00-\uFE0F\uFFFC\u200B]/gu, '')
    .replace(/[\u0009-\u000D\u0085]/gu, ' ')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/[\p{Zs}\p{Zl}\p{Zp}]/gu, ' ');
  // Case folding (RFC 3454 B.2, used by every rule here since all of them ignore case):
  // upper-then-lower casing reproduces the full folding of characters like U+00DF to "ss".
  mapped = mapped.normalize('NFKC').toUpperCase().toLowerCase();
  // 2.3 Normalize: Unicode Form KC.
  const normalized = mapped.normalize('NFKC');
  // 2.4 Prohibit: unassigned, private use, non-characters, surrogates, REPLACEMENT CHARACTER.
  if (/[\p{Cn}\p{Co}\p{Cs}\uFFFD]/u.test(normalized)) return undefined;
  // 2.6 Insignificant character handling.
  switch (rule) {
    case 'numericString':
      return normalized.replace(/ /g, '');
    case 'telephoneNumber':
      return normalized.replace(/[ \-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uFE63\uFF0D]/g, '');
    case 'caseIgnore':
      // 2.6.1: leading and trailing spaces collapse to one each and inner runs to two; for an
      // equality test that is the same as trimming and collapsing every run to a single space.
      return normalized.replace(/ +/g, ' ').trim();
  }
}
