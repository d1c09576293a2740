// FAPI 1.0 Advanced (Final) with mTLS, and the Part 1 items Part 2 imports: the requirements the
// preset itself enforces, each against a provider made with fapi1Advanced() over real TLS.
// openid-client drives the happy paths; raw requests carry what a conforming client never sends.
// docs/fapi.md maps each test to its requirement.
import assert from 'node:assert/strict';
import { createHash, webcrypto } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { ClientMetadata } from 'oidc-provider';
import * as oidc from 'openid-client';
import { authorize, discover, postForm, tlsFetch, type Fetch } from '../../support/client.js';
import { createTestPki, type TestPki } from '../../support/pki.js';
import { x5t } from '../../support/thumbprint.js';
import { assertionFields, clientAssertion, REDIRECT_URI, register as registerClient, startFapiDeployment, SUBJECT_A, type FapiDeployment } from './deployment.js';
import { handshake } from './handshake.js';


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
      { ...tpp, client_id: 'tpp-fapi1', response_types: ['code', 'code id_token'], redirect_uris: [REDIRECT_URI] },
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

  async function signedRequest(config: oidc.Configuration, parameters: Record<string, string>, claims?: (payload: Record<string, unknown>) => void): Promise<URL> {
    return oidc.buildAuthorizationUrlWithJAR(config, {
      response_type: 'code',
      response_mode: 'jwt',
      scope: 'openid',
      nonce: oidc.randomNonce(),
      ...parameters,
    }, key.privateKey, claims ? { [oidc.modifyAssertion]: (_header, payload) => claims(payload) } : {});
  }

  /** Dynamic registration of a bound tls_client_auth client (certificate A), with `metadata` on top. */
  const register = (metadata: Record<string, unknown>) => registerClient(withCertA, deployment.issuer, { response_types: ['code'], ...metadata });

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

  /**
   * The authorization endpoint's answer to a request it must refuse: the `error` of a JARM or
   * query response, or of the error page when there is nowhere trusted to redirect to. Never a code.
   */
  async function refusal(url: URL): Promise<{ status: number; error: string | undefined; description: string }> {
    const response = await tlsFetch(pki.root)(url.href, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (location === null) {
      const text = await response.text();
      return { status: response.status, error: /invalid_[a-z_]+/.exec(text)?.[0], description: text };
    }
    const params = new URL(location).searchParams;
    assert.equal(params.get('code'), null, 'no code');
    const jarm = params.get('response');
    const fields = jarm ? decodeJwt(jarm) : Object.fromEntries(params);
    assert.equal(fields.code, undefined, 'no code');
    return { status: response.status, error: fields.error as string | undefined, description: String(fields.error_description) };
  }

  describe('Part 2 5.2.2: signed request objects', () => {
    it('items 1 and 2: refuses a request without a signed request object, and response_type=code without response_mode=jwt', async () => {
      const config = await client();
      const plain = await refusal(oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, response_type: 'code', response_mode: 'jwt', scope: 'openid', nonce: 'n' }));
      assert.equal(plain.error, 'invalid_request');
      assert.match(plain.description, /Request Object must be used/);
      const withoutJarm = await refusal(await signedRequest(config, { redirect_uri: REDIRECT_URI, response_mode: 'query', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }));
      assert.equal(withoutJarm.error, 'invalid_request');
      assert.match(withoutJarm.description, /response_mode not allowed|response_mode is not allowed/);
    });

    it('item 9: only the request object\'s parameters are used (a state outside it is ignored)', async () => {
      const config = await client();
      const url = await signedRequest(config, { redirect_uri: REDIRECT_URI, state: 'inside', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
      url.searchParams.set('state', 'outside');
      const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI);
      assert.equal(decodeJwt(String(callback.searchParams.get('response'))).state, 'inside');
    });

    it('items 12, 14 and 16: refuses a request object valid for over 60 minutes, one with another audience, and one whose nbf is over 60 minutes old', async () => {
      const config = await client();
      const now = Math.floor(Date.now() / 1000);
      const cases: [string, (payload: Record<string, unknown>) => void][] = [
        ['exp 61 minutes after nbf', (payload) => { payload.nbf = now; payload.exp = now + 61 * 60; }],
        ['aud another server', (payload) => { payload.aud = 'https://other-op.example.test'; }],
        ['nbf 61 minutes old', (payload) => { payload.nbf = now - 61 * 60; payload.exp = now + 60; }],
      ];
      for (const [name, claims] of cases) {
        const result = await refusal(await signedRequest(config, { redirect_uri: REDIRECT_URI, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }, claims));
        assert.equal(result.error, 'invalid_request_object', `${name}: ${result.description}`);
      }
    });

    it('item 17: a pushed request without PKCE is refused: 400 invalid_request', async () => {
      const config = await client();
      const request = new URL(await signedRequest(config, { redirect_uri: REDIRECT_URI })).searchParams.get('request')!;
      const result = await postForm(withCertA, `${deployment.mtlsOrigin}/request`, { client_id: 'tpp-fapi1', request });
      assert.equal(result.status, 400);
      assert.equal(result.body.error, 'invalid_request');
      assert.match(String(result.body.error_description), /PKCE/);
    });

    it('items 4, 13 and 15, 8.6, Part 1 item 5: dynamic registration refuses public clients, client secrets, unbound tokens, RS256 request objects and RSA keys under 2048 bits', async () => {
      const { publicKey } = await webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
      const shortKey = { ...await webcrypto.subtle.exportKey('jwk', publicKey), alg: 'PS256', use: 'sig', kid: 'short' };
      for (const metadata of [
        { token_endpoint_auth_method: 'none' },
        { token_endpoint_auth_method: 'client_secret_basic' },
        { tls_client_certificate_bound_access_tokens: false },
        { request_object_signing_alg: 'RS256' },
        { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [shortKey] } },
      ]) {
        const response = await register({ redirect_uris: [REDIRECT_URI], ...metadata });
        assert.equal(response.status, 400, JSON.stringify(metadata));
        assert.equal((await response.json() as Record<string, unknown>).error, 'invalid_client_metadata', JSON.stringify(metadata));
      }
    });
  });

  describe('Part 1 5.2.2: redirect URIs, codes and tokens', () => {
    it('items 8 and 10: a redirect_uri that is not exactly a registered one is refused, with no redirect', async () => {
      const config = await client();
      for (const redirectUri of ['https://attacker.example.test/callback', `${REDIRECT_URI}/more`, REDIRECT_URI.replace('https://', 'https://www.')]) {
        const result = await refusal(await signedRequest(config, { redirect_uri: redirectUri, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }));
        assert.equal(result.status, 400, `${redirectUri}: ${result.status} ${result.description.slice(0, 300)}`);
        assert.match(result.description, /redirect_uri did not match any of the client(?:'|&#39;)s registered redirect_uris/, `${redirectUri}: ${result.description.slice(0, 600)}`);
      }
    });

    it('5.2.2.2 and 5.2.2.3: refuses a request for openid without nonce, and one without openid and without state', async () => {
      const config = await client();
      const noNonce = await refusal(await signedRequest(config, { redirect_uri: REDIRECT_URI, nonce: '', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }, (payload) => { delete payload.nonce; }));
      assert.equal(noNonce.error, 'invalid_request', noNonce.description);
      assert.match(noNonce.description, /nonce/);
      const noState = await refusal(await signedRequest(config, { redirect_uri: REDIRECT_URI, scope: 'api:read', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }, (payload) => { delete payload.nonce; delete payload.state; }));
      assert.equal(noState.error, 'invalid_request', noState.description);
      assert.match(noState.description, /state/);
    });

    it('items 13 and 16: a code is redeemed once, and codes and tokens carry 128 bits or more', async () => {
      const config = await client();
      oidc.useJwtResponseMode(config);
      const verifier = oidc.randomPKCECodeVerifier();
      const nonce = oidc.randomNonce();
      const callback = await authorize(await signedRequest(config, { redirect_uri: REDIRECT_URI, nonce, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }), tlsFetch(pki.root), REDIRECT_URI);
      const code = String(decodeJwt(String(callback.searchParams.get('response'))).code);
      assert.ok(code.length >= 22, 'a code of 128 bits or more (22 base64url characters)');
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedNonce: nonce, idTokenExpected: true });
      assert.ok(tokens.access_token.length >= 22);
      const again = await postForm(withCertA, `${deployment.mtlsOrigin}/token`, { client_id: 'tpp-fapi1', grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
      assert.equal(again.status, 400);
      assert.equal(again.body.error, 'invalid_grant');
    });
  });

  describe('Part 2 5.2.2.1: code id_token', () => {
    it('the ID token in the authorization response is a PS256-signed detached signature with c_hash and s_hash', async () => {
      const config = await client();
      const state = oidc.randomState();
      const url = await signedRequest(config, { response_type: 'code id_token', response_mode: 'fragment', redirect_uri: REDIRECT_URI, state, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
      const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI);
      const fragment = new URLSearchParams(callback.hash.slice(1));
      assert.ok(fragment.get('id_token'), callback.href);
      const idToken = String(fragment.get('id_token'));
      assert.equal(decodeProtectedHeader(idToken).alg, 'PS256');
      const half = (value: string) => createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');
      const claims = decodeJwt(idToken);
      assert.equal(claims.s_hash, half(state));
      assert.equal(claims.c_hash, half(String(fragment.get('code'))));
    });
  });

  describe('Part 2 8.5, 8.6 and Part 1 7.1: TLS and algorithms', () => {
    it('both listeners refuse TLS 1.1 and TLS 1.2 suites outside the four permitted, and accept those four and TLS 1.3', async () => {
      for (const server of [deployment.listeners.main, deployment.listeners.alias]) {
        assert.equal((await handshake(server, { ca: pki.root.pem, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).ok, false);
        for (const cipher of ['AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA256', 'ECDHE-RSA-CHACHA20-POLY1305']) {
          assert.equal((await handshake(server, { ca: pki.root.pem, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: cipher })).ok, false, cipher);
        }
        for (const cipher of ['DHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'DHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384']) {
          assert.equal((await handshake(server, { ca: pki.root.pem, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: cipher })).ok, true, cipher);
        }
        assert.equal((await handshake(server, { ca: pki.root.pem, minVersion: 'TLSv1.3' })).ok, true);
      }
    });

    it('discovery lists only PS256 and ES256 for signatures, and never RSA1_5', async () => {
      const metadata = await (await withCertA(`${deployment.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
      for (const [name, algs] of Object.entries(metadata).filter(([field]) => field.endsWith('_alg_values_supported'))) {
        if (name.endsWith('_signing_alg_values_supported')) {
          for (const alg of algs as string[]) assert.ok(['PS256', 'ES256'].includes(alg), `${name}: ${alg}`);
        }
        assert.ok(!(algs as string[]).includes('RSA1_5'), name);
      }
    });
  });
});
