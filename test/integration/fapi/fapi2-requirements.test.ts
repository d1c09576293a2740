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
import { x5t } from '../../support/thumbprint.js';
import { assertionFields, clientAssertion, REDIRECT_URI, register as registerClient, startFapiDeployment, SUBJECT_A, type FapiDeployment } from './deployment.js';
import { handshake } from './handshake.js';

const NATIVE_REDIRECT = 'http://127.0.0.1:53682/callback';

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

  /** Dynamic registration of a bound tls_client_auth client (certificate A), with `metadata` on top. */
  const register = (metadata: Record<string, unknown>) => registerClient(withCertA, deployment.issuer, { ...metadata });

  /** A pushed authorization request from tpp-mtls with certificate A at the mTLS alias. */
  const push = (form: Record<string, string>) => postForm(withCertA, `${deployment.mtlsOrigin}/request`, {
    client_id: 'tpp-mtls', response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', ...form,
  });

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

  describe('5.3.2.1 items 2 to 7 and 5.4.1: clients, grants, redirects and keys', () => {
    it('refuses the resource owner password credentials grant: 400 unsupported_grant_type', async () => {
      const result = await postForm(withCertA, `${deployment.mtlsOrigin}/token`, { client_id: 'tpp-mtls', grant_type: 'password', username: 'user-1', password: 'secret' });
      assert.equal(result.status, 400);
      assert.equal(result.body.error, 'unsupported_grant_type');
    });

    it('dynamic registration refuses public clients, client secrets, unbound access tokens, RSA keys under 2048 bits and EC keys under 224 bits: 400 invalid_client_metadata', async () => {
      const { publicKey } = await webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
      const shortKey = { ...await webcrypto.subtle.exportKey('jwk', publicKey), alg: 'PS256', use: 'sig', kid: 'short' };
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ token_endpoint_auth_method: 'none' }, /token_endpoint_auth_method "none" is not allowed/],
        [{ token_endpoint_auth_method: 'client_secret_basic' }, /token_endpoint_auth_method "client_secret_basic" is not allowed/],
        [{ tls_client_certificate_bound_access_tokens: false }, /requires sender-constrained access tokens/],
        [{ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [shortKey] } }, /^jwks key "short" \(RSA, 1024 bits\) is too short for FAPI 2.0 Security Profile/],
        [{ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', crv: 'P-192', x: 'AA', y: 'AA' }] } }, /^jwks key #0 \(EC, curve P-192\) is too short/],
      ];
      for (const [metadata, message] of cases) {
        const response = await register({ redirect_uris: [REDIRECT_URI], ...metadata });
        const body = await response.json() as Record<string, unknown>;
        assert.equal(response.status, 400, JSON.stringify(metadata));
        assert.equal(body.error, 'invalid_client_metadata', JSON.stringify(metadata));
        assert.match(String(body.error_description), message);
      }
    });

    it('refuses a redirect URI the client did not register at the PAR endpoint: 400 invalid_request, nothing to redirect to', async () => {
      const result = await push({ redirect_uri: 'https://attacker.example.test/callback' });
      assert.equal(result.status, 400);
      assert.equal(result.body.error, 'invalid_request');
      assert.match(String(result.body.error_description), /redirect_uri did not match any of the client's registered redirect_uris/);
    });

    it('discovery lists only PS256, ES256 and EdDSA, never none, and serves jwks_uri over TLS with keys of 2048 bits or more', async () => {
      const metadata = await (await withCertA(`${deployment.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
      const lists = Object.entries(metadata).filter(([name]) => name.endsWith('_signing_alg_values_supported'));
      assert.ok(lists.length >= 2, lists.map(([name]) => name).join());
      for (const [name, algs] of lists) {
        for (const alg of algs as string[]) assert.ok(['PS256', 'ES256', 'EdDSA', 'Ed25519'].includes(alg), `${name}: ${alg}`);
      }
      assert.match(String(metadata.jwks_uri), /^https:/);
      const jwks = await (await withCertA(String(metadata.jwks_uri))).json() as { keys: { kty: string; n?: string }[] };
      for (const key of jwks.keys.filter(({ kty }) => kty === 'RSA')) assert.ok(Buffer.from(key.n!, 'base64url').length * 8 >= 2048);
    });
  });

  describe('5.3.2.2: the authorization endpoint flow', () => {
    it('happy path: discovery, PAR with tls_client_auth at the mTLS alias, PKCE S256, iss in the response, and a certificate-bound access token (openid-client)', async () => {
      const config = await mtlsClient('tpp-mtls');
      const metadata = config.serverMetadata();
      assert.equal(metadata.require_pushed_authorization_requests, true);
      assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(metadata.response_types_supported, ['code']);
      assert.equal(metadata.authorization_response_iss_parameter_supported, true);
      assert.equal(metadata.tls_client_certificate_bound_access_tokens, true);
      const verifier = oidc.randomPKCECodeVerifier();
      const url = await oidc.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
      assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
      const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI);
      assert.equal(callback.searchParams.get('iss'), deployment.issuer);
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, idTokenExpected: true });
      const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
      assert.deepEqual(introspected.cnf, { 'x5t#S256': x5t(pki.clientA) });
    });

    it('refuses an authorization request that does not go through PAR, and a pushed request without client authentication', async () => {
      const config = await mtlsClient('tpp-mtls');
      const direct = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
      const callback = await authorize(direct, tlsFetch(pki.root), REDIRECT_URI);
      assert.equal(callback.searchParams.get('error'), 'invalid_request');
      assert.equal(callback.searchParams.get('code'), null);
      const anonymous = await postForm(tlsFetch(pki.root), `${deployment.mtlsOrigin}/request`, {
        client_id: 'tpp-mtls', response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256',
      });
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.error, 'invalid_client');
    });

    it('PAR refuses response_type code id_token, PKCE plain or missing, and a missing redirect_uri: 400', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ response_type: 'code id_token', nonce: 'n' }, 'unsupported_response_type'],
        [{ code_challenge_method: 'plain' }, 'invalid_request'],
        [{ code_challenge: '', code_challenge_method: '' }, 'invalid_request'],
        [{ redirect_uri: '' }, 'invalid_request'],
      ];
      for (const [form, error] of cases) {
        const result = await push(form);
        assert.equal(result.status, 400, JSON.stringify(form));
        assert.equal(result.body.error, error, JSON.stringify(form));
      }
    });

    it('a PAR request_uri expires in under 600 s, a 64-character nonce is accepted, redirects are never 307, a code is redeemed once, and credentials carry 128 bits or more', async () => {
      const verifier = oidc.randomPKCECodeVerifier();
      const pushed = await push({ nonce: 'n'.repeat(64), code_challenge: await oidc.calculatePKCECodeChallenge(verifier) });
      assert.equal(pushed.status, 201);
      assert.ok(Number(pushed.body.expires_in) > 0 && Number(pushed.body.expires_in) < 600, String(pushed.body.expires_in));
      const statuses: number[] = [];
      const url = new URL(`${deployment.issuer}/auth?${new URLSearchParams({ client_id: 'tpp-mtls', request_uri: String(pushed.body.request_uri) })}`);
      const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI, statuses);
      assert.ok(statuses.every((status) => status === 302 || status === 303), statuses.join(','));
      const code = String(callback.searchParams.get('code'));
      // 128 bits are 22 base64url characters.
      assert.ok(code.length >= 22);
      const exchange = () => postForm(withCertA, `${deployment.mtlsOrigin}/token`, { client_id: 'tpp-mtls', grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
      const first = await exchange();
      assert.equal(first.status, 200);
      assert.ok(String(first.body.access_token).length >= 22);
      const second = await exchange();
      assert.equal(second.status, 400);
      assert.equal(second.body.error, 'invalid_grant');
    });

    it('the authorization endpoint answers no CORS request', async () => {
      const pushed = await push({});
      const response = await tlsFetch(pki.root)(`${deployment.issuer}/auth?${new URLSearchParams({ client_id: 'tpp-mtls', request_uri: String(pushed.body.request_uri) })}`, {
        redirect: 'manual',
        headers: { origin: 'https://rp.example.test' },
      });
      assert.equal(response.headers.get('access-control-allow-origin'), null);
      const preflight = await tlsFetch(pki.root)(`${deployment.issuer}/auth`, { method: 'OPTIONS', headers: { origin: 'https://rp.example.test', 'access-control-request-method': 'GET' } });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('5.2: network layer', () => {
    it('both listeners refuse TLS 1.1 and TLS 1.2 suites outside BCP 195\'s recommended ones, and accept TLS 1.2 ECDHE-GCM and TLS 1.3; the mTLS alias sends Strict-Transport-Security', async () => {
      for (const server of [deployment.listeners.main, deployment.listeners.alias]) {
        const tls11 = await handshake(server, { ca: pki.root.pem, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
        assert.equal(tls11.ok, false);
        for (const cipher of ['AES128-GCM-SHA256', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'DHE-RSA-AES128-GCM-SHA256']) {
          assert.equal((await handshake(server, { ca: pki.root.pem, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: cipher })).ok, false, cipher);
        }
        assert.deepEqual(await handshake(server, { ca: pki.root.pem, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }), { ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
        assert.equal((await handshake(server, { ca: pki.root.pem, minVersion: 'TLSv1.3' })).ok, true);
      }
      const response = await withCertA(`${deployment.mtlsOrigin}/.well-known/openid-configuration`);
      assert.equal(response.headers.get('strict-transport-security'), 'max-age=31536000');
    });
  });
});
