// Properties of distinguished-name comparison over generated names (fixed, printed seed): the
// comparison key equals exactly when the names are structurally equal under RFC 4517 4.2.15 (RDN
// count and order, each RDN as a multiset, each value by its attribute's rule after RFC 4518
// preparation), RFC 4514 printing round-trips through the parser, and a certificate's subject
// matches a registered string exactly when the names are structurally equal.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as x509 from '@peculiar/x509';
import { matchingRule } from '../../src/certificate/attributes.js';
import { ClientCertificate } from '../../src/certificate/certificate.js';
import { childrenOf, parseTlv } from '../../src/certificate/der.js';
import { formatDistinguishedName, nameKey, parseDistinguishedName, type DistinguishedName, type NameAttribute } from '../../src/certificate/names.js';
import { profileOf } from '../../src/certificate/profile.js';
import { prepareString } from '../../src/certificate/stringprep.js';
import { subjectMatches } from '../../src/certificate/subject.js';
import { issue, type TestCertificate } from '../support/pki.js';

const SEED = Number(process.env.FUZZ_SEED ?? 4517);
const RUNS = 3_000;
const CERTIFICATES = 150;

// Known types of each rule, and types nothing here knows (compared exactly).
const TYPES = ['2.5.4.3', '2.5.4.10', '2.5.4.6', '0.9.2342.19200300.100.1.25', '2.5.4.97', '2.5.4.20', '2.5.4.24', '1.3.6.1.4.1.55555.1', '1.3.6.1.4.1.55555.2', '2.999.7'];
const UNKNOWN = TYPES.filter((type) => matchingRule(type) === 'exact');
// Characters that separate, escape or vanish, case pairs, lookalikes, combining marks, controls.
const SPECIAL = [...',+"\\<>;#= =-', '\u0000', '\u0001', '\u0002', '\u0003', 'a', 'A', 'k', 'K', 'i', '\u0131', '\u0130', '\u212a', '\u017f', 's', '\u00df', '\u0430', '\uff41', '\u00ad', '\u200b', '\u0301', '\u00a0', '\t', '\ue000', '\ufffd', '\u2212', '5'];
const scalar = fc.integer({ min: 0, max: 0x10ffff }).filter((cp) => cp < 0xd800 || cp > 0xdfff).map((cp) => String.fromCodePoint(cp));
const text = fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...SPECIAL) }, { weight: 1, arbitrary: scalar }), { maxLength: 8 }).map((chars) => chars.join(''));
// SEQUENCE { INTEGER }: a value that is not a string (OpenSSL takes no OCTET STRING in a name).
const derOnly = fc.integer({ min: 0, max: 255 }).map((byte) => Buffer.from([0x30, 0x03, 0x02, 0x01, byte]));
const attribute: fc.Arbitrary<NameAttribute> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constantFrom(...TYPES), text }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constantFrom(...UNKNOWN), der: derOnly }) },
);
const rdn = fc.array(attribute, { minLength: 1, maxLength: 3 });
const name = fc.array(rdn, { maxLength: 4 });

// Edits that keep a name equal under the rules, and edits that change it, including folding an RDN
// boundary into a value (how a separator-joined key was forged).
const edit = (dn: DistinguishedName): fc.Arbitrary<DistinguishedName> => {
  if (dn.length === 0) return fc.constant(dn);
  const at = fc.nat(dn.length - 1);
  const replaceRdn = (index: number, next: readonly NameAttribute[]) => dn.map((r, i) => (i === index ? next : r));
  const editText = (fn: (value: string, pick: string) => string) => fc.tuple(at, fc.nat(), fc.constantFrom(...SPECIAL)).map(([i, j, pick]) => {
    const target = dn[i]!;
    const k = j % target.length;
    const a = target[k]!;
    return a.text === undefined ? dn : replaceRdn(i, target.map((b, m) => (m === k ? { type: a.type, text: fn(a.text!, pick) } : b)));
  });
  return fc.oneof(
    fc.constant(dn),
    editText((value) => value.toUpperCase()),
    editText((value) => value.toLowerCase()),
    editText((value, pick) => `${pick}${value}`),
    editText((value, pick) => `${value}${pick}`),
    editText((value) => ` ${value.replace(/ /g, '  ')} `),
    at.map((i) => replaceRdn(i, [...dn[i]!].reverse())),
    at.map((i) => dn.filter((_, m) => m !== i)),
    at.map((i) => [...dn.slice(0, i), dn[i]!.slice(0, 1), dn[i]!.slice(1), ...dn.slice(i + 1)].filter((r) => r.length > 0)),
    // The RDNs after i, written into the value of an unknown type in RDN i with separators that a
    // joined key could use: `type=value` pairs, joined within an RDN and between RDNs.
    { weight: 4, arbitrary: fc.tuple(at, fc.constantFrom('=', '\u0003', '#'), fc.constantFrom('\u0001', '+'), fc.constantFrom('\u0002', ','), fc.constantFrom(...UNKNOWN)).map(([i, equals, within, between, type]) => {
      const pair = (a: NameAttribute) => `${a.type}${equals}${a.text === undefined ? a.der!.toString('hex') : prepareString(a.text, matchingRule(a.type)) ?? a.text}`;
      const tail = dn.slice(i + 1).map((r) => r.map(pair).sort().join(within));
      const first = dn[i]![0]!;
      return [...dn.slice(0, i), [{ type: matchingRule(first.type) === 'exact' ? first.type : type, text: [first.text ?? '', ...tail].join(between) }]];
    }) },
  );
};

// The rules, restated independently of the key: RDN count and order, RDNs as multisets.
function attributesEqual(a: NameAttribute, b: NameAttribute): boolean {
  if (a.type !== b.type) return false;
  if (a.text !== undefined && b.text !== undefined) {
    const rule = matchingRule(a.type);
    const prepared = prepareString(a.text, rule);
    return prepared !== undefined && prepared === prepareString(b.text, rule);
  }
  return a.text === undefined && b.text === undefined && a.der!.equals(b.der!);
}

function rdnsEqual(a: readonly NameAttribute[], b: readonly NameAttribute[]): boolean {
  if (a.length !== b.length) return false;
  const rest = [...b];
  for (const attribute of a) {
    const index = rest.findIndex((candidate) => attributesEqual(attribute, candidate));
    if (index < 0) return false;
    rest.splice(index, 1);
  }
  return true;
}

const namesEqual = (a: DistinguishedName, b: DistinguishedName): boolean => a.length === b.length && a.every((r, i) => rdnsEqual(r, b[i]!));

/** A certificate subject holding `dn` as given (UTF8String values), each RDN in DER SET OF order. */
function encodeSubject(dn: DistinguishedName): x509.Name {
  const element = (tag: number, content: Buffer): Buffer => {
    const length = content.length < 0x80 ? Buffer.from([content.length]) : Buffer.from([0x82, content.length >> 8, content.length & 0xff]);
    return Buffer.concat([Buffer.from([tag]), length, content]);
  };
  const attributeDer = (a: NameAttribute): Buffer => {
    const value = a.text === undefined ? `#${a.der!.toString('hex')}` : { utf8String: a.text };
    const single = Buffer.from(new x509.Name([{ [a.type]: [value] }] as x509.JsonNameParams).toArrayBuffer());
    return childrenOf(childrenOf(parseTlv(single))[0]!)[0]!.bytes; // SEQUENCE { SET { AttributeTypeAndValue } }
  };
  const rdns = dn.map((r) => element(0x31, Buffer.concat(r.map(attributeDer).sort(Buffer.compare))));
  return new x509.Name(element(0x30, Buffer.concat(rdns)));
}

const strip = (dn: DistinguishedName) => dn.map((r) => r.map((a) => (a.text === undefined ? { type: a.type, der: a.der!.toString('hex') } : { type: a.type, text: a.text })));

describe(`certificate/names: properties over generated names (seed ${SEED})`, function () {
  this.timeout(120_000);

  it(`nameKey(a) === nameKey(b) exactly when a and b are equal under distinguishedNameMatch (${RUNS} pairs)`, () => {
    let equalPairs = 0;
    fc.assert(fc.property(name.chain((a) => fc.tuple(fc.constant(a), edit(a))), ([a, b]) => {
      const equal = namesEqual(a, b);
      if (equal) equalPairs += 1;
      assert.equal(nameKey(a) === nameKey(b), equal);
    }), { seed: SEED, numRuns: RUNS });
    // Both outcomes must occur often, or the property says little.
    assert.ok(equalPairs > RUNS / 10 && equalPairs < RUNS * 0.9, `${equalPairs} of ${RUNS} pairs were equal`);
  });

  it(`parseDistinguishedName(formatDistinguishedName(x)) gives x back (${RUNS} names)`, () => {
    fc.assert(fc.property(name, (dn) => {
      assert.deepEqual(strip(parseDistinguishedName(formatDistinguishedName(dn))), strip(dn));
    }), { seed: SEED, numRuns: RUNS });
  });

  it(`a certificate's subject matches a registered RFC 4514 string exactly when the names are equal (${CERTIFICATES} certificates)`, async () => {
    const ca = await issue({ subject: 'CN=Property CA', ca: true });
    const samples = fc.sample(name.filter((dn) => dn.length > 0).chain((a) => fc.tuple(fc.constant(a), edit(a))), { seed: SEED, numRuns: CERTIFICATES });
    let matched = 0;
    for (const [a, b] of samples) {
      const cert: TestCertificate = await issue({ subject: encodeSubject(a), issuer: ca });
      const stored = profileOf(ClientCertificate.from(cert.pem)).subject.name;
      const sorted = (dn: DistinguishedName) => strip(dn).map((r) => r.map((x) => JSON.stringify(x)).sort());
      assert.deepEqual(sorted(stored), sorted(a), 'the certificate holds the generated name');
      const expected = namesEqual(a, b);
      if (expected) matched += 1;
      assert.equal(subjectMatches(cert.pem, 'tls_client_auth_subject_dn', formatDistinguishedName(b)), expected, JSON.stringify({ a: strip(a), b: strip(b) }));
    }
    assert.ok(matched > 0 && matched < CERTIFICATES, `${matched} of ${CERTIFICATES} matched`);
  });
});
