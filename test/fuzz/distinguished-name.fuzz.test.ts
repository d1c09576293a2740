// RFC 4514 distinguished names arrive from client registration (tls_client_auth_subject_dn, often
// through dynamic registration, so from anyone allowed to register) and are compared with the
// subject of every presented certificate.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClientCertificate } from '../../src/certificate/certificate.js';
import { formatDistinguishedName, parseDistinguishedName } from '../../src/certificate/names.js';
import { subjectMatches } from '../../src/certificate/subject.js';
import type { MtlsErrorCode } from '../../src/errors.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { fragment, fuzzTimeout, mutatedString, outcome, RUNS } from './support.js';

const INVALID: ReadonlySet<MtlsErrorCode> = new Set(['ERR_MTLS_INVALID_OPTION']);

const SEEDS = [
  'CN=client-a,O=Example Bank,C=GB',
  'CN=a+OU=b\\,c,O=Bank \\"Q\\",L=\\#1\\ ,DC=example,DC=com',
  'UID=jsmith,DC=example,DC=net',
  'OID.2.5.4.3=x,1.2.840.113549.1.9.1=#160d6f707340657861632e706c65',
  'CN=caf\\C3\\A9 \u00e9\u{1F600},O=\\3Cinjection\\3E',
  ' CN = spaced , O = value ',
];

/** Attribute values of RFC 4514 strings built by the generator below. */
const value = fc.string({ unit: fc.oneof(fc.constantFrom(...',+"\\<>;#= '), fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' })), maxLength: 16 });
const escape = (text: string) => text
  .replace(/[,+"\\<>;=]/g, (char) => `\\${char}`)
  .replace(/^[ #]/, (char) => `\\${char}`)
  .replace(/ $/, '\\ ');

describe('fuzz: RFC 4514 distinguished names', function () {
  this.timeout(fuzzTimeout());
  let pki: TestPki;

  before(async () => {
    pki = await createTestPki();
  });

  it(`${RUNS} random and mutated strings parse to a name or are refused with ERR_MTLS_INVALID_OPTION naming the position`, () => {
    fc.assert(fc.property(fc.oneof({ weight: 4, arbitrary: mutatedString(SEEDS) }, { weight: 1, arbitrary: fragment }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) }), (text) => {
      const name = outcome(INVALID, () => parseDistinguishedName(text));
      if (name instanceof Error) {
        assert.match(name.message, /position \d+|must be a string/);
        return;
      }
      // What parses prints to a canonical form that parses to the same form again.
      const printed = formatDistinguishedName(name);
      assert.equal(formatDistinguishedName(parseDistinguishedName(printed)), printed);
    }), { numRuns: RUNS });
  });

  it(`${RUNS} generated names with hostile values survive escaping: parse(format) is the identity on the printed form`, () => {
    const attribute = fc.tuple(fc.constantFrom('CN', 'O', 'OU', 'C', 'L', 'ST', 'DC', 'UID', '2.5.4.97'), value.filter((text) => text.trim() !== ''));
    const dn = fc.array(fc.array(attribute, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 5 });
    fc.assert(fc.property(dn, (rdns) => {
      const text = rdns.map((rdn) => rdn.map(([type, raw]) => `${type}=${escape(raw)}`).join('+')).join(',');
      const name = parseDistinguishedName(text);
      assert.equal(name.length, rdns.length);
      const printed = formatDistinguishedName(name);
      assert.equal(formatDistinguishedName(parseDistinguishedName(printed)), printed);
    }), { numRuns: RUNS });
  });

  it('a registered subject DN that differs only in RDN order never matches (RFC 4517 distinguishedNameMatch)', () => {
    const cert = ClientCertificate.from(pki.clientA.der);
    const rdns = ['CN=client-a', 'O=Example Bank', 'C=GB'];
    assert.equal(subjectMatches(cert, 'tls_client_auth_subject_dn', rdns.join(',')), true);
    fc.assert(fc.property(fc.shuffledSubarray(rdns, { minLength: 3, maxLength: 3 }), (order) => {
      const same = order.every((rdn, index) => rdn === rdns[index]);
      assert.equal(subjectMatches(cert, 'tls_client_auth_subject_dn', order.join(',')), same, order.join(','));
    }), { numRuns: 100 });
    // Nor does one RDN more or less, or the RDNs merged into one multi-valued RDN.
    for (const other of ['CN=client-a,O=Example Bank', 'CN=client-a,O=Example Bank,C=GB,DC=com', 'CN=client-a+O=Example Bank+C=GB']) {
      assert.equal(subjectMatches(cert, 'tls_client_auth_subject_dn', other), false, other);
    }
  });
});
