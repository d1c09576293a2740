// FAPI 1.0 Advanced (Final) with mTLS, and the Part 1 items Part 2 imports: the requirements the
// preset itself enforces, each against a provider made with fapi1Advanced() over real TLS.
// openid-client drives the happy paths; raw requests carry what a conforming client never sends.
// docs/fapi.md maps each test to its requirement.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import * as oidc from 'openid-client';
import { authorize, discover, postForm, tlsFetch, type Fetch } from '../../support/client.js';
import { createTestPki, type TestPki } from '../../support/pki.js';
import { x5t } from '../../support/thumbprint.js';
import { assertionFields, clientAssertion, REDIRECT_URI, startFapiDeployment, type FapiDeployment } from './deployment.js';

const SUBJECT_A = 'CN=client-a,O=Example Bank,C=GB';

describe('FAPI 1.0 Advanced requirements, against fapi1Advanced() over real TLS', () => {
  let pki: TestPki;
  let deployment: FapiDeployment;
  let key: webcrypto.CryptoKeyPair;
  let withCertA: Fetch;

  before(async () => {
    pki = await createTestPki();
    withCertA = tlsFetch(pki.root, pki.clientA);
    key = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
    const jwks = { keys: [{ ...await webcrypto.subtle.exportKey('jwk', key.publicKey), alg: 'ES256', use: 'sig' } as never] };
    const tpp: Omit<ClientMetadata, 'client_id'> = {
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: SUBJECT_A,
      tls_client_certificate_bound_access_tokens: true,
      jwks,
      request_object_signing_alg: 'ES256',
      response_types: ['code'],
      grant_types: ['authorization_code'],
    };
    const clients: ClientMetadata[] = [
      { ...tpp, client_id: 'tpp-fapi1', redirect_uris: [REDIRECT_URI] },
      { ...tpp, client_id: 'tpp-pkjwt', token_endpoint_auth_method: 'private_key_jwt', grant_types: ['authorization_code', 'client_credentials'], redirect_uris: [REDIRECT_URI] },
      { ...tpp, client_id: 'tpp-http', redirect_uris: ['http://tpp.example.test/callback'] },
      { ...tpp, client_id: 'tpp-native-scheme', application_type: 'native', redirect_uris: ['com.example.tpp:/callback'] },
      { ...tpp, client_id: 'tpp-native-loopback', application_type: 'native', redirect_uris: ['http://127.0.0.1:53682/callback'] },
    ];
    deployment = await startFapiDeployment({ pki, profile: '1.0 Final', clients });
  });
  after(() => deployment.close());
  afterEach(() => assert.deepEqual(deployment.serverErrors, [], 'no refusal is a server error'));

  const client = (clientId = 'tpp-fapi1') => discover(
    deployment.issuer,
    clientId,
    { use_mtls_endpoint_aliases: true, authorization_signed_response_alg: 'PS256' },
    oidc.TlsClientAuth(),
    withCertA,
  );

  async function signedRequest(config: oidc.Configuration, parameters: Record<string, string>): Promise<URL> {
    return oidc.buildAuthorizationUrlWithJAR(config, {
      response_type: 'code',
      response_mode: 'jwt',
      scope: 'openid',
      nonce: oidc.randomNonce(),
      ...parameters,
    }, key.privateKey);
  }

  describe('Part 1 5.2.2 item 9: redirect_uri required in the authorization request', () => {
    it('a signed request with redirect_uri, from a client with one registered URI, gets a JARM response and a bound token (openid-client)', async () => {
      const config = await client();
      oidc.useJwtResponseMode(config);
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      const url = await signedRequest(config, { redirect_uri: REDIRECT_URI, nonce, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
      const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI);
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, idTokenExpected: true });
      const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
      assert.deepEqual(introspected.cnf, { 'x5t#S256': x5t(pki.clientA) });
    });

    it('the same request without redirect_uri is refused, although the client registered only one: 400, no redirect', async () => {
      const config = await client();
      const url = await signedRequest(config, { code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
      const response = await tlsFetch(pki.root)(url.href, { redirect: 'manual' });
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('location'), null);
      assert.match(await response.text(), /missing required parameter.+redirect_uri/);
    });
  });

  describe('Part 1 5.2.2 item 19: a client_id that contradicts the client authentication is invalid_client', () => {
    it('client_id of another client next to a private_key_jwt assertion: 401 invalid_client at the token, PAR, introspection and revocation endpoints of both origins', async () => {
      const metadata = await (await withCertA(`${deployment.issuer}/.well-known/openid-configuration`)).json() as Record<string, string> & { mtls_endpoint_aliases: Record<string, string> };
      const forms: Record<string, Record<string, string>> = {
        token_endpoint: { grant_type: 'client_credentials' },
        pushed_authorization_request_endpoint: { request: 'unused' },
        introspection_endpoint: { token: 'not-a-token' },
        revocation_endpoint: { token: 'not-a-token' },
      };
      for (const [name, form] of Object.entries(forms)) {
        for (const url of [metadata[name]!, metadata.mtls_endpoint_aliases[name]!]) {
          const assertion = await clientAssertion(key.privateKey, 'tpp-pkjwt', deployment.issuer);
          const result = await postForm(tlsFetch(pki.root, pki.clientB), url, { ...form, client_id: 'tpp-fapi1', ...assertionFields(assertion) });
          assert.equal(result.status, 401, url);
          assert.equal(result.body.error, 'invalid_client', url);
        }
      }
    });

    it('client_id parameter different from the Authorization header\'s: 401 invalid_client with a Basic challenge', async () => {
      const basic = `Basic ${Buffer.from('tpp-pkjwt:a-secret').toString('base64')}`;
      const result = await postForm(withCertA, `${deployment.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: 'tpp-fapi1' }, { authorization: basic });
      assert.equal(result.status, 401);
      assert.equal(result.body.error, 'invalid_client');
      assert.match(String(result.headers.get('www-authenticate')), /^Basic realm=".+", error="invalid_client"/);
    });

    it('a matching client_id is still authenticated as before (openid-client, private_key_jwt)', async () => {
      const config = await discover(deployment.issuer, 'tpp-pkjwt', { use_mtls_endpoint_aliases: true }, oidc.PrivateKeyJwt(key.privateKey), tlsFetch(pki.root, pki.clientB));
      const tokens = await oidc.clientCredentialsGrant(config, { scope: 'api:read' });
      assert.ok(tokens.access_token);
    });
  });

  describe('Part 1 5.2.2 item 20 and section 7.5: https redirect URIs only', () => {
    it('static clients with an http, a private-use scheme or a loopback redirect URI are refused and never get a code', async () => {
      for (const [clientId, redirectUri] of [['tpp-http', 'http://tpp.example.test/callback'], ['tpp-native-scheme', 'com.example.tpp:/callback'], ['tpp-native-loopback', 'http://127.0.0.1:53682/callback']] as const) {
        const result = await postForm(withCertA, `${deployment.mtlsOrigin}/request`, {
          client_id: clientId, response_type: 'code', response_mode: 'jwt', redirect_uri: redirectUri, scope: 'openid', nonce: 'n', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256',
        });
        assert.equal(result.status, 400, clientId);
        assert.equal(result.body.error, 'invalid_redirect_uri', clientId);
        assert.match(String(result.body.error_description), /is not allowed by FAPI 1.0 Advanced: use https/, clientId);
      }
    });

    it('dynamic registration refuses http, private-use schemes and loopback redirects (native apps too), and accepts https', async () => {
      const register = (metadata: Record<string, unknown>) => withCertA(`${deployment.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: SUBJECT_A, tls_client_certificate_bound_access_tokens: true, response_types: ['code'], ...metadata }),
      });
      for (const metadata of [
        { redirect_uris: ['http://tpp.example.test/callback'] },
        { application_type: 'native', redirect_uris: ['com.example.tpp:/callback'] },
        { application_type: 'native', redirect_uris: ['http://127.0.0.1:53682/callback'] },
        { application_type: 'native', redirect_uris: ['http://[::1]:53682/callback'] },
      ]) {
        const response = await register(metadata);
        assert.equal(response.status, 400, JSON.stringify(metadata));
        assert.equal((await response.json() as Record<string, unknown>).error, 'invalid_redirect_uri', JSON.stringify(metadata));
      }
      for (const metadata of [{ redirect_uris: [REDIRECT_URI] }, { application_type: 'native', redirect_uris: ['https://app.tpp.example.test/callback'] }]) {
        assert.equal((await register(metadata)).status, 201, JSON.stringify(metadata));
      }
    });
  });
});
