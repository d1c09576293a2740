// Attacks on tls_client_auth at the token endpoint that docs/security.md's attack table lists and no
// other integration test covers end to end: a CA certificate used as a client certificate, a
// certificate not valid yet, a chain through an intermediate that violates its name constraints,
// a chain longer than any legitimate one, and oversized proxy headers. Each is a real TLS
// handshake (or a real trusted-proxy request) against a real provider with the plugin.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { headerSource } from '../../../src/intake/index.js';
import { tlsFetch, postForm } from '../../support/client.js';
import { createTestPki, issue, KeyUsage, OID, type TestCertificate, type TestPki } from '../../support/pki.js';
import { startTestProvider, type TestProvider } from '../../support/provider.js';

const common = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
const form = (clientId: string) => ({ grant_type: 'client_credentials', client_id: clientId });

/** A critical nameConstraints extension permitting only dNSNames under `domain` (RFC 5280 4.2.1.10). */
function permitDns(domain: string): x509.Extension {
  const permitted = new GeneralSubtrees([new GeneralSubtree({ base: new GeneralName({ dNSName: domain }) })]);
  return new x509.Extension('2.5.29.30', true, AsnConvert.serialize(new NameConstraints({ permittedSubtrees: permitted })));
}

describe('attacks: certificates a client should never get a token with', () => {
  let pki: TestPki;
  let op: TestProvider;
  let signingCa: TestCertificate;
  let future: TestCertificate;
  let constrainedCa: TestCertificate;
  let outside: TestCertificate;
  let deep: { leaf: TestCertificate; cas: TestCertificate[] };

  before(async () => {
    pki = await createTestPki();
    // A CA certificate that could sign a TLS handshake: cA, keyCertSign and digitalSignature, clientAuth.
    signingCa = await issue({
      subject: 'CN=Signing CA,O=Example Bank,C=GB', ca: true, issuer: pki.root,
      keyUsage: KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature, eku: [OID.clientAuth],
    });
    future = await issue({ subject: 'CN=future,O=Example Bank,C=GB', issuer: pki.intermediate, notBefore: new Date(Date.now() + 86_400_000), notAfter: new Date(Date.now() + 2 * 86_400_000) });
    constrainedCa = await issue({ subject: 'CN=Constrained CA,O=Example Bank,C=GB', ca: true, issuer: pki.root, extensions: [permitDns('allowed.example')] });
    outside = await issue({ subject: 'CN=outside,O=Example Bank,C=GB', issuer: constrainedCa, sans: [{ type: 'dns', value: 'client.evil.example' }] });
    // Twelve CAs in a row under the root: longer than the default limit of 8 intermediates.
    const cas: TestCertificate[] = [];
    let parent = pki.root;
    for (let depth = 0; depth < 12; depth += 1) {
      parent = await issue({ subject: `CN=Deep CA ${depth}`, ca: true, issuer: parent });
      cas.push(parent);
    }
    deep = { leaf: await issue({ subject: 'CN=deep,O=Example Bank,C=GB', issuer: parent }), cas };
    const tls = (clientId: string, extra: Record<string, unknown>) => ({ client_id: clientId, token_endpoint_auth_method: 'tls_client_auth', ...extra, ...common });
    op = await startTestProvider({
      pki,
      clients: [
        tls('issuing-ca', { tls_client_auth_subject_dn: 'CN=Test Issuing CA,O=oidc-provider-mtls tests' }),
        tls('signing-ca', { tls_client_auth_subject_dn: 'CN=Signing CA,O=Example Bank,C=GB' }),
        tls('future', { tls_client_auth_subject_dn: 'CN=future,O=Example Bank,C=GB' }),
        tls('outside', { tls_client_auth_san_dns: 'client.evil.example' }),
        tls('deep', { tls_client_auth_subject_dn: 'CN=deep,O=Example Bank,C=GB' }),
      ] as never,
    });
  });

  after(() => op?.close());

  /** A token request on the mTLS alias presenting `chain` (leaf first) with `key`. */
  async function attempt(clientId: string, chain: TestCertificate[]) {
    const before = op.refusals.length;
    const fetch = tlsFetch(pki.root, { ...chain[0]!, pem: chain.map((cert) => cert.pem).join('') });
    const response = await postForm(fetch, `${op.mtlsOrigin}/token`, form(clientId));
    return { ...response, codes: op.refusals.slice(before).map((error) => error.code) };
  }

  it('the issuing CA\'s own certificate (and key) presented as a client certificate: 401 invalid_client, ERR_MTLS_KEY_USAGE', async () => {
    const { status, body, codes } = await attempt('issuing-ca', [pki.intermediate]);
    assert.equal(status, 401);
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(codes, ['ERR_MTLS_KEY_USAGE']);
  });

  it('a CA certificate able to sign handshakes, presented as a client certificate: refused, a CA is never a client', async () => {
    const { status, body, codes } = await attempt('signing-ca', [signingCa]);
    assert.equal(status, 401, JSON.stringify(body));
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(codes, ['ERR_MTLS_KEY_USAGE']);
  });

  it('a certificate not valid yet: 401 invalid_client, ERR_MTLS_CERT_NOT_YET_VALID', async () => {
    const { status, body, codes } = await attempt('future', [future, pki.intermediate]);
    assert.equal(status, 401);
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(codes, ['ERR_MTLS_CERT_NOT_YET_VALID']);
  });

  it('a chain through an intermediate whose name constraints exclude the leaf\'s SAN: 401 invalid_client, ERR_MTLS_NAME_CONSTRAINTS', async () => {
    const { status, body, codes } = await attempt('outside', [outside, constrainedCa]);
    assert.equal(status, 401);
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(codes, ['ERR_MTLS_NAME_CONSTRAINTS']);
  });

  it('a chain of 12 intermediates: refused (ERR_MTLS_CHAIN_TOO_LONG or cut short, ERR_MTLS_CHAIN_UNTRUSTED), never walked without bound', async () => {
    const { status, body, codes } = await attempt('deep', [deep.leaf, ...[...deep.cas].reverse()]);
    assert.equal(status, 401);
    assert.equal(body.error, 'invalid_client');
    assert.equal(codes.length, 1);
    assert.ok(['ERR_MTLS_CHAIN_TOO_LONG', 'ERR_MTLS_CHAIN_UNTRUSTED'].includes(codes[0]!), codes[0]);
  });

  describe('oversized certificate headers from the trusted proxy', () => {
    let proxied: TestProvider;

    before(async () => {
      proxied = await startTestProvider({
        pki,
        clients: [{ client_id: 'tls-a', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB', ...common }] as never,
        mtls: { certificateSource: headerSource({ format: 'rfc9440', trustedProxies: { addresses: ['127.0.0.1/32'] }, maxLength: 4096 }) },
      });
    });

    after(() => proxied?.close());

    async function viaProxy(headers: Record<string, string>) {
      const before = proxied.refusals.length;
      const response = await postForm(tlsFetch(pki.root), `${proxied.issuer}/token`, form('tls-a'), headers);
      return { ...response, codes: proxied.refusals.slice(before).map((error) => error.code) };
    }

    it('a Client-Cert header over maxLength (8 KiB against 4 KiB): 400 invalid_request, ERR_MTLS_HEADER_TOO_LARGE, nothing decoded', async () => {
      const { status, body, codes } = await viaProxy({ 'client-cert': `:${'A'.repeat(8_192)}:` });
      assert.equal(status, 400);
      assert.equal(body.error, 'invalid_request');
      assert.deepEqual(codes, ['ERR_MTLS_HEADER_TOO_LARGE']);
    });

    it('a 64 KiB header never reaches the plugin: Node\'s HTTP parser answers 431 first', async () => {
      const { status, codes } = await viaProxy({ 'client-cert': `:${'A'.repeat(65_536)}:` });
      assert.equal(status, 431);
      assert.deepEqual(codes, []);
    });

    it('a Client-Cert-Chain of 12 certificates: 400 invalid_request, ERR_MTLS_HEADER_TOO_LARGE', async () => {
      const chain = deep.cas.slice(0, 12).map((cert) => `:${cert.der.toString('base64')}:`).join(', ');
      const { status, body, codes } = await viaProxy({ 'client-cert': `:${pki.clientA.der.toString('base64')}:`, 'client-cert-chain': chain });
      assert.equal(status, 400);
      assert.equal(body.error, 'invalid_request');
      assert.deepEqual(codes, ['ERR_MTLS_HEADER_TOO_LARGE']);
    });

    it('the same client with a well-formed header gets its token (the refusals above are about size alone)', async () => {
      const { status, body } = await viaProxy({ 'client-cert': `:${pki.clientA.der.toString('base64')}:`, 'client-cert-chain': `:${pki.intermediate.der.toString('base64')}:` });
      assert.equal(status, 200, JSON.stringify(body));
    });
  });
});
