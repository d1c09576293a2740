// Registration and matching read each tls_client_auth_* value with one parser: what registers
// can authenticate, and what could never authenticate is refused at registration with
// invalid_client_metadata (not accepted, then failing every token request).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Provider } from 'oidc-provider';
import { createMtls } from '../../src/index.js';
import { subjectMatches } from '../../src/certificate/index.js';
import { formatIpAddress, parseIpAddress } from '../../src/certificate/ip.js';
import { parseTlv } from '../../src/certificate/der.js';
import { longLength } from '../support/der.js';
import { createTestPki, issue, type TestPki } from '../support/pki.js';

const base = { token_endpoint_auth_method: 'tls_client_auth', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };

describe('registration uses the matcher\'s parsers', () => {
  let pki: TestPki;
  let provider: Provider;
  before(async () => {
    pki = await createTestPki();
    provider = new Provider('https://op.example.test', createMtls({ trustAnchors: [pki.root.pem] }).configure({ features: { clientCredentials: { enabled: true } } }));
  });

  async function registers(metadata: Record<string, unknown>): Promise<true | string> {
    try {
      await provider.Client.validate({ ...base, client_id: 'c', ...metadata } as never);
      return true;
    } catch (error) {
      const { error: code, error_description: description } = error as { error?: string; error_description?: string };
      assert.equal(code, 'invalid_client_metadata');
      return String(description);
    }
  }

  it('refuses an IPv6 address with a zone identifier, which Node\'s isIP accepts and no iPAddress SAN can hold', async () => {
    for (const value of ['fe80::1%eth0', 'fe80::1%1', '01.2.3.4', '1.2.3', '1.2.3.4/32', '::1 ', '']) {
      assert.match(String(await registers({ tls_client_auth_san_ip: value })), /tls_client_auth_san_ip must be an IPv4 or IPv6 address/, value);
    }
    assert.equal(await registers({ tls_client_auth_san_ip: 'fe80::1' }), true);
  });

  it(`every IP text that registers matches a certificate carrying that address (generated, seed 8705)`, async () => {
    const texts = fc.sample(fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.ipV6().map((text) => text.toUpperCase()),
      fc.tuple(fc.ipV6(), fc.constantFrom('%eth0', '%25eth0', '%1')).map(([ip, zone]) => ip + zone),
      fc.ipV4Extended(),
    ), { numRuns: 60, seed: 8705 });
    const registered: string[] = [];
    for (const text of texts) {
      const outcome = await registers({ tls_client_auth_san_ip: text });
      assert.equal(outcome === true, parseIpAddress(text) !== undefined, `${text}: ${outcome}`);
      if (outcome === true) registered.push(text);
    }
    assert.ok(registered.length >= 20 && registered.length < texts.length, `${registered.length} of ${texts.length} registered`);
    const holder = await issue({
      subject: 'CN=ip-holder', issuer: pki.intermediate,
      sans: [...new Set(registered.map((text) => formatIpAddress(parseIpAddress(text)!)))].map((value) => ({ type: 'ip' as const, value })),
    });
    for (const text of registered) assert.ok(subjectMatches(holder.pem, 'tls_client_auth_san_ip', text), text);
  });

  it('refuses non-ASCII dns, uri and email values, which no IA5String SAN can hold, and accepts the A-label', async () => {
    assert.match(String(await registers({ tls_client_auth_san_dns: 'bücher.example' })), /tls_client_auth_san_dns must be ASCII/);
    assert.match(String(await registers({ tls_client_auth_san_uri: 'https://bücher.example/' })), /tls_client_auth_san_uri must be ASCII/);
    assert.match(String(await registers({ tls_client_auth_san_email: 'jörg@bank.example' })), /tls_client_auth_san_email must be ASCII/);
    assert.equal(await registers({ tls_client_auth_san_dns: 'xn--bcher-kva.example' }), true);
    const idn = await issue({ subject: 'CN=idn', issuer: pki.intermediate, sans: [{ type: 'dns', value: 'xn--bcher-kva.example' }] });
    assert.ok(subjectMatches(idn.pem, 'tls_client_auth_san_dns', 'xn--bcher-kva.example'));
  });

  it('refuses a self-signed client whose jwks certificate is not DER: the intake would refuse it when presented', async () => {
    const self = (cert: Buffer) => ({
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [{ ...pki.selfSigned.x509.publicKey.export({ format: 'jwk' }), use: 'sig', x5c: [cert.toString('base64')] }] },
    });
    assert.equal(await registers(self(pki.selfSigned.der)), true);
    const berOuter = longLength(parseTlv(pki.selfSigned.der), 3); // the outer length padded with a zero octet
    assert.match(String(await registers(self(berOuter))), /jwks\.keys\[0\]\.x5c\[0\] is not a certificate the intake accepts: the certificate is not DER: length with a leading zero octet/);
  });

  it('refuses a subject DN the matcher cannot parse', async () => {
    assert.match(String(await registers({ tls_client_auth_subject_dn: 'CN=a,,O=b' })), /not a valid RFC 4514 distinguished name/);
    assert.equal(await registers({ tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB' }), true);
  });
});
