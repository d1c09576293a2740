// Whole-document DER checks: a certificate, a CRL and an OCSP response re-encoded in one BER form
// at a time (each a form some lenient parser still reads) are refused before any other parser
// sees them, with the unmodified document as the control each time.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { DEFAULT_ALGORITHM_POLICY } from '../../src/certificate/algorithms.js';
import { ClientCertificate } from '../../src/certificate/certificate.js';
import { childrenOf, DerError, parseTlv, type Tlv } from '../../src/certificate/der.js';
import { buildOcspRequest, checkOcspResponse } from '../../src/certificate/revocation/ocsp.js';
import { assertCertificateDer, assertCrlDer, assertOcspResponseDer } from '../../src/certificate/x509-der.js';
import { MtlsError } from '../../src/errors.js';
import { at, longLength, rewrite, tlv } from '../support/der.js';
import { createTestPki, issue, OID, type TestPki } from '../support/pki.js';
import { createCrl, ocspResponse } from '../support/revocation.js';

/** `der` with the element at `path` replaced by `replace(element)`; everything else re-encoded in DER. */
function edit(der: Buffer, path: readonly number[], replace: (element: Tlv) => Buffer): Buffer {
  return rewrite(parseTlv(der), (element, where) => (where.length === path.length && where.every((index, i) => index === path[i]) ? replace(element) : undefined));
}

function malformed(der: Buffer, reason: RegExp): void {
  assert.throws(() => ClientCertificate.from(der), (error: unknown) => error instanceof MtlsError && error.code === 'ERR_MTLS_CERT_MALFORMED' && reason.test(error.message));
}

// tbsCertificate fields of the test PKI's v3 certificates, and the order of a leaf's extensions.
const TBS = { version: 0, serial: 1, subject: 5, extensions: 7 } as const;
const EXTENSION = { keyUsage: 0, extKeyUsage: 1 } as const;

describe('x509-der: certificates, CRLs and OCSP responses are DER throughout', () => {
  let pki: TestPki;
  before(async () => {
    pki = await createTestPki();
  });

  describe('certificates', () => {
    it('accepts the test PKI\'s certificates (the control)', () => {
      for (const certificate of [pki.root, pki.intermediate, pki.server, pki.clientA, pki.selfSigned]) {
        assert.doesNotThrow(() => assertCertificateDer(certificate.der));
        assert.ok(ClientCertificate.from(certificate.der).der.equals(certificate.der));
      }
    });

    it('refuses a non-minimal length outside the signed part, which OpenSSL reads and a thumbprint would tell apart', () => {
      const bytes = edit(pki.clientA.der, [1], (element) => longLength(element, 1));
      assert.ok(new X509Certificate(bytes).verify(pki.intermediate.x509.publicKey), 'OpenSSL reads it, signature and all');
      malformed(bytes, /not DER: long-form length/);
    });

    it('refuses a non-DER tbsCertificate through Node\'s X509Certificate view too (OpenSSL keeps the signed bytes as they came)', () => {
      const bytes = edit(pki.clientA.der, [0, TBS.subject, 0, 0, 1], (element) => longLength(element, 1));
      const view = new X509Certificate(bytes);
      assert.ok(view.raw.equals(bytes), 'OpenSSL kept the non-DER encoding');
      assert.throws(() => ClientCertificate.from(view), (error: unknown) => error instanceof MtlsError && error.code === 'ERR_MTLS_CERT_MALFORMED');
    });

    it('refuses a non-minimal length, INTEGER or string inside tbsCertificate', () => {
      const cn = (path: number[]) => edit(pki.clientA.der, [0, TBS.subject, ...path], (element) => longLength(element, 2));
      malformed(cn([]), /leading zero/);
      malformed(cn([0, 0, 1]), /leading zero/);
      malformed(edit(pki.clientA.der, [0, TBS.serial], (element) => tlv(0x02, [0], element.content)), /INTEGER not in its minimal encoding/);
      const printable = edit(pki.clientB.der, [0, TBS.subject, 0, 0, 1], () => tlv(0x13, Buffer.from('G@')));
      malformed(printable, /PrintableString/);
    });

    it('refuses a multi-valued RDN whose values are not in DER SET OF order', async () => {
      const multi = await issue({ subject: 'CN=svc+OU=unit,O=Example', issuer: pki.intermediate });
      const subject = at(parseTlv(multi.der), 0, TBS.subject);
      const rdnIndex = childrenOf(subject).findIndex((rdn) => childrenOf(rdn).length === 2);
      const sorted = edit(multi.der, [0, TBS.subject, rdnIndex], (rdn) => tlv(0x31, ...childrenOf(rdn).map((pair) => pair.bytes).sort(Buffer.compare)));
      assert.doesNotThrow(() => ClientCertificate.from(sorted));
      const reversed = edit(multi.der, [0, TBS.subject, rdnIndex], (rdn) => tlv(0x31, ...childrenOf(rdn).map((pair) => pair.bytes).sort(Buffer.compare).reverse()));
      malformed(reversed, /SET OF/);
    });

    it('refuses DEFAULT values written out: version v1, critical FALSE, cA FALSE (X.690 11.5)', () => {
      malformed(edit(pki.selfSigned.der, [0, TBS.version], () => tlv(0xa0, [0x02, 0x01, 0x00])), /version v1/);
      const eku = at(parseTlv(pki.clientA.der), 0, TBS.extensions, 0, EXTENSION.extKeyUsage);
      const [oid, value] = childrenOf(eku);
      malformed(edit(pki.clientA.der, [0, TBS.extensions, 0, EXTENSION.extKeyUsage], () => tlv(0x30, oid!.bytes, [0x01, 0x01, 0x00], value!.bytes)), /critical FALSE/);
      assert.doesNotThrow(() => ClientCertificate.from(edit(pki.clientA.der, [0, TBS.extensions, 0, EXTENSION.extKeyUsage], () => tlv(0x30, oid!.bytes, [0x01, 0x01, 0xff], value!.bytes))));
      const basicConstraints = (body: number[]) => tlv(0x30, [0x06, 0x03, 0x55, 0x1d, 0x13], tlv(0x04, tlv(0x30, body)));
      malformed(edit(pki.clientA.der, [0, TBS.extensions, 0, EXTENSION.extKeyUsage], () => basicConstraints([0x01, 0x01, 0x00])), /cA FALSE/);
      assert.doesNotThrow(() => ClientCertificate.from(edit(pki.clientA.der, [0, TBS.extensions, 0, EXTENSION.extKeyUsage], () => basicConstraints([]))));
    });

    it('refuses keyUsage with trailing zero bits (a named bit list, X.690 11.2.2)', () => {
      const keyUsage = (bits: number[]) => edit(pki.clientA.der, [0, TBS.extensions, 0, EXTENSION.keyUsage, 2], () => tlv(0x04, tlv(0x03, bits)));
      assert.doesNotThrow(() => ClientCertificate.from(keyUsage([0x07, 0x80])));
      malformed(keyUsage([0x00, 0x80]), /trailing zero bits/);
      malformed(keyUsage([0x07, 0x80, 0x00]), /not set to zero|trailing zero bits/);
    });

    it('refuses an extension value that is not one DER element, even an extension nobody reads', async () => {
      const opaque = (value: Buffer) => issue({
        subject: 'CN=opaque', issuer: pki.intermediate,
        extensions: [new x509.Extension('1.3.6.1.4.1.55555.9', false, value)],
      });
      const control = await opaque(tlv(0x04, [0xaa]));
      assert.doesNotThrow(() => ClientCertificate.from(control.der));
      malformed((await opaque(Buffer.from([0x04, 0x81, 0x01, 0xaa]))).der, /extension 1\.3\.6\.1\.4\.1\.55555\.9: long-form length/);
      malformed((await opaque(Buffer.from([0x05, 0x00, 0x00]))).der, /trailing bytes/);
    });
  });

  describe('CRLs', () => {
    it('accepts a CRL as issued, and refuses one with a non-DER cRLNumber, thisUpdate or entry extension', async () => {
      const crl = await createCrl(pki.intermediate, { revoked: [pki.clientB] });
      assert.doesNotThrow(() => assertCrlDer(crl));
      // TBSCertList: version, signature, issuer, thisUpdate, nextUpdate, revokedCertificates, [0] crlExtensions
      const refused = (bytes: Buffer, reason: RegExp) => assert.throws(() => assertCrlDer(bytes), (error: unknown) => error instanceof DerError && reason.test(error.message));
      refused(edit(crl, [0, 3], (element) => longLength(element, 1)), /long-form length/);
      refused(edit(crl, [0, 6, 0, 0, 1], () => tlv(0x04, [0x02, 0x02, 0x00, 0x01])), /cRLNumber|2\.5\.29\.20: INTEGER not in its minimal/);
      const entry = at(parseTlv(crl), 0, 5, 0);
      const reasonExtension = at(entry, 2, 0);
      const [oid, value] = childrenOf(reasonExtension);
      refused(edit(crl, [0, 5, 0, 2, 0], () => tlv(0x30, oid!.bytes, [0x01, 0x01, 0x00], value!.bytes)), /critical FALSE/);
      refused(edit(crl, [0, 5, 0, 2, 0], () => tlv(0x30, oid!.bytes, tlv(0x04, [0x0a, 0x02, 0x00, 0x01]))), /ENUMERATED|INTEGER not in its minimal/);
    });
  });

  describe('OCSP responses', () => {
    it('checks the BasicOCSPResponse inside its OCTET STRING, and the certificates it embeds', async () => {
      const request = buildOcspRequest(ClientCertificate.from(pki.clientA.der), ClientCertificate.from(pki.intermediate.der));
      const good = ocspResponse(request, pki.intermediate, {});
      assert.doesNotThrow(() => assertOcspResponseDer(good));
      // OCSPResponse { status, [0] { type, OCTET STRING { BasicOCSPResponse { ResponseData { responderID, producedAt, ... } } } } }
      const [, bytes] = childrenOf(parseTlv(good));
      const octets = at(bytes!, 0, 1);
      const basic = parseTlv(octets.content);
      const withBasic = (replacement: Buffer) => edit(good, [1, 0, 1], () => tlv(0x04, replacement));
      const producedAtLong = rewrite(basic, (element, path) => (path.join() === '0,1' ? longLength(element, 1) : undefined));
      assert.throws(() => assertOcspResponseDer(withBasic(producedAtLong)), /long-form length/);
      // And the checker refuses it with an error that says why, not a crash or a lenient read.
      assert.throws(() => checkOcspResponse(withBasic(producedAtLong), ClientCertificate.from(pki.clientA.der), ClientCertificate.from(pki.intermediate.der), Date.now(),
        { limits: { timeout: 1000, maxBytes: 65536 }, algorithms: DEFAULT_ALGORITHM_POLICY, maxAge: 3600_000, maxResponseAge: 86_400_000, tolerance: 0 }, 'test'), /long-form length/);

      const responder = await issue({ subject: 'CN=OCSP responder', issuer: pki.intermediate, eku: [OID.ocspSigning] });
      const delegated = ocspResponse(request, pki.intermediate, { signer: responder });
      assert.doesNotThrow(() => assertOcspResponseDer(delegated));
      const delegatedBasic = parseTlv(at(parseTlv(delegated), 1, 0, 1).content);
      const badCert = rewrite(delegatedBasic, (element, path) => (path.join() === '3,0,0,0,1' ? tlv(0x02, [0], element.content) : undefined));
      assert.throws(() => assertOcspResponseDer(edit(delegated, [1, 0, 1], () => tlv(0x04, badCert))), /INTEGER not in its minimal/);
    });
  });
});
