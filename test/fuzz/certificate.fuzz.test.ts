// PEM and DER intake, and everything derived from a certificate that reached the server: the
// subject in RFC 4514 form, SAN matching (RFC 8705 section 2.1.2) and path validation. A client
// chooses every byte of its certificate, so mutated certificates must parse or be refused with
// ERR_MTLS_CERT_MALFORMED, and validation must return a verdict, never throw.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClientCertificate } from '../../src/certificate/certificate.js';
import { decodePemCertificates, encodePemCertificate } from '../../src/certificate/pem.js';
import { offeredSubjectValues, SUBJECT_PROPERTIES, subjectMatches } from '../../src/certificate/subject.js';
import { verifyCertificateChain } from '../../src/certificate/verify.js';
import type { MtlsErrorCode } from '../../src/errors.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../support/pki.js';
import { fragment, fuzzTimeout, mutatedBytes, mutatedString, outcome, RUNS, withinCeiling } from './support.js';

const MALFORMED: ReadonlySet<MtlsErrorCode> = new Set(['ERR_MTLS_CERT_MALFORMED']);

describe('fuzz: PEM and DER certificates, subjects, SANs and path validation', function () {
  this.timeout(fuzzTimeout(90_000));
  let pki: TestPki;
  let seeds: TestCertificate[];

  before(async () => {
    pki = await createTestPki();
    const sans = await issue({
      subject: 'CN=sans+OU=multi\\,valued,O=Example Bank,C=GB',
      issuer: pki.intermediate,
      sans: [
        { type: 'dns', value: 'Client.Example.com' },
        { type: 'url', value: 'spiffe://example.test/ns/a/sa/b' },
        { type: 'ip', value: '192.0.2.7' },
        { type: 'ip', value: '2001:db8::7' },
        { type: 'email', value: 'ops@Example.com' },
      ],
    });
    seeds = [pki.clientA, pki.clientB, pki.selfSigned, pki.intermediate, sans];
  });

  /** Everything the plugin derives from an accepted certificate; coded errors only. */
  function derive(cert: ClientCertificate): void {
    assert.match(cert.thumbprint, /^[A-Za-z0-9_-]{43}$/);
    outcome(MALFORMED, () => cert.subjectDn);
    outcome(MALFORMED, () => cert.issuerDn);
    outcome(MALFORMED, () => cert.spkiSha256);
    for (const property of SUBJECT_PROPERTIES) {
      const offered = outcome(MALFORMED, () => offeredSubjectValues(cert, property));
      if (Array.isArray(offered)) {
        for (const value of offered) assert.equal(typeof value, 'string');
        // What the certificate offers, registered verbatim, must match it (the hint in refusals is usable).
        for (const value of offered.slice(0, 3)) if (value !== '') assert.equal(subjectMatches(cert, property, value), true, `${property} ${value}`);
      }
    }
  }

  it(`DER: ${RUNS} mutated certificates parse or are refused with ERR_MTLS_CERT_MALFORMED, and what parses is safe to use`, () => {
    fc.assert(fc.property(mutatedBytes(seeds.map((seed) => seed.der)), (der) => {
      const cert = outcome(MALFORMED, () => ClientCertificate.from(der));
      if (cert instanceof ClientCertificate) {
        assert.ok(cert.der.equals(der), 'the identity is the bytes presented');
        derive(cert);
      }
    }), { numRuns: RUNS });
  });

  it(`PEM: ${RUNS} mutated and random texts decode to DER blocks or are refused with ERR_MTLS_CERT_MALFORMED`, () => {
    const texts = [...seeds.map((seed) => seed.pem), seeds.map((seed) => seed.pem).join(''), pki.clientA.keyPem];
    fc.assert(fc.property(fc.oneof({ weight: 5, arbitrary: mutatedString(texts) }, { weight: 1, arbitrary: fragment }), (text) => {
      const blocks = outcome(MALFORMED, () => decodePemCertificates(text));
      if (Array.isArray(blocks)) {
        assert.ok(blocks.length > 0);
        for (const block of blocks) {
          assert.ok(Buffer.isBuffer(block) && block.length > 0);
          assert.equal(decodePemCertificates(encodePemCertificate(block))[0]!.equals(block), true, 'blocks round-trip');
        }
      }
      const single = outcome(MALFORMED, () => ClientCertificate.from(text));
      if (single instanceof ClientCertificate) derive(single);
      outcome(MALFORMED, () => ClientCertificate.list(text));
    }), { numRuns: RUNS });
  });

  it(`SAN and DN matching: ${RUNS} registered values, random or near-misses, give a boolean and never throw`, () => {
    const [clientA, , , , sans] = seeds as [TestCertificate, TestCertificate, TestCertificate, TestCertificate, TestCertificate];
    const certs = [ClientCertificate.from(clientA.der), ClientCertificate.from(sans.der)];
    const near = certs.flatMap((cert) => SUBJECT_PROPERTIES.flatMap((property) => offeredSubjectValues(cert, property)));
    fc.assert(fc.property(
      fc.constantFrom(...certs),
      fc.constantFrom(...SUBJECT_PROPERTIES),
      fc.oneof(mutatedString(near), fragment, fc.string({ unit: 'binary', maxLength: 100 })),
      (cert, property, expected) => {
        assert.equal(typeof withinCeiling(() => subjectMatches(cert, property, expected)), 'boolean');
      },
    ), { numRuns: RUNS });
  });

  it(`path validation: ${RUNS / 10} mutated leaves and intermediates always get a verdict, valid only for the untouched chain`, async () => {
    const leafDer = pki.clientA.der;
    const intermediateDer = pki.intermediate.der;
    const property = fc.asyncProperty(mutatedBytes([leafDer]), fc.option(mutatedBytes([intermediateDer]), { nil: undefined }), async (leafBytes, intermediateBytes) => {
      const leaf = outcome(MALFORMED, () => ClientCertificate.from(leafBytes));
      const intermediate = intermediateBytes === undefined ? pki.intermediate.der : outcome(MALFORMED, () => ClientCertificate.from(intermediateBytes));
      if (!(leaf instanceof ClientCertificate) || intermediate instanceof Error) return;
      const verdict = await verifyCertificateChain(leaf, { trustAnchors: [pki.root.der], intermediates: [intermediate] });
      assert.equal(typeof verdict.valid, 'boolean');
      if (verdict.valid) {
        // A signature covers every byte: only unchanged DER can still validate (or an encoding
        // difference outside the signed part, which would be a finding too).
        assert.ok(leaf.der.equals(leafDer), 'a mutated leaf never validates');
      } else {
        assert.match(verdict.code, /^ERR_MTLS_/);
      }
    });
    // Path validation verifies signatures: fewer cases keep `npm test` bounded.
    await fc.assert(property, { numRuns: Math.max(1, Math.floor(RUNS / 10)) });
  });
});
