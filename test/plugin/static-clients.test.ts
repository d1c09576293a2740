// createMtls().configure() checks the mTLS metadata of static clients at startup, against a trust
// anchor made with the openssl command line, naming the client and the field.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { createMtls } from '../../src/index.js';
import { ConfigurationError } from '../../src/errors.js';
import { spkiSha256 } from '../../src/certificate/index.js';
import { makeOpensslPki, type OpensslPki } from '../cli/openssl.js';

describe('configure(): static clients\' mTLS metadata', function () {
  this.timeout(60_000);
  let pki: OpensslPki;
  let root: string;
  before(async () => {
    pki = await makeOpensslPki();
    root = await readFile(pki.file('root.pem'), 'utf8');
  });
  after(() => pki.close());

  const tls = (extra: object) => ({ client_id: 'bank-app', token_endpoint_auth_method: 'tls_client_auth', ...extra });
  function refusal(clients: object[], options: object = {}): string {
    const mtls = createMtls({ trustAnchors: [root], ...options });
    try {
      mtls.configure({ clients });
    } catch (error) {
      assert.ok(error instanceof ConfigurationError);
      assert.equal(error.code, 'ERR_MTLS_INVALID_OPTION');
      return error.message;
    }
    return assert.fail('configure() accepted the clients');
  }

  it('accepts well-formed metadata, pins of a configured anchor included', () => {
    const mtls = createMtls({ trustAnchors: [root] });
    mtls.configure({ clients: [
      tls({ tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB', tls_client_auth_anchor_pins: [spkiSha256(root)] }),
      tls({ client_id: 'ip', tls_client_auth_san_ip: '2001:db8::1' }),
      { client_id: 'device', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [] } },
      { client_id: 'plain', token_endpoint_auth_method: 'client_secret_basic', client_secret: 'x' },
    ] });
  });

  it('recognises openssl\'s /C=GB/O=.../CN=... form and suggests the RFC 4514 string', () => {
    const message = refusal([tls({ tls_client_auth_subject_dn: '/C=GB/O=Example Bank/CN=client-a' })]);
    assert.match(message, /^clients\[0\] \(client_id "bank-app"\)\.tls_client_auth_subject_dn is in openssl's/);
    assert.match(message, /"CN=client-a,O=Example Bank,C=GB"/);
  });

  it('a DN without type= gets a format hint', () => {
    assert.match(refusal([tls({ tls_client_auth_subject_dn: 'client-a' })]), /tls_client_auth_subject_dn has no "type=value" pairs: write an RFC 4514 string such as "CN=client-a,O=Example,C=GB"/);
  });

  it('other DN syntax errors carry the parser\'s position', () => {
    assert.match(refusal([tls({ tls_client_auth_subject_dn: 'CN=a,,O=b' })]), /tls_client_auth_subject_dn is not a valid RFC 4514 distinguished name: .*position 5/);
  });

  it('SAN forms', () => {
    assert.match(refusal([tls({ tls_client_auth_san_ip: '10.0.0.256' })]), /\.tls_client_auth_san_ip must be an IPv4 or IPv6 address/);
    assert.match(refusal([tls({ tls_client_auth_san_dns: 'https://client.example.com' })]), /\.tls_client_auth_san_dns must be a DNS name/);
    assert.match(refusal([tls({ tls_client_auth_san_uri: 'client.example.com' })]), /\.tls_client_auth_san_uri must be an absolute URI/);
    assert.match(refusal([tls({ tls_client_auth_san_email: 'ops' })]), /\.tls_client_auth_san_email must be an email address/);
  });

  it('exactly one subject property for tls_client_auth', () => {
    assert.match(refusal([tls({})]), /token_endpoint_auth_method tls_client_auth needs exactly one of .* found none/);
    assert.match(refusal([tls({ tls_client_auth_subject_dn: 'CN=a', tls_client_auth_san_dns: 'a.example' })]), /found tls_client_auth_subject_dn, tls_client_auth_san_dns/);
  });

  it('pins: shape, and at least one configured anchor', () => {
    assert.match(refusal([tls({ tls_client_auth_subject_dn: 'CN=a', tls_client_auth_anchor_pins: ['abc'] })]), /\.tls_client_auth_anchor_pins must be a non-empty array/);
    const other = 'A'.repeat(43);
    assert.match(refusal([tls({ tls_client_auth_subject_dn: 'CN=a', tls_client_auth_anchor_pins: [other] })]), new RegExp(`names none of the configured trust anchors \\(their pins: ${spkiSha256(root)}\\)`));
  });

  it('a method createMtls() disabled', () => {
    assert.match(refusal([{ client_id: 'device', token_endpoint_auth_method: 'self_signed_tls_client_auth' }], { selfSignedTlsClientAuth: false }),
      /clients\[0\] \(client_id "device"\)\.token_endpoint_auth_method is self_signed_tls_client_auth, which createMtls\(\) has disabled/);
    const mtls = createMtls({ tlsClientAuth: false });
    assert.throws(() => mtls.configure({ clients: [tls({ tls_client_auth_subject_dn: 'CN=a' })] }), /tlsClientAuth: false/);
  });
});
