// Bound tokens for the device_code and CIBA grants, their aliases in discovery, and
// self_signed_tls_client_auth key rotation through jwks_uri without a restart.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import sinon from 'sinon';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { postForm, tlsFetch } from '../../support/client.js';
import { jwkWithCertificate, startTestProvider, type TestProvider } from '../../support/provider.js';
import { x5t } from '../../support/thumbprint.js';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';

describe('plugin: device_code and CIBA grants, and jwks_uri rotation', () => {
  let pki: TestPki;
  let op: TestProvider;
  let jwksServer: Server;
  let jwksUri: string;
  let published: TestCertificate;

  before(async () => {
    pki = await createTestPki();
    published = pki.selfSigned;
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwkWithCertificate(published)] }));
    });
    jwksServer.listen(0, '127.0.0.1');
    await once(jwksServer, 'listening');
    jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;

    op = await startTestProvider({
      pki,
      clients: [
        {
          client_id: 'tls-device',
          token_endpoint_auth_method: 'tls_client_auth',
          tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB',
          tls_client_certificate_bound_access_tokens: true,
          grant_types: [DEVICE_GRANT, CIBA_GRANT],
          backchannel_token_delivery_mode: 'poll',
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: 'rotating-client',
          token_endpoint_auth_method: 'self_signed_tls_client_auth',
          jwks_uri: jwksUri,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
      ] as never,
      config: {
        features: {
          devInteractions: { enabled: false },
          clientCredentials: { enabled: true },
          introspection: { enabled: true },
          deviceFlow: { enabled: true },
          ciba: {
            enabled: true,
            deliveryModes: ['poll'],
            processLoginHint: async () => 'user-1',
            validateRequestContext: async () => undefined,
            verifyUserCode: async () => undefined,
            triggerAuthenticationDevice: async () => undefined,
          },
        },
        // The host refuses outgoing requests to special-use addresses (SSRF protection), and the
        // test's jwks_uri lives on loopback: drop that dispatcher for this test provider only.
        fetch: (url: string, { dispatcher: _ssrfGuard, ...init }: RequestInit & { dispatcher?: unknown }) => fetch(url, init),
      } as never,
    });
  });

  after(async () => {
    await op.close();
    jwksServer.close();
  });

  async function grantFor(clientId: string, scope = 'openid'): Promise<string> {
    const grant = new op.provider.Grant({ accountId: 'user-1', clientId });
    grant.addOIDCScope(scope);
    return grant.save();
  }

  it('advertises the device and backchannel endpoints in mtls_endpoint_aliases (RFC 8705 section 5)', async () => {
    const body = await (await tlsFetch(pki.root)(`${op.issuer}/.well-known/openid-configuration`)).json() as Record<string, Record<string, string>>;
    assert.equal(body.mtls_endpoint_aliases?.device_authorization_endpoint, `${op.mtlsOrigin}/device/auth`);
    assert.equal(body.mtls_endpoint_aliases?.backchannel_authentication_endpoint, `${op.mtlsOrigin}/backchannel`);
  });

  it('device_code: the token is bound to the certificate that redeems the device code', async () => {
    const fetch = tlsFetch(pki.root, pki.clientA);
    const device = await postForm(fetch, `${op.mtlsOrigin}/device/auth`, { client_id: 'tls-device', scope: 'openid' });
    assert.equal(device.status, 200, JSON.stringify(device.body));
    // What the host's /device verification page stores once the user approves.
    // The host stores user codes without the dash it shows to users.
    const code = await op.provider.DeviceCode.findByUserCode(String(device.body.user_code).replaceAll('-', ''));
    Object.assign(code!, { accountId: 'user-1', grantId: await grantFor('tls-device'), scope: 'openid', authTime: Math.floor(Date.now() / 1000) });
    await code!.save();

    const token = await postForm(fetch, `${op.mtlsOrigin}/token`, { grant_type: DEVICE_GRANT, device_code: String(device.body.device_code), client_id: 'tls-device' });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const stored = await op.provider.AccessToken.find(String(token.body.access_token));
    assert.equal(stored?.['x5t#S256'], x5t(pki.clientA));
  });

  it('CIBA (poll): the token is bound to the certificate of the polling client', async () => {
    const fetch = tlsFetch(pki.root, pki.clientA);
    const request = await postForm(fetch, `${op.mtlsOrigin}/backchannel`, { client_id: 'tls-device', scope: 'openid', login_hint: 'user-1' });
    assert.equal(request.status, 200, JSON.stringify(request.body));
    await op.provider.backchannelResult(String(request.body.auth_req_id), await grantFor('tls-device'));

    const token = await postForm(fetch, `${op.mtlsOrigin}/token`, { grant_type: CIBA_GRANT, auth_req_id: String(request.body.auth_req_id), client_id: 'tls-device' });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const stored = await op.provider.AccessToken.find(String(token.body.access_token));
    assert.equal(stored?.['x5t#S256'], x5t(pki.clientA));
  });

  it('self_signed_tls_client_auth: a certificate rotated at jwks_uri is accepted once the cached JWKS expires, without a restart', async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    try {
      const token = (cert: TestCertificate) => postForm(tlsFetch(pki.root, cert), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: 'rotating-client' });
      const first = await token(pki.selfSigned);
      assert.equal(first.status, 200, JSON.stringify(first.body));

      const next = await issue({ subject: 'CN=self-signed,O=rotated' });
      published = next;
      const early = await token(next);
      assert.equal(early.status, 401, 'the host keeps a fetched jwks_uri for at least 60 s');
      assert.equal(early.body.error, 'invalid_client');
      assert.equal(op.refusals.at(-1)?.code, 'ERR_MTLS_CERT_UNREGISTERED');

      clock.tick(61_000);
      assert.equal((await token(next)).status, 200);
      assert.equal((await token(pki.selfSigned)).status, 401, 'the retired certificate is refused');
    } finally {
      clock.restore();
    }
  });
});
