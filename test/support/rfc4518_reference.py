#!/usr/bin/env python3
"""Reference RFC 4518 string preparation for the differential tests, written directly on Python's
standard library: RFC 3454's tables (`stringprep`) and Unicode 3.2.0 (`unicodedata.ucd_3_2_0`). It
shares no code or data with the TypeScript implementation under test.

  python3 rfc4518_reference.py codepoints   every code point prepared alone (caseIgnore), as JSON:
                                            {"failed": [first, last, ...], "changed": {cp: output}}
                                            ("changed" lists outputs other than " X ")
  python3 rfc4518_reference.py strings      stdin: JSON [[rule, value], ...]; stdout: JSON outputs,
                                            null where preparation fails
"""
import json
import stringprep
import sys
import unicodedata

U32 = unicodedata.ucd_3_2_0


def cat(c):
    return U32.category(c)


def map_char(c, fold):
    cp = ord(c)
    # RFC 4518 2.2, rule by rule.
    if cp in (0x00AD, 0x1806, 0x034F, 0xFFFC, 0x200B) or 0x180B <= cp <= 0x180D or 0xFE00 <= cp <= 0xFE0F:
        return ''
    if 0x09 <= cp <= 0x0D or cp == 0x85:
        return ' '
    if cat(c) in ('Cc', 'Cf'):
        return ''
    if cat(c) in ('Zs', 'Zl', 'Zp'):
        return ' '
    return table_b2(c) if fold else c


def assigned(c):
    return not stringprep.in_table_a1(c)


def table_b2(c):
    # map_table_b2 falls back on this Python's str.lower(), newer than Unicode 3.2: RFC 3454's
    # table B.2 maps only 3.2 characters, and only to 3.2 characters.
    folded = stringprep.map_table_b2(c)
    return folded if assigned(c) and all(assigned(x) for x in folded) else c


def prohibited(c):
    return (not assigned(c) or stringprep.in_table_c3(c) or stringprep.in_table_c4(c)
            or stringprep.in_table_c5(c) or stringprep.in_table_c8(c) or c == '\ufffd')


def combining(c):
    return cat(c) in ('Mn', 'Mc', 'Me')


def bare(s, i, chars):
    return s[i] in chars and (i + 1 == len(s) or not combining(s[i + 1]))


HYPHENS = '\u002d\u058a\u2010\u2011\u2212\ufe63\uff0d'


def prepare(value, rule):
    mapped = ''.join(map_char(c, True) for c in value)
    normalized = U32.normalize('NFKC', mapped)
    if any(prohibited(c) for c in normalized):
        return None
    s = normalized
    if rule == 'numericString':
        return ''.join(c for i, c in enumerate(s) if not bare(s, i, ' '))
    if rule == 'telephoneNumber':
        return ''.join(c for i, c in enumerate(s) if not bare(s, i, ' ' + HYPHENS))
    words, word = [], ''
    for i, c in enumerate(s):
        if bare(s, i, ' '):
            if word:
                words.append(word)
            word = ''
        else:
            word += c
    if word:
        words.append(word)
    return '  ' if not words else ' ' + '  '.join(words) + ' '


def codepoints():
    failed, changed = [], {}
    for cp in range(0x110000):
        out = prepare(chr(cp), 'caseIgnore')
        if out is None:
            if failed and failed[-1] == cp - 1:
                failed[-1] = cp
            else:
                failed.extend((cp, cp))
        elif out != ' ' + chr(cp) + ' ':
            changed[cp] = out
    return {'failed': failed, 'changed': changed}


if __name__ == '__main__':
    if sys.argv[1:] == ['codepoints']:
        result = codepoints()
    elif sys.argv[1:] == ['strings']:
        result = [prepare(value, rule) for rule, value in json.load(sys.stdin)]
    else:
        sys.exit(__doc__)
    json.dump(result, sys.stdout)
