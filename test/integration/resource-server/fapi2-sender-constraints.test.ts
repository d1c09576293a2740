// FAPI 2.0 end to end with both sender constraints (FAPI 2.0 Security Profile section 5.3.2.2): a
// provider made with fapi2SecurityProfile(..., { dpop: true }) and two clients driven by
// openid-client v6, one tls_client_auth with certificate-bound tokens (RFC 8705), one
// private_key_jwt with DPoP-bound tokens (RFC 9449), each through PAR + PKCE + authorization code,
// calling one Fastify resource server over TLS. Every refusal names the rule it checks.
import assert from 'node:assert/strict';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { decodeJwt, exportJWK } from 'jose';
import { Provider, type ClientMetadata, type Configuration } from 'oidc-provider';
import * as oidc from 'openid-client';
import { createMtls, createMtlsServer } from '../../../src/index.js';
import { fapi2SecurityProfile, fapiTlsOptions } from '../../../src/fapi/index.js';
import { createTokenVerifier, type TokenVerifierOptions } from '../../../src/resource-server/index.js';
import { authorize, discover, tlsFetch, type Fetch } from '../../support/client.js';
import { createTestPki, type TestPki } from '../../support/pki.js';
import { RESOURCE_JWT, scriptedConsent } from '../../support/provider.js';
import { x5t } from '../../support/thumbprint.js';
import { startHttps, type StartedServer } from '../../support/tls.js';
import { jwkThumbprint } from '../../resource-server/helpers.js';
import { appFor } from './apps.js';

const REDIRECT_URI = 'https://tpp.example.test/callback';

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

interface Client {
  config: oidc.Configuration;
  dpop: oidc.DPoPHandle | undefined;
  /** Request headers of every call the client made, in order, as its library sent them. */
  sent: Headers[];
}

describe('FAPI 2.0 end to end: certificate-bound and DPoP-bound clients at one resource server', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let listeners: Server[];
  let issuer: string;
  let resource: StartedServer;
  let nonceResource: StartedServer;
  let assertionKey: webcrypto.CryptoKeyPair;
  let mtlsClient: Client;
  let dpopClient: Client;
  let dpopKeys: webcrypto.CryptoKeyPair;
  let mtlsTokens: oidc.TokenEndpointResponse;
  let dpopTokens: oidc.TokenEndpointResponse;
  let mtlsToken: string;
  let dpopToken: string;

  const resourceUrl = (server: StartedServer) => new URL(`${server.origin}/accounts`);
  const recording = (fetch: Fetch, sent: Headers[]): Fetch => (url, init) => {
    sent.push(new Headers(init?.headers));
    return fetch(url, init);
  };
  /** Calls the resource server as `client`; a refusal comes back as its status and challenge. */
  const call = async (client: Client, token: string, options: { dpop?: oidc.DPoPHandle | null; server?: StartedServer } = {}) => {
    const dpop = options.dpop === null ? undefined : options.dpop ?? client.dpop;
    try {
      const response = await oidc.fetchProtectedResource(
        client.config, token, resourceUrl(options.server ?? resource), 'GET', undefined, undefined, dpop ? { DPoP: dpop } : undefined,
      );
      return { status: response.status, body: await response.json() as Record<string, unknown>, challenge: undefined };
    } catch (error) {
      if (!(error instanceof oidc.WWWAuthenticateChallengeError)) throw error;
      return { status: error.status, body: undefined, challenge: error.cause[0]! };
    }
  };
  /** PAR + PKCE + authorization code, with the client's DPoP handle on every request when it has one. */
  const codeFlow = async (client: Client) => {
    const options = client.dpop ? { DPoP: client.dpop } : undefined;
    const verifier = oidc.randomPKCECodeVerifier();
    const url = await oidc.buildAuthorizationUrlWithPAR(client.config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid api:read',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      resource: RESOURCE_JWT,
    }, options);
    assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri'], 'only the PAR reference travels through the browser');
    const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI);
    return oidc.authorizationCodeGrant(client.config, callback, { pkceCodeVerifier: verifier, idTokenExpected: true }, undefined, options);
  };

  before(async () => {
    pki = await createTestPki();
    const tls = fapiTlsOptions({ key: pki.server.keyPem, cert: pki.server.pem });
    let handle: RequestListener = (_req, res) => { res.statusCode = 503; res.end(); };
    const dispatch: RequestListener = (req, res) => handle(req, res);
    const main = createServer(tls, dispatch);
    const alias = createMtlsServer(tls, dispatch);
    listeners = [main, alias];
    issuer = `https://localhost:${await listen(main)}`;
    const mtlsOrigin = `https://localhost:${await listen(alias)}`;

    assertionKey = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
    const clients: ClientMetadata[] = [
      {
        client_id: 'tpp-mtls',
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB',
        tls_client_certificate_bound_access_tokens: true,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
      },
      {
        client_id: 'tpp-dpop',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...await webcrypto.subtle.exportKey('jwk', assertionKey.publicKey), alg: 'ES256', use: 'sig' } as never] },
        dpop_bound_access_tokens: true,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
      },
    ];
    const signing = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    const mtls = fapi2SecurityProfile(createMtls({ trustAnchors: [pki.root.pem], mtlsOrigin }), { dpop: true });
    const provider = new Provider(issuer, mtls.configure({
      clients,
      jwks: { keys: [{ ...signing, alg: 'PS256', use: 'sig' } as never] },
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
      scopes: ['openid', 'api:read'],
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      cookies: { keys: ['sender-constraints-test-cookie-key'] },
      features: {
        devInteractions: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => RESOURCE_JWT,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({ scope: 'api:read', audience: RESOURCE_JWT, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'PS256' } } }),
        },
      },
    } satisfies Configuration));
    mtls.attach(provider);
    provider.use(scriptedConsent(provider));
    handle = provider.callback();

    // One resource server for both kinds of client: binding required, DPoP on (the default).
    const rs = (options: Partial<TokenVerifierOptions> = {}) => appFor('fastify', createTokenVerifier({
      issuer, audience: RESOURCE_JWT, binding: { required: true }, http: { ca: pki.root.pem }, scopes: ['api:read'], ...options,
    }));
    resource = await startHttps(await rs(), { cert: pki.server, requestCert: true } as Parameters<typeof startHttps>[1]);
    nonceResource = await startHttps(await rs({ dpop: { nonce: true } }), { cert: pki.server, requestCert: true } as Parameters<typeof startHttps>[1]);

    const mtlsSent: Headers[] = [];
    mtlsClient = {
      config: await discover(issuer, 'tpp-mtls', { use_mtls_endpoint_aliases: true }, oidc.TlsClientAuth(), recording(tlsFetch(pki.root, pki.clientA), mtlsSent)),
      dpop: undefined,
      sent: mtlsSent,
    };
    const dpopSent: Headers[] = [];
    const dpopConfig = await discover(issuer, 'tpp-dpop', {}, oidc.PrivateKeyJwt(assertionKey.privateKey), recording(tlsFetch(pki.root), dpopSent));
    dpopKeys = await oidc.randomDPoPKeyPair('ES256');
    dpopClient = { config: dpopConfig, dpop: oidc.getDPoPHandle(dpopConfig, dpopKeys), sent: dpopSent };
    // Each client's whole flow, once; the tests below use the tokens it gave.
    mtlsTokens = await codeFlow(mtlsClient);
    dpopTokens = await codeFlow(dpopClient);
    [mtlsToken, dpopToken] = [mtlsTokens.access_token, dpopTokens.access_token];
  });

  after(async () => {
    for (const server of listeners ?? []) {
      server.closeAllConnections();
      server.close();
    }
    await resource?.close();
    await nonceResource?.close();
  });

  it('tls_client_auth client: PAR + PKCE + code at the mTLS alias gives a certificate-bound token the resource server accepts with its certificate', async () => {
    assert.equal(mtlsTokens.token_type, 'bearer');
    assert.deepEqual(decodeJwt(mtlsToken).cnf, { 'x5t#S256': x5t(pki.clientA) });
    const response = await call(mtlsClient, mtlsToken);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { sub: 'user-1', scheme: 'Bearer', boundTo: x5t(pki.clientA), jkt: null, scopes: ['api:read'], subject: pki.clientA.x509.subject });
  });

  it('private_key_jwt client: PAR + PKCE + code with DPoP proofs gives a DPoP-bound token the resource server accepts with a proof', async () => {
    assert.equal(dpopTokens.token_type, 'dpop');
    const jkt = jwkThumbprint(await exportJWK(dpopKeys.publicKey));
    assert.deepEqual(decodeJwt(dpopToken).cnf, { jkt });
    const response = await call(dpopClient, dpopToken);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { sub: 'user-1', scheme: 'DPoP', boundTo: null, jkt, scopes: ['api:read'], subject: null });
    const sent = dpopClient.sent.at(-1)!;
    assert.match(sent.get('authorization')!, /^DPoP /);
    assert.equal(decodeJwt(sent.get('dpop')!).htu, resourceUrl(resource).href);
  });

  describe('swapped tokens', () => {
    it('RFC 9449 section 7.2: the DPoP-bound token sent by the mTLS client as a Bearer token, with its certificate, is refused', async () => {
      const { status, challenge } = await call(mtlsClient, dpopToken);
      assert.equal(status, 401);
      assert.equal(challenge?.scheme, 'dpop');
      assert.equal(challenge?.parameters.error, 'invalid_token');
      assert.equal(challenge?.parameters.error_description, 'the access token is DPoP-bound and must be presented with the DPoP scheme');
    });

    it('RFC 9449 section 4.3 check 12 (answered per section 7.1): the DPoP-bound token with a proof of another key is refused', async () => {
      const thief = oidc.getDPoPHandle(mtlsClient.config, await oidc.randomDPoPKeyPair('ES256'));
      const { status, challenge } = await call(mtlsClient, dpopToken, { dpop: thief });
      assert.equal(status, 401);
      assert.equal(challenge?.parameters.error, 'invalid_token');
      assert.equal(challenge?.parameters.error_description, 'the access token is bound to another DPoP key');
    });

    it('RFC 8705 section 3: the certificate-bound token sent by the DPoP client, with a valid proof but no certificate, is refused', async () => {
      const { status, challenge } = await call(dpopClient, mtlsToken);
      assert.equal(status, 401);
      assert.equal(challenge?.parameters.error, 'invalid_token');
      assert.equal(challenge?.parameters.error_description, 'the access token is bound to a certificate and none was presented');
    });
  });

  it('RFC 9449 section 11.1: a proof replayed with its token is refused as already used', async () => {
    assert.equal((await call(dpopClient, dpopToken)).status, 200);
    const sent = dpopClient.sent.at(-1)!;
    const replay = await tlsFetch(pki.root)(resourceUrl(resource), {
      headers: { authorization: sent.get('authorization')!, dpop: sent.get('dpop')! },
    });
    assert.equal(replay.status, 401);
    assert.match(replay.headers.get('www-authenticate')!, /^DPoP error="invalid_dpop_proof", error_description="the DPoP proof was already used", algs="/);
  });

  describe('tokens without their binding', () => {
    it('RFC 9449 section 4.3 check 1: the DPoP-bound token with the DPoP scheme and no DPoP header is refused', async () => {
      const response = await tlsFetch(pki.root)(resourceUrl(resource), { headers: { authorization: `DPoP ${dpopToken}` } });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate')!, /^DPoP error="invalid_dpop_proof", error_description="the request carries no DPoP proof"/);
    });

    it('RFC 9449 section 7.2: the DPoP-bound token as a Bearer token without a proof is refused', async () => {
      const { status, challenge } = await call(dpopClient, dpopToken, { dpop: null });
      assert.equal(status, 401);
      assert.equal(challenge?.parameters.error, 'invalid_token');
    });

    it('RFC 8705 section 3 (answered per RFC 6750 section 3.1): the certificate-bound token without a certificate is refused', async () => {
      const response = await tlsFetch(pki.root)(resourceUrl(resource), { headers: { authorization: `Bearer ${mtlsToken}` } });
      assert.equal(response.status, 401);
      assert.equal(
        response.headers.get('www-authenticate'),
        'Bearer error="invalid_token", error_description="the access token is bound to a certificate and none was presented"',
      );
    });
  });

  it('RFC 9449 section 9: a resource server that requires nonces answers use_dpop_nonce, and openid-client retries with the nonce', async () => {
    const before = dpopClient.sent.length;
    const response = await call(dpopClient, dpopToken, { server: nonceResource });
    assert.equal(response.status, 200);
    const proofs = dpopClient.sent.slice(before).map((headers) => decodeJwt(headers.get('dpop')!));
    assert.equal(proofs.length, 2, 'one refused for want of a nonce, one retried with it');
    assert.equal(proofs[0]!.nonce, undefined);
    assert.equal(typeof proofs[1]!.nonce, 'string');
  });
});
