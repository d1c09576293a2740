// FAPI 2.0 Security Profile (Final), mTLS variant: the requirements the preset itself enforces,
// each against a provider made with fapi2SecurityProfile() over real TLS. openid-client drives the
// happy paths; raw requests carry what a conforming client never sends. docs/fapi.md maps each
// test to its requirement.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import * as oidc from 'openid-client';
import { authorize, discover, postForm, tlsFetch, type Fetch } from '../../support/client.js';
import { createTestPki, type TestPki } from '../../support/pki.js';
import { assertionFields, clientAssertion, REDIRECT_URI, startFapiDeployment, type FapiDeployment } from './deployment.js';

const NATIVE_REDIRECT = 'http://127.0.0.1:53682/callback';
const SUBJECT_A = 'CN=client-a,O=Example Bank,C=GB';

describe('FAPI 2.0 Security Profile requirements, against fapi2SecurityProfile() over real TLS', () => {
  let pki: TestPki;
  let deployment: FapiDeployment;
  let key: webcrypto.CryptoKeyPair;
  let withCertA: Fetch;
  /** Client assertions the deployer's own hook saw, after the preset's checks. */
  const deployerHookSaw: unknown[] = [];

  const mtlsClient = (clientId: string) => discover(deployment.issuer, clientId, { use_mtls_endpoint_aliases: true }, oidc.TlsClientAuth(), withCertA);

  before(async () => {
    pki = await createTestPki();
    withCertA = tlsFetch(pki.root, pki.clientA);
    key = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
    const publicJwk = await webcrypto.subtle.exportKey('jwk', key.publicKey);
    const bound: Omit<ClientMetadata, 'client_id'> = { tls_client_certificate_bound_access_tokens: true, response_types: ['code'] };
    const clients: ClientMetadata[] = [
      { ...bound, client_id: 'tpp-mtls', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: SUBJECT_A, grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [REDIRECT_URI] },
      {
        ...bound,
        client_id: 'tpp-pkjwt',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...publicJwk, alg: 'ES256', use: 'sig' } as never] },
        grant_types: ['authorization_code', 'client_credentials'],
        redirect_uris: [REDIRECT_URI],
      },
      { ...bound, client_id: 'tpp-native', application_type: 'native', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: SUBJECT_A, grant_types: ['authorization_code'], redirect_uris: [NATIVE_REDIRECT] },
      { ...bound, client_id: 'tpp-http', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: SUBJECT_A, grant_types: ['authorization_code'], redirect_uris: ['http://tpp.example.test/callback'] },
    ];
    deployment = await startFapiDeployment({
      pki,
      profile: '2.0',
      clients,
      config: {
        // Deployer functions whose results the profile bounds.
        ttl: { AuthorizationCode: () => 600 },
        rotateRefreshToken: () => true,
        assertJwtClientAuthClaimsAndHeader: (_ctx, claims) => { deployerHookSaw.push(claims); },
      },
    });
  });
  after(() => deployment.close());
  afterEach(() => assert.deepEqual(deployment.serverErrors, [], 'no refusal is a server error'));

  /** The four endpoints that authenticate clients, on the main origin and on the mTLS alias. */
  async function clientAuthEndpoints(): Promise<{ name: string; url: string; form: Record<string, string> }[]> {
    const metadata = await (await withCertA(`${deployment.issuer}/.well-known/openid-configuration`)).json() as Record<string, string> & { mtls_endpoint_aliases: Record<string, string> };
    const forms: Record<string, Record<string, string>> = {
      token_endpoint: { grant_type: 'client_credentials', scope: 'api:read' },
      pushed_authorization_request_endpoint: { response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' },
      introspection_endpoint: { token: 'not-a-token' },
      revocation_endpoint: { token: 'not-a-token' },
    };
    return Object.entries(forms).flatMap(([name, form]) => [
      { name, url: metadata[name]!, form },
      { name: `mtls_endpoint_aliases.${name}`, url: metadata.mtls_endpoint_aliases[name]!, form },
    ]);
  }

  async function withAssertion(url: string, form: Record<string, string>, claims: Parameters<typeof clientAssertion>[3]) {
    const assertion = await clientAssertion(key.privateKey, 'tpp-pkjwt', deployment.issuer, claims);
    return postForm(tlsFetch(pki.root, pki.clientB), url, { ...form, client_id: 'tpp-pkjwt', ...assertionFields(assertion) });
  }

  describe('5.3.2.1 item 13: JWT timestamps at most 60 s (here: clockTolerance, 15 s) in the future', () => {
    it('refuses a client assertion with iat 120 s ahead and a valid exp: 401 invalid_client at the token, PAR, introspection and revocation endpoints, main origin and mTLS alias', async () => {
      const now = Math.floor(Date.now() / 1000);
      for (const { name, url, form } of await clientAuthEndpoints()) {
        const result = await withAssertion(url, form, { iat: now + 120, exp: now + 180 });
        assert.equal(result.status, 401, name);
        assert.equal(result.body.error, 'invalid_client', name);
      }
    });

    it('refuses a client assertion with nbf 120 s ahead: 401 invalid_client', async () => {
      const now = Math.floor(Date.now() / 1000);
      const [token] = await clientAuthEndpoints();
      const result = await withAssertion(token!.url, token!.form, { nbf: now + 120, exp: now + 180 });
      assert.equal(result.status, 401);
      assert.equal(result.body.error, 'invalid_client');
    });

    it('accepts a client assertion from a clock 10 s fast (iat and nbf 10 s ahead): openid-client gets a bound token', async () => {
      const fast: oidc.ModifyAssertionOptions = {
        [oidc.modifyAssertion]: (_header, payload) => {
          payload.iat = Number(payload.iat) + 10;
          payload.nbf = Number(payload.iat);
          payload.exp = Number(payload.iat) + 60;
        },
      };
      const config = await discover(deployment.issuer, 'tpp-pkjwt', { use_mtls_endpoint_aliases: true }, oidc.PrivateKeyJwt(key.privateKey, fast), tlsFetch(pki.root, pki.clientB));
      const seen = deployerHookSaw.length;
      const tokens = await oidc.clientCredentialsGrant(config, { scope: 'api:read' });
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');
      assert.equal(deployerHookSaw.length, seen + 1, 'the deployer\'s own assertJwtClientAuthClaimsAndHeader still runs');
    });
  });

  describe('5.3.2.1 item 8: client assertion aud is the issuer identifier, as a string', () => {
    it('refuses aud as an array holding the issuer, and aud the token endpoint, although the deployer set its own assertJwtClientAuthClaimsAndHeader: 401 invalid_client', async () => {
      const [token] = await clientAuthEndpoints();
      for (const aud of [[deployment.issuer], token!.url]) {
        const result = await withAssertion(token!.url, token!.form, { aud });
        assert.equal(result.status, 401, JSON.stringify(aud));
        assert.equal(result.body.error, 'invalid_client', JSON.stringify(aud));
      }
    });
  });

  describe('5.3.2.2 item 8: https redirect URIs; http only for native clients on a loopback IP literal', () => {
    it('a static client registered with an http redirect URI is refused at the PAR endpoint and never gets a code', async () => {
      const result = await postForm(withCertA, `${deployment.mtlsOrigin}/request`, {
        client_id: 'tpp-http', response_type: 'code', redirect_uri: 'http://tpp.example.test/callback', scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256',
      });
      assert.equal(result.status, 400);
      // RFC 7591 section 3.2.2: the host's code for a refused redirect URI.
      assert.equal(result.body.error, 'invalid_redirect_uri');
      assert.match(String(result.body.error_description), /redirect_uris "http:\/\/tpp.example.test\/callback" is not allowed by FAPI 2.0 Security Profile/);
    });

    it('a native client with an http://127.0.0.1 redirect URI gets its code and iss there (openid-client, PAR + PKCE)', async () => {
      const config = await mtlsClient('tpp-native');
      const verifier = oidc.randomPKCECodeVerifier();
      const url = await oidc.buildAuthorizationUrlWithPAR(config, { redirect_uri: NATIVE_REDIRECT, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
      const callback = await authorize(url, tlsFetch(pki.root), NATIVE_REDIRECT);
      assert.equal(callback.searchParams.get('iss'), deployment.issuer);
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, idTokenExpected: true });
      assert.ok(tokens.access_token);
    });

    it('dynamic registration refuses http for web clients, http://localhost, private-use schemes, and accepts https and native loopback IP literals', async () => {
      const register = (metadata: Record<string, unknown>) => withCertA(`${deployment.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: SUBJECT_A, tls_client_certificate_bound_access_tokens: true, ...metadata }),
      });
      const refused: Record<string, unknown>[] = [
        { redirect_uris: ['http://tpp.example.test/callback'] },
        { redirect_uris: ['http://127.0.0.1:53682/callback'] },
        { application_type: 'native', redirect_uris: ['http://localhost:53682/callback'] },
        { application_type: 'native', redirect_uris: ['com.example.tpp:/callback'] },
      ];
      for (const metadata of refused) {
        const response = await register(metadata);
        const body = await response.json() as Record<string, unknown>;
        assert.equal(response.status, 400, JSON.stringify(metadata));
        assert.equal(body.error, 'invalid_redirect_uri', JSON.stringify(metadata));
        assert.match(String(body.error_description), /is not allowed by FAPI 2.0 Security Profile/);
      }
      const accepted: Record<string, unknown>[] = [
        { redirect_uris: [REDIRECT_URI] },
        { application_type: 'native', redirect_uris: ['http://127.0.0.1:53682/callback', 'http://[::1]:53682/callback'] },
      ];
      for (const metadata of accepted) {
        assert.equal((await register(metadata)).status, 201, JSON.stringify(metadata));
      }
    });
  });

  describe('5.3.2.1 items 9 and 11: bounds on the deployer\'s functions', () => {
    it('codes live 60 s although ttl.AuthorizationCode returns 600, and refresh tokens are not rotated although rotateRefreshToken returns true', async () => {
      const config = await mtlsClient('tpp-mtls');
      const verifier = oidc.randomPKCECodeVerifier();
      const url = await oidc.buildAuthorizationUrlWithPAR(config, {
        redirect_uri: REDIRECT_URI, scope: 'openid offline_access', prompt: 'consent', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI);
      const code = await deployment.provider.AuthorizationCode.find(String(callback.searchParams.get('code')));
      assert.equal(code!.exp! - code!.iat!, 60);

      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, idTokenExpected: true });
      const refreshToken = tokens.refresh_token!;
      assert.ok(refreshToken);
      for (let round = 0; round < 2; round += 1) {
        const refreshed = await oidc.refreshTokenGrant(config, refreshToken);
        assert.ok(refreshed.refresh_token === undefined || refreshed.refresh_token === refreshToken, 'the same refresh token, never a new one');
      }
    });
  });
});
