// FAPI 1.0 Advanced with certificate-bound tokens over real TLS, driven by openid-client v6:
// a signed request object (JAR), a JARM response for response_type=code, tls_client_auth at the
// mTLS alias, and a bound access token.
import assert from 'node:assert/strict';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { Provider, type Configuration } from 'oidc-provider';
import * as oidc from 'openid-client';
import { createMtls, createMtlsServer } from '../../../src/index.js';
import { fapi1Advanced, fapiTlsOptions } from '../../../src/fapi/index.js';
import { autoConsent } from '../../../example/fapi/interaction.js';
import { demoSettings, REDIRECT_URI, RESOURCE } from '../../../example/fapi/stack.js';
import { authorize, discover, tlsFetch } from '../../support/client.js';
import { createTestPki, issue, OID, type TestCertificate, type TestPki } from '../../support/pki.js';
import { x5t } from '../../support/thumbprint.js';


describe('FAPI 1.0 Advanced with mTLS, end to end over real TLS', () => {
  let pki: TestPki;
  let requestKey: webcrypto.CryptoKeyPair;
  let servers: Server[];
  let issuer: string;

  const chain = (cert: TestCertificate): TestCertificate => ({ ...cert, pem: cert.pem + pki.intermediate.pem });

  async function listen(server: Server): Promise<number> {
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  }

  before(async () => {
    pki = await createTestPki();
    servers = [];
    requestKey = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
    // FAPI 1.0 Advanced's TLS 1.2 suites are all RSA: the listeners get an RSA certificate.
    const serverCert = await issue({ subject: 'CN=localhost', issuer: pki.root, keyAlgorithm: 'RSA-2048', eku: [OID.serverAuth], sans: [{ type: 'dns', value: 'localhost' }] });
    const tls = fapiTlsOptions({ key: serverCert.keyPem, cert: serverCert.pem }, { profile: '1.0 Final' });
    let handle: RequestListener = (_req, res) => res.end();
    const dispatch: RequestListener = (req, res) => handle(req, res);
    issuer = `https://localhost:${await listen(createServer(tls, dispatch))}`;
    const mtlsOrigin = `https://localhost:${await listen(createMtlsServer(tls, dispatch))}`;

    const mtls = fapi1Advanced(createMtls({ trustAnchors: [pki.root.pem], mtlsOrigin }));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    const provider = new Provider(issuer, mtls.configure({
      jwks: { keys: [{ ...rsa, alg: 'PS256', use: 'sig' }] },
      clients: [{
        client_id: 'tpp-fapi1',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB',
        tls_client_certificate_bound_access_tokens: true,
        jwks: { keys: [{ ...await webcrypto.subtle.exportKey('jwk', requestKey.publicKey), alg: 'ES256', use: 'sig' } as never] },
        request_object_signing_alg: 'ES256',
        response_types: ['code'],
        grant_types: ['authorization_code'],
        redirect_uris: [REDIRECT_URI],
      }],
      ...demoSettings(),
    } satisfies Configuration));
    mtls.attach(provider);
    provider.use(autoConsent(provider, RESOURCE));
    handle = provider.callback();
  });
  after(() => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  const client = () => discover(
    issuer,
    'tpp-fapi1',
    { use_mtls_endpoint_aliases: true, authorization_signed_response_alg: 'PS256' },
    oidc.TlsClientAuth(),
    tlsFetch(pki.root, chain(pki.clientA)),
  );

  it('response_type=code with a signed request object and a JARM response gives a certificate-bound token', async () => {
    const config = await client();
    oidc.useJwtResponseMode(config);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = await oidc.buildAuthorizationUrlWithJAR(config, {
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      response_mode: 'jwt',
      scope: 'openid accounts',
      nonce,
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      resource: RESOURCE,
    }, requestKey.privateKey);
    const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI);
    assert.ok(callback.searchParams.get('response'), 'the authorization response is a JARM JWT');

    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    assert.deepEqual(decodeJwt(tokens.access_token).cnf, { 'x5t#S256': x5t(pki.clientA) });
  });

  it('refuses an authorization request without a signed request object', async () => {
    const config = await client();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, response_type: 'code', response_mode: 'jwt', scope: 'openid', nonce: oidc.randomNonce() });
    const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI);
    const response = decodeJwt(String(callback.searchParams.get('response')));
    assert.equal(response.error, 'invalid_request');
    assert.match(String(response.error_description), /Request Object must be used/);
  });

  it('refuses plain response_type=code without JARM', async () => {
    const config = await client();
    const url = await oidc.buildAuthorizationUrlWithJAR(config, {
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      nonce: oidc.randomNonce(),
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    }, requestKey.privateKey);
    const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI);
    assert.equal(callback.searchParams.get('error'), 'invalid_request');
    assert.match(String(callback.searchParams.get('error_description')), /response_mode is not allowed/);
  });
});
