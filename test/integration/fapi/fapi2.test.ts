// The FAPI 2.0 example deployment (fapi2SecurityProfile + fapiTlsOptions) driven over real TLS by
// openid-client v6: PAR + PKCE + tls_client_auth with certificate-bound tokens end to end, and the
// refusals the profile adds.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { ClientMetadata } from 'oidc-provider';
import * as oidc from 'openid-client';
import { ClientCertificate } from '../../../src/certificate/certificate.js';
import { createTokenVerifier } from '../../../src/resource-server/index.js';
import { fapiClients, REDIRECT_URI, RESOURCE, startFapiStack, type FapiStack } from '../../../example/fapi/stack.js';
import { authorize, discover, postForm, tlsFetch } from '../../support/client.js';
import { createTestPki, type TestCertificate, type TestPki } from '../../support/pki.js';
import { x5t } from '../../support/thumbprint.js';

describe('FAPI 2.0 Security Profile with mTLS, end to end over real TLS', () => {
  let pki: TestPki;
  let stack: FapiStack;
  let pkjwtKey: webcrypto.CryptoKeyPair;

  /** Clients send their leaf with the issuing CA; the trust anchor is the root. */
  const chain = (cert: TestCertificate): TestCertificate => ({ ...cert, pem: cert.pem + pki.intermediate.pem });
  const lastRefusal = () => stack.refusals.at(-1)?.code;

  before(async () => {
    pki = await createTestPki();
    pkjwtKey = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
    const publicJwk = await webcrypto.subtle.exportKey('jwk', pkjwtKey.publicKey);
    const pkjwtClient: ClientMetadata = {
      client_id: 'tpp-pkjwt',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ ...publicJwk, alg: 'ES256', use: 'sig' } as never] },
      tls_client_certificate_bound_access_tokens: true,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    };
    stack = await startFapiStack(pki, { issuer: 0, mtls: 0, resource: 0 }, [...fapiClients(), pkjwtClient]);
  });
  after(() => stack.close());

  const mtlsClient = (cert: TestCertificate | null = pki.clientA) =>
    discover(stack.issuer, 'tpp-mtls', { use_mtls_endpoint_aliases: true }, oidc.TlsClientAuth(), tlsFetch(pki.root, cert ? chain(cert) : undefined));

  it('PAR + PKCE authorization code flow with tls_client_auth gives a certificate-bound token the resource server accepts', async () => {
    const config = await mtlsClient();
    const metadata = config.serverMetadata();
    assert.equal(metadata.require_pushed_authorization_requests, true);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);

    const verifier = oidc.randomPKCECodeVerifier();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid accounts',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      resource: RESOURCE,
    });
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri'], 'only the PAR reference travels through the browser');

    const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI);
    assert.equal(callback.searchParams.get('iss'), stack.issuer, 'RFC 9207 iss in the authorization response');

    // openid-client checks iss, exchanges the code at the mTLS alias with certificate A, and checks the PS256 ID token.
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, idTokenExpected: true });
    assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'PS256');
    const accessToken = decodeJwt(tokens.access_token);
    assert.equal(decodeProtectedHeader(tokens.access_token).alg, 'PS256');
    assert.deepEqual(accessToken.cnf, { 'x5t#S256': x5t(pki.clientA) });
    assert.equal(accessToken.aud, RESOURCE);

    const response = await oidc.fetchProtectedResource(config, tokens.access_token, new URL(stack.resourceUrl), 'GET');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { accounts: [{ id: 'acc-1', currency: 'GBP' }], client_id: 'tpp-mtls', sub: 'demo-user', bound_to: x5t(pki.clientA) });

    // The same token presented with certificate B.
    const thief = await mtlsClient(pki.clientB);
    await assert.rejects(oidc.fetchProtectedResource(thief, tokens.access_token, new URL(stack.resourceUrl), 'GET'), (error: unknown) => {
      assert.ok(error instanceof oidc.WWWAuthenticateChallengeError);
      assert.equal(error.status, 401);
      assert.equal(error.cause[0]?.parameters.error, 'invalid_token');
      return true;
    });
    const rs = createTokenVerifier({ issuer: stack.issuer, audience: RESOURCE, binding: { required: true }, http: { ca: pki.root.pem } });
    await assert.rejects(
      rs.verify({ authorization: `Bearer ${tokens.access_token}`, certificate: ClientCertificate.from(pki.clientB.pem) }),
      { code: 'ERR_MTLS_BINDING_MISMATCH' },
    );
    const accepted = await rs.verify({ authorization: `Bearer ${tokens.access_token}`, certificate: ClientCertificate.from(pki.clientA.pem) });
    assert.equal(accepted.boundTo, x5t(pki.clientA));
  });

  it('refuses an authorization request that does not go through PAR', async () => {
    const config = await mtlsClient();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI);
    assert.equal(callback.searchParams.get('error'), 'invalid_request');
    assert.match(String(callback.searchParams.get('error_description')), /Pushed Authorization Request must be used/);
  });

  it('refuses a pushed request without PKCE', async () => {
    const par = `${stack.mtlsOrigin}/request`;
    const result = await postForm(tlsFetch(pki.root, chain(pki.clientA)), par, { client_id: 'tpp-mtls', response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid' });
    assert.equal(result.status, 400);
    assert.equal(result.body.error, 'invalid_request');
    assert.match(String(result.body.error_description), /requires PKCE/);
  });

  it('refuses client_secret_basic: not advertised, and refused at the PAR and token endpoints', async () => {
    const config = await mtlsClient();
    assert.deepEqual(config.serverMetadata().token_endpoint_auth_methods_supported, ['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']);
    const basic = `Basic ${Buffer.from('tpp-mtls:a-guessed-secret').toString('base64')}`;
    for (const endpoint of ['/request', '/token']) {
      const form = endpoint === '/token'
        ? { grant_type: 'client_credentials' }
        : { response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' };
      const result = await postForm(tlsFetch(pki.root), `${stack.issuer}${endpoint}`, form, { authorization: basic });
      assert.equal(result.status, 401, endpoint);
      assert.equal(result.body.error, 'invalid_client', endpoint);
    }
    const withBasic = await discover(stack.issuer, 'tpp-mtls', {}, oidc.ClientSecretBasic('a-guessed-secret'), tlsFetch(pki.root));
    await assert.rejects(oidc.buildAuthorizationUrlWithPAR(withBasic, { redirect_uri: REDIRECT_URI, scope: 'openid' }), (error: unknown) => {
      assert.ok(error instanceof oidc.WWWAuthenticateChallengeError);
      assert.equal(error.status, 401);
      assert.equal(error.cause[0]?.parameters.error, 'invalid_client');
      return true;
    });
  });

  it('refuses an unbound token request from a client that must use bound tokens (private_key_jwt, no certificate)', async () => {
    const unbound = await discover(stack.issuer, 'tpp-pkjwt', {}, oidc.PrivateKeyJwt(pkjwtKey.privateKey), tlsFetch(pki.root));
    await assert.rejects(oidc.clientCredentialsGrant(unbound, { scope: 'accounts' }), (error: unknown) => {
      assert.ok(error instanceof oidc.ResponseBodyError);
      assert.equal(error.status, 400);
      assert.equal(error.error, 'invalid_grant');
      return true;
    });
    assert.equal(lastRefusal(), 'ERR_MTLS_CERT_MISSING');

    const bound = await discover(stack.issuer, 'tpp-pkjwt', { use_mtls_endpoint_aliases: true }, oidc.PrivateKeyJwt(pkjwtKey.privateKey), tlsFetch(pki.root, chain(pki.clientB)));
    const tokens = await oidc.clientCredentialsGrant(bound, { scope: 'accounts' });
    assert.deepEqual(decodeJwt(tokens.access_token).cnf, { 'x5t#S256': x5t(pki.clientB) });
  });

  it('refuses tls_client_auth without a certificate, with the coded cause', async () => {
    const config = await mtlsClient(null);
    await assert.rejects(
      oidc.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }),
      (error: unknown) => error instanceof oidc.ResponseBodyError && error.status === 401 && error.error === 'invalid_client',
    );
    assert.equal(lastRefusal(), 'ERR_MTLS_CERT_MISSING');
  });
});
