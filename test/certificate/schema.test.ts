// decodeDer: the @peculiar/asn1-x509 schemas read structure, and the round trip refuses what a
// schema alone would read past. Each refused case is first shown to pass AsnConvert.parse, so the
// test fails if the guard, not the schema, stops refusing it.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicConstraints, ExtendedKeyUsage, PolicyConstraints } from '@peculiar/asn1-x509';
import { ClientCertificate } from '../../src/certificate/certificate.js';
import { childrenOf, DerError, parseTlv, type Tlv } from '../../src/certificate/der.js';
import { profileOf } from '../../src/certificate/profile.js';
import { decodeDer } from '../../src/certificate/schema.js';
import { MtlsError } from '../../src/errors.js';
import { hex, resign, rewrite, tlv } from '../support/der.js';
import { issue } from '../support/pki.js';

const BASIC_CONSTRAINTS_OID = hex('06 03 55 1d 13');

describe('certificate/schema: decodeDer', () => {
  it('returns the schema\'s value for DER of its type', () => {
    assert.deepEqual({ ...decodeDer(hex('30 06 01 01 ff 02 01 00'), BasicConstraints, 'basicConstraints') }, { cA: true, pathLenConstraint: 0 });
    assert.deepEqual([...decodeDer(hex('30 05 06 03 2a 03 04'), ExtendedKeyUsage, 'extKeyUsage')], ['1.2.3.4']);
  });

  const cases: [string, Buffer, new () => object][] = [
    ['an element after the last field', hex('30 08 01 01 ff 02 01 00 05 00'), BasicConstraints],
    ['fields out of order (the schema drops the first)', hex('30 06 81 01 02 80 01 00'), PolicyConstraints],
    ['a field out of order in a SEQUENCE without tags', hex('30 06 02 01 00 01 01 ff'), BasicConstraints],
    ['a NULL where an OID belongs (the schema makes a placeholder of it)', hex('30 02 05 00'), ExtendedKeyUsage],
    ['a DEFAULT written out (cA FALSE)', hex('30 03 01 01 00'), BasicConstraints],
    ['a BER length', hex('30 81 03 01 01 ff'), BasicConstraints],
  ];
  for (const [what, bytes, schema] of cases) {
    it(`refuses ${what}, which the schema alone reads`, () => {
      assert.doesNotThrow(() => AsnConvert.parse(bytes, schema));
      assert.throws(() => decodeDer(bytes, schema, 'value'), (error: unknown) => error instanceof DerError && /malformed value/.test(error.message));
    });
  }

  it('gives the same answer when the same bytes come again (values and refusals are remembered per schema)', () => {
    const good = hex('30 06 01 01 ff 02 01 07');
    const first = decodeDer(good, BasicConstraints, 'basicConstraints');
    assert.deepEqual({ ...decodeDer(Buffer.from(good), BasicConstraints, 'basicConstraints') }, { ...first });
    // The same bytes read with another schema are decoded for that schema, not found again.
    assert.throws(() => decodeDer(good, ExtendedKeyUsage, 'extKeyUsage'), DerError);
    const bad = hex('30 08 01 01 ff 02 01 00 05 00');
    for (let i = 0; i < 2; i += 1) assert.throws(() => decodeDer(bad, BasicConstraints, 'basicConstraints'), /malformed basicConstraints/);
  });

  it('a certificate whose basicConstraints has its fields out of order is malformed (the schema would read cA as FALSE)', async () => {
    const root = await issue({ subject: 'CN=Schema Root', ca: true });
    const ca = await issue({ subject: 'CN=Schema CA', ca: true, pathLength: 0, issuer: root });
    // The extension's value re-encoded as SEQUENCE { pathLenConstraint, cA }, signed again by the root.
    const swapped = resign(ca, root, (tbs) => rewrite(tbs, (element: Tlv) => {
      const parts = element.tag === 0x30 ? childrenOf(element) : [];
      if (!parts[0]?.bytes.equals(BASIC_CONSTRAINTS_OID)) return undefined;
      const [cA, pathLength] = childrenOf(parseTlv(parts[parts.length - 1]!.content));
      return tlv(0x30, ...parts.slice(0, -1).map((part) => part.bytes), tlv(0x04, tlv(0x30, pathLength!.bytes, cA!.bytes)));
    }));
    assert.equal(profileOf(ClientCertificate.from(ca.der)).basicConstraints?.ca, true, 'control: the certificate as issued');
    assert.throws(() => profileOf(ClientCertificate.from(swapped.der)), (error: unknown) => error instanceof MtlsError && error.code === 'ERR_MTLS_CERT_MALFORMED'
      && /basicConstraints/.test(error.message));
  });
});
