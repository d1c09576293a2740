// The cRLDistributionPoints and issuingDistributionPoint decoders (RFC 5280 4.2.1.13, 5.2.5),
// checked against an encoder no one here wrote (@peculiar/asn1-x509) over generated values, and
// refusing the encodings DER or RFC 5280 rule out.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLDistributionPoints, DistributionPoint, DistributionPointName, GeneralName, IssuingDistributionPoint, Reason } from '@peculiar/asn1-x509';
import { DerError } from '../../src/certificate/der.js';
import { ALL_REASONS, decodeDistributionPoints, decodeIssuingDistributionPoint } from '../../src/certificate/revocation/distribution-points.js';
import { hex, tlv } from '../support/der.js';
import { RUNS } from '../fuzz/support.js';

const SEED = 53;
const urls = fc.array(fc.webUrl(), { minLength: 1, maxLength: 3 });
// ReasonFlags as asn1-x509 numbers them: bit i is 1 << i, unused (bit 0) to aACompromise (bit 8).
const reasons = fc.integer({ min: 1, max: 0x1ff });
const fullName = (list: string[]) => new DistributionPointName({ fullName: list.map((uri) => new GeneralName({ uniformResourceIdentifier: uri })) });
const uris = (names: readonly { type: string; value?: string }[] | undefined) => names?.map((name) => name.value);

describe(`certificate/revocation/distribution-points (seed ${SEED})`, () => {
  it(`decodes every issuingDistributionPoint @peculiar/asn1-x509 encodes to the same scope (${RUNS} cases)`, () => {
    const only = fc.constantFrom(undefined, 'onlyContainsUserCerts', 'onlyContainsCACerts', 'onlyContainsAttributeCerts');
    const scope = fc.record({ urls: fc.option(urls, { nil: undefined }), reasons: fc.option(reasons, { nil: undefined }), indirect: fc.boolean(), only })
      .filter((value) => value.urls !== undefined || value.reasons !== undefined || value.indirect || value.only !== undefined);
    fc.assert(fc.property(scope, (value) => {
      const encoded = AsnConvert.serialize(new IssuingDistributionPoint({
        ...(value.urls ? { distributionPoint: fullName(value.urls) } : {}),
        ...(value.reasons !== undefined ? { onlySomeReasons: new Reason(value.reasons) } : {}),
        indirectCRL: value.indirect,
        onlyContainsUserCerts: value.only === 'onlyContainsUserCerts',
        onlyContainsCACerts: value.only === 'onlyContainsCACerts',
        onlyContainsAttributeCerts: value.only === 'onlyContainsAttributeCerts',
      }));
      const decoded = decodeIssuingDistributionPoint(Buffer.from(encoded));
      assert.deepEqual(decoded.name?.kind === 'fullName' ? uris(decoded.name.names) : undefined, value.urls);
      assert.equal(decoded.onlySomeReasons, value.reasons === undefined ? undefined : value.reasons & ALL_REASONS);
      assert.equal(decoded.indirectCRL, value.indirect);
      assert.equal(decoded.onlyContainsUserCerts, value.only === 'onlyContainsUserCerts');
      assert.equal(decoded.onlyContainsCACerts, value.only === 'onlyContainsCACerts');
      assert.equal(decoded.onlyContainsAttributeCerts, value.only === 'onlyContainsAttributeCerts');
    }), { seed: SEED, numRuns: RUNS });
  });

  it(`decodes every cRLDistributionPoints @peculiar/asn1-x509 encodes to the same points (${RUNS} cases)`, () => {
    const point = fc.record({ urls: fc.option(urls, { nil: undefined }), reasons: fc.option(reasons, { nil: undefined }), issuer: fc.option(fc.webUrl(), { nil: undefined }) })
      .filter((value) => value.urls !== undefined || value.issuer !== undefined);
    fc.assert(fc.property(fc.array(point, { minLength: 1, maxLength: 4 }), (points) => {
      const encoded = AsnConvert.serialize(new CRLDistributionPoints(points.map((value) => new DistributionPoint({
        ...(value.urls ? { distributionPoint: fullName(value.urls) } : {}),
        ...(value.reasons !== undefined ? { reasons: new Reason(value.reasons) } : {}),
        ...(value.issuer ? { cRLIssuer: [new GeneralName({ uniformResourceIdentifier: value.issuer })] } : {}),
      }))));
      const decoded = decodeDistributionPoints(Buffer.from(encoded));
      assert.equal(decoded.length, points.length);
      for (const [index, value] of points.entries()) {
        const got = decoded[index]!;
        assert.deepEqual(got.name?.kind === 'fullName' ? uris(got.name.names) : undefined, value.urls);
        assert.equal(got.reasons, value.reasons === undefined ? undefined : value.reasons & ALL_REASONS);
        assert.deepEqual(uris(got.crlIssuer), value.issuer === undefined ? undefined : [value.issuer]);
      }
    }), { seed: SEED, numRuns: RUNS });
  });

  describe('refuses what DER or RFC 5280 rule out', () => {
    const uri = tlv(0x86, Buffer.from('http://a/'));
    const name = tlv(0xa0, tlv(0xa0, uri));
    const cases: [string, Buffer][] = [
      ['an empty issuingDistributionPoint (5.2.5)', tlv(0x30)],
      ['a DEFAULT FALSE boolean encoded as FALSE', tlv(0x30, name, hex('81 01 00'))],
      ['TRUE not encoded as 0xff', tlv(0x30, name, hex('84 01 01'))],
      ['two of the only* booleans (5.2.5)', tlv(0x30, hex('81 01 ff'), hex('82 01 ff'))],
      ['fields out of order', tlv(0x30, hex('84 01 ff'), name)],
      ['a field [6] the structure does not have', tlv(0x30, name, hex('86 01 ff'))],
      ['ReasonFlags with a non-zero unused bit', tlv(0x30, hex('83 02 07 c0'))],
      ['ReasonFlags claiming unused bits without any', tlv(0x30, hex('83 01 03'))],
      ['an empty fullName', tlv(0x30, tlv(0xa0, tlv(0xa0)))],
    ];
    for (const [what, der] of cases) {
      it(`issuingDistributionPoint: ${what}`, () => {
        assert.throws(() => decodeIssuingDistributionPoint(der), DerError);
      });
    }
    it('cRLDistributionPoints: empty, or a point naming neither a distribution point nor a CRL issuer (4.2.1.13)', () => {
      assert.throws(() => decodeDistributionPoints(tlv(0x30)), DerError);
      assert.throws(() => decodeDistributionPoints(tlv(0x30, tlv(0x30, hex('81 02 07 80')))), DerError);
      assert.equal(decodeDistributionPoints(tlv(0x30, tlv(0x30, name))).length, 1, 'control: the same point with its name');
    });
  });
});
