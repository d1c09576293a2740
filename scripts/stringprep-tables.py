#!/usr/bin/env python3
"""Generates src/certificate/stringprep-tables.ts: the Unicode 3.2 data RFC 4518 string preparation
needs, taken from Python's standard library (RFC 3454's tables in `stringprep`, Unicode 3.2.0 in
`unicodedata.ucd_3_2_0`) rather than from JavaScript's current Unicode tables, which are newer.

Run: python3 scripts/stringprep-tables.py > src/certificate/stringprep-tables.ts

Before writing anything it checks the RFC 4518 section 2.2 code point lists, transcribed below, against
the Unicode 3.2 categories they claim to list, and fails if they disagree.
"""
import stringprep
import sys
import unicodedata

U32 = unicodedata.ucd_3_2_0
ALL = [cp for cp in range(0x110000)]


def parse_ranges(text):
    out = set()
    for item in text.split():
        low, _, high = item.partition('-')
        out.update(range(int(low, 16), int(high or low, 16) + 1))
    return out


# RFC 4518 section 2.2, as listed there ("FF00-FE0F" in the RFC is a typo for FE00-FE0F).
RFC4518_NOTHING = parse_ranges('00AD 1806 034F 180B-180D FE00-FE0F FFFC 200B')
RFC4518_TO_SPACE_CONTROLS = parse_ranges('0009-000D 0085')
RFC4518_OTHER_CONTROLS = parse_ranges(
    '0000-0008 000E-001F 007F-0084 0086-009F 06DD 070F 180E 200C-200F 202A-202E 2060-2063 '
    '206A-206F FEFF FFF9-FFFB 1D173-1D17A E0001 E0020-E007F')
RFC4518_SEPARATORS = parse_ranges('0020 00A0 1680 2000-200A 2028-2029 202F 205F 3000')
RFC4518_HYPHENS = parse_ranges('002D 058A 2010 2011 2212 FE63 FF0D')


def check(condition, message):
    if not condition:
        sys.exit(f'stringprep-tables: {message}')


controls = {cp for cp in ALL if U32.category(chr(cp)) in ('Cc', 'Cf')}
check(controls == RFC4518_TO_SPACE_CONTROLS | RFC4518_OTHER_CONTROLS,
      'the RFC 4518 control lists differ from the Unicode 3.2 Cc and Cf categories')
separators = {cp for cp in ALL if U32.category(chr(cp)) in ('Zs', 'Zl', 'Zp')}
check(separators == RFC4518_SEPARATORS | {0x200B},
      'the RFC 4518 separator list differs from the Unicode 3.2 Z categories (U+200B was Zs in 3.2)')

to_nothing = RFC4518_NOTHING | RFC4518_OTHER_CONTROLS
to_space = RFC4518_TO_SPACE_CONTROLS | RFC4518_SEPARATORS
check(not (to_nothing & to_space), 'a code point is mapped both to nothing and to SPACE')
b1 = {cp for cp in ALL if stringprep.in_table_b1(chr(cp))}
check(b1 <= to_nothing, 'RFC 3454 table B.1 is not within what RFC 4518 maps to nothing')

unassigned = {cp for cp in ALL if stringprep.in_table_a1(chr(cp))}

# stringprep.map_table_b2 falls back on the running Python's str.lower(), which knows case pairs
# added after Unicode 3.2 (Georgian, Cherokee, U+04C0...) and maps code points unassigned in 3.2.
# RFC 3454's table B.2 has neither: keep the mappings of 3.2 characters to 3.2 characters, and
# check the count against the 1371 entries of the RFC's table.
case_folding = {}
for cp in ALL:
    if cp in unassigned or 0xD800 <= cp <= 0xDFFF:
        continue
    folded = stringprep.map_table_b2(chr(cp))
    if folded != chr(cp) and not any(ord(c) in unassigned for c in folded):
        case_folding[cp] = folded
check(len(case_folding) == 1371, f'{len(case_folding)} case folding entries, RFC 3454 table B.2 has 1371')
prohibited = unassigned | {cp for cp in ALL if (
    stringprep.in_table_c3(chr(cp)) or stringprep.in_table_c4(chr(cp))
    or stringprep.in_table_c5(chr(cp)) or stringprep.in_table_c8(chr(cp)))} | {0xFFFD}
combining = {cp for cp in ALL if U32.category(chr(cp)) in ('Mn', 'Mc', 'Me')}

# Unicode 3.2 normalizes a few CJK compatibility ideographs differently from every later version
# (Unicode 4.0 corrigendum 4). Forms where 3.2 and the newest Python tables disagree are listed so
# the TypeScript side can apply the 3.2 form before its own (current) NFKC.
nfkc_3_2 = {}
for cp in ALL:
    if cp in unassigned or 0xD800 <= cp <= 0xDFFF:
        continue
    old = U32.normalize('NFKC', chr(cp))
    if old != unicodedata.normalize('NFKC', chr(cp)):
        nfkc_3_2[cp] = old


def ranges(points):
    out = []
    start = previous = None
    for cp in sorted(points):
        if start is None:
            start = previous = cp
        elif cp == previous + 1:
            previous = cp
        else:
            out.extend((start, previous))
            start = previous = cp
    if start is not None:
        out.extend((start, previous))
    return out


def ts_ranges(name, doc, points):
    values = ranges(points)
    lines = []
    for i in range(0, len(values), 12):
        lines.append('  ' + ', '.join(f'0x{v:x}' for v in values[i:i + 12]) + ',')
    return f'/** {doc} */\nexport const {name}: readonly number[] = [\n' + '\n'.join(lines) + '\n];\n'


def ts_string(text):
    return '"' + ''.join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else
                         (f'\\u{ord(c):04x}' if ord(c) <= 0xFFFF else f'\\u{{{ord(c):x}}}') for c in text) + '"'


def ts_map(name, doc, mapping):
    lines = [f'  [0x{cp:x}, {ts_string(value)}],' for cp, value in sorted(mapping.items())]
    return f'/** {doc} */\nexport const {name}: readonly (readonly [number, string])[] = [\n' + '\n'.join(lines) + '\n];\n'


print('// Generated by scripts/stringprep-tables.py from Python\'s stringprep and unicodedata.ucd_3_2_0: do not edit.')
print('// Ranges are flat [first, last, first, last, ...] code point pairs, sorted.')
print()
print(ts_ranges('MAPPED_TO_NOTHING', 'RFC 4518 2.2: code points mapped to nothing (includes RFC 3454 table B.1).', to_nothing))
print(ts_ranges('MAPPED_TO_SPACE', 'RFC 4518 2.2: code points mapped to SPACE.', to_space))
print(ts_map('CASE_FOLDING', 'RFC 3454 table B.2: case folding for use with NFKC.', case_folding))
print(ts_ranges('UNASSIGNED', 'RFC 3454 table A.1: unassigned in Unicode 3.2 (prohibited by RFC 4518 2.4).', unassigned))
print(ts_ranges('PROHIBITED', 'RFC 4518 2.4: tables A.1, C.3, C.4, C.5, C.8 and U+FFFD.', prohibited))
print(ts_ranges('COMBINING_MARKS', 'RFC 4518 appendix A: Mn, Mc and Me in Unicode 3.2.', combining))
print(ts_ranges('HYPHENS', 'RFC 4518 2.6.3: the code points telephoneNumber matching treats as hyphens.', RFC4518_HYPHENS))
print(ts_map('NFKC_3_2', 'Code points whose Unicode 3.2 NFKC form differs from later versions\' (3.2 form).', nfkc_3_2), end='')
