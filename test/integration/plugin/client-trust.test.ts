// Per-client trust at the token endpoint of a real provider: anchor pins with a cross-signed CA
// (a client pinned to either anchor of the pair authenticates), certificate policies registered
// per client (a PSD2 deployment accepting only QWACs), and pins computed the README's way.
import assert from 'node:assert/strict';
import { spkiSha256 } from '../../../src/certificate/index.js';
import { postForm, tlsFetch } from '../../support/client.js';
import { crossSign } from '../../support/cross-sign.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { ANY_POLICY, certificatePolicies } from '../../support/policies.js';
import { startTestProvider, type TestProvider } from '../../support/provider.js';

const QWAC = '0.4.0.194112.1.4';
const QCP_N = '0.4.0.194112.1.0';
const CROSS_DN = 'CN=cross-client,O=Example Bank,C=GB';
const TPP_DN = 'CN=tpp,O=Example TPP,C=GB';

const client = (clientId: string, dn: string, extra: Record<string, unknown>) => ({
  client_id: clientId,
  token_endpoint_auth_method: 'tls_client_auth',
  tls_client_auth_subject_dn: dn,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  ...extra,
});

describe('plugin: per-client anchor pins and certificate policies at the token endpoint', () => {
  let pki: TestPki;
  let op: TestProvider;
  let rootA: TestCertificate;
  let rootB: TestCertificate;
  let unrelated: TestCertificate;
  let crossClient: TestCertificate;
  let qwac: TestCertificate;
  let qcp: TestCertificate;

  before(async () => {
    pki = await createTestPki();
    rootA = await issue({ subject: 'CN=Cross Root A,O=Tests', ca: true });
    rootB = await issue({ subject: 'CN=Cross Root B,O=Tests', ca: true });
    unrelated = await issue({ subject: 'CN=Unrelated Root,O=Tests', ca: true });
    const issuing = await issue({ subject: 'CN=Cross Issuing CA,O=Tests', ca: true, issuer: rootA });
    const leaf = await issue({ subject: CROSS_DN, issuer: issuing });
    // The client sends its issuing CA and Root A as certified by Root B: a path reaches either root.
    crossClient = { ...leaf, chainPem: issuing.pem + await crossSign(rootA, rootB) };

    const qtsp = await issue({ subject: 'CN=QTSP CA,O=Tests', ca: true, issuer: pki.root, extensions: [certificatePolicies([ANY_POLICY])] });
    qwac = await issue({ subject: TPP_DN, issuer: qtsp, extensions: [certificatePolicies([QWAC])] });
    qcp = await issue({ subject: TPP_DN, issuer: qtsp, extensions: [certificatePolicies([QCP_N])] });

    op = await startTestProvider({
      pki,
      mtls: { trustAnchors: [pki.root.pem, rootA.pem, rootB.pem, unrelated.pem] },
      clients: [
        client('pinned-a', CROSS_DN, { tls_client_auth_anchor_pins: [spkiSha256(rootA.pem)] }),
        client('pinned-b', CROSS_DN, { tls_client_auth_anchor_pins: [spkiSha256(rootB.pem)] }),
        client('pinned-unrelated', CROSS_DN, { tls_client_auth_anchor_pins: [spkiSha256(unrelated.pem)] }),
        client('psd2', TPP_DN, { tls_client_auth_certificate_policies: [QWAC] }),
        client('psd2-any', TPP_DN, {}),
        client('psd2-pinned-elsewhere', TPP_DN, { tls_client_auth_certificate_policies: [QWAC], tls_client_auth_anchor_pins: [spkiSha256(rootB.pem)] }),
      ] as never,
    });
  });

  after(() => op.close());

  async function tokenRequest(clientId: string, cert: TestCertificate) {
    const before = op.refusals.length;
    const result = await postForm(tlsFetch(pki.root, cert), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: clientId });
    return { ...result, codes: op.refusals.slice(before).map((error) => error.code) };
  }

  describe('anchor pins with a cross-signed CA', () => {
    it('a client pinned to the anchor the first path reaches authenticates', async () => {
      const { status, body } = await tokenRequest('pinned-a', crossClient);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(typeof body.access_token, 'string');
    });

    it('a client pinned to the other anchor of the pair authenticates too', async () => {
      const { status, body } = await tokenRequest('pinned-b', crossClient);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(typeof body.access_token, 'string');
    });

    it('a client pinned to an unrelated anchor is refused: 401 invalid_client, ERR_MTLS_ANCHOR_NOT_ALLOWED', async () => {
      const { status, body, codes } = await tokenRequest('pinned-unrelated', crossClient);
      assert.equal(status, 401);
      assert.equal(body.error, 'invalid_client');
      assert.deepEqual(codes, ['ERR_MTLS_ANCHOR_NOT_ALLOWED']);
    });
  });

  describe('certificate policies per client (tls_client_auth_certificate_policies)', () => {
    it('a certificate valid for the registered policy authenticates', async () => {
      const { status, body } = await tokenRequest('psd2', qwac);
      assert.equal(status, 200, JSON.stringify(body));
    });

    it('a certificate valid only for another policy is refused: 401 invalid_client, ERR_MTLS_POLICY', async () => {
      const { status, body, codes } = await tokenRequest('psd2', qcp);
      assert.equal(status, 401);
      assert.equal(body.error, 'invalid_client');
      assert.match(String(body.error_description), new RegExp(QCP_N.replaceAll('.', '\\.')));
      assert.deepEqual(codes, ['ERR_MTLS_POLICY']);
    });

    it('a client without registered policies accepts either', async () => {
      assert.equal((await tokenRequest('psd2-any', qcp)).status, 200);
      assert.equal((await tokenRequest('psd2-any', qwac)).status, 200);
    });

    it('pins and policies both apply: the pinned anchor comes first', async () => {
      const { status, codes } = await tokenRequest('psd2-pinned-elsewhere', qwac);
      assert.equal(status, 401);
      assert.deepEqual(codes, ['ERR_MTLS_ANCHOR_NOT_ALLOWED']);
    });

    it('registration refuses policies that are not a non-empty list of OIDs, with invalid_client_metadata', async () => {
      for (const policies of [[], ['qwac'], '0.4.0.194112.1.4', [QWAC, 42]]) {
        await assert.rejects(op.provider.Client.validate(client('bad', TPP_DN, { tls_client_auth_certificate_policies: policies }) as never), (error: { error?: string; error_description?: string }) => {
          assert.equal(error.error, 'invalid_client_metadata');
          assert.match(String(error.error_description), /tls_client_auth_certificate_policies must be a non-empty array/);
          return true;
        });
      }
      await op.provider.Client.validate(client('good', TPP_DN, { tls_client_auth_certificate_policies: [QWAC, QCP_N] }) as never);
    });
  });

  it('the README\'s pin, spkiSha256(pem), is the base64url form anchor pins require, and registers', async () => {
    const pin = spkiSha256(rootA.pem);
    assert.match(pin, /^[A-Za-z0-9_-]{43}$/);
    await op.provider.Client.validate(client('readme-pin', CROSS_DN, { tls_client_auth_anchor_pins: [pin] }) as never);
  });
});
