// A certificate re-encoded in a BER form DER forbids, signed by the trusted issuing CA and
// presented in a real TLS handshake: OpenSSL reads it (its subject is the registered one, its
// signature verifies), so only the strict DER check stands between it and a token. It must end
// in 401 invalid_client with ERR_MTLS_CERT_MALFORMED, never a 500 and never a token.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { childrenOf } from '../../../src/certificate/der.js';
import { at, longLength, resign, rewrite } from '../../support/der.js';
import { postForm, tlsFetch } from '../../support/client.js';
import { createTestPki, type TestCertificate, type TestPki } from '../../support/pki.js';
import { certificateClient, startTestProvider, type TestProvider } from '../../support/provider.js';

const SUBJECT = 5; // tbsCertificate field index of the subject in a v3 certificate

describe('attacks: a trusted CA\'s certificate in non-DER form at the token endpoint', () => {
  let pki: TestPki;
  let op: TestProvider;

  before(async () => {
    pki = await createTestPki();
    op = await startTestProvider({
      pki,
      clients: [certificateClient('tls-a')],
    });
  });

  after(() => op?.close());

  async function attempt(leaf: TestCertificate) {
    const before = op.refusals.length;
    const response = await postForm(tlsFetch(pki.root, leaf), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: 'tls-a' });
    return { ...response, codes: op.refusals.slice(before).map((error) => error.code) };
  }

  it('the certificate as issued gets a token (the control)', async () => {
    const { status, body } = await attempt(pki.clientA);
    assert.equal(status, 200, JSON.stringify(body));
  });

  it('the same certificate with its CN written with a long-form length, re-signed by the CA: 401 invalid_client, ERR_MTLS_CERT_MALFORMED', async () => {
    const { der, pem } = resign(pki.clientA, pki.intermediate, (tbs) => rewrite(tbs, (element, path) => (
      path.join() === `${SUBJECT},${childrenOf(at(tbs, SUBJECT)).length - 1},0,1` ? longLength(element, 1) : undefined)));
    const lenient = new X509Certificate(der);
    assert.equal(lenient.subject, pki.clientA.x509.subject, 'OpenSSL reads the registered subject');
    assert.ok(lenient.verify(pki.intermediate.x509.publicKey), 'and a valid CA signature');
    const { status, body, codes } = await attempt({ ...pki.clientA, pem, der });
    assert.equal(status, 401, JSON.stringify(body));
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(codes, ['ERR_MTLS_CERT_MALFORMED']);
  });
});
