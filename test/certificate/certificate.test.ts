import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ClientCertificate, decodePemCertificates } from '../../src/certificate/index.js';
import { createTestPki, type TestPki } from '../support/pki.js';

const malformed = (error: unknown) => (error as { code?: string }).code === 'ERR_MTLS_CERT_MALFORMED';

describe('ClientCertificate', () => {
  let pki: TestPki;
  before(async () => { pki = await createTestPki(); });

  it('parses PEM, DER and node:crypto values to the same certificate, x5t#S256 over the DER (RFC 8705 section 3.1)', () => {
    const expected = createHash('sha256').update(pki.clientA.der).digest('base64url');
    for (const input of [pki.clientA.pem, pki.clientA.der, new Uint8Array(pki.clientA.der), pki.clientA.x509]) {
      const certificate = ClientCertificate.from(input);
      assert.equal(certificate.thumbprint, expected);
      assert.deepEqual(certificate.der, pki.clientA.der);
    }
    assert.equal(ClientCertificate.from(pki.clientA.pem).toPEM().trim(), pki.clientA.pem.trim());
  });

  it('refuses bytes after the certificate, which would give one certificate many thumbprints', () => {
    assert.throws(() => ClientCertificate.from(Buffer.concat([pki.clientA.der, Buffer.from([0x00])])), malformed);
    assert.throws(() => ClientCertificate.from(pki.clientA.der.subarray(0, pki.clientA.der.length - 1)), malformed);
    assert.throws(() => ClientCertificate.from(Buffer.from('not a certificate')), malformed);
  });

  it('takes exactly one CERTIFICATE block from PEM and refuses keys, text outside blocks, and bundles', () => {
    assert.throws(() => ClientCertificate.from(pki.clientA.pem + pki.intermediate.pem), malformed);
    assert.throws(() => ClientCertificate.from(pki.clientA.keyPem), malformed);
    assert.throws(() => ClientCertificate.from(`${pki.clientA.pem}trailing text`), malformed);
    assert.equal(ClientCertificate.list(pki.clientA.pem + pki.intermediate.pem).length, 2);
    assert.throws(() => decodePemCertificates(''), malformed);
  });
});
