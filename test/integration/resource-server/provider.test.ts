// A real oidc-provider with the plugin issues certificate-bound (and, through the host's DPoP
// feature, DPoP-bound) JWT and opaque access tokens over real TLS; openid-client v6 calls a Koa
// resource server that uses this package's verifier, which discovers the provider's JWKS and
// introspects opaque tokens at its mTLS alias.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import Koa from 'koa';
import * as oidc from 'openid-client';
import sinon from 'sinon';
import type { MtlsError } from '../../../src/errors.js';
import { createTokenVerifier, koaBoundToken, type MtlsKoaState, type TokenVerifierOptions } from '../../../src/resource-server/index.js';
import { discover, tlsFetch } from '../../support/client.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { jwkWithCertificate, RESOURCE_JWT, RESOURCE_OPAQUE, startTestProvider, type TestProvider } from '../../support/provider.js';
import { x5t } from '../../support/thumbprint.js';
import { startHttps, type StartedServer } from '../../support/tls.js';

describe('resource server against a real oidc-provider with the plugin (RFC 8705 section 3)', () => {
  let pki: TestPki;
  /** The resource server's own self-signed certificate, for mutual TLS at the introspection endpoint. */
  let rsCert: TestCertificate;
  let op: TestProvider;
  let servers: StartedServer[];
  let refused: MtlsError[];

  /** A Koa resource server using the package, on its own TLS listener that asks for certificates. */
  const resourceServer = async (options: Partial<TokenVerifierOptions> & Pick<TokenVerifierOptions, 'audience'>) => {
    const verifier = createTokenVerifier({ issuer: op.issuer, http: { ca: pki.root.pem }, binding: { required: true }, ...options });
    const app = new Koa<MtlsKoaState>();
    app.use(koaBoundToken(verifier, { onTokenRefused: (error) => refused.push(error) }));
    app.use((ctx) => {
      const { mtls } = ctx.state;
      ctx.body = { format: mtls.format, client_id: mtls.claims.client_id, boundTo: mtls.boundTo, scopes: mtls.scopes };
    });
    const started = await startHttps(app.callback(), { cert: pki.server, requestCert: true } as Parameters<typeof startHttps>[1]);
    servers.push(started);
    return new URL('/api', started.origin);
  };
  const jwtResource = () => resourceServer({ audience: RESOURCE_JWT, jwt: {} });
  const opaqueResource = (cache: false | undefined = false) => resourceServer({
    audience: RESOURCE_OPAQUE,
    introspection: {
      clientId: 'resource-server',
      auth: { method: 'self_signed_tls_client_auth', certificate: rsCert.pem, key: rsCert.keyPem },
      ...(cache === false ? { cache } : {}),
    },
  });

  /** A client certificate as clients send it: the leaf followed by its issuing CA. */
  const withChain = (cert: TestCertificate): TestCertificate => cert === pki.selfSigned ? cert : { ...cert, pem: cert.pem + pki.intermediate.pem };

  /** openid-client configured for the bound client, talking TLS with `cert`. */
  const client = (cert: TestCertificate) =>
    discover(op.issuer, 'tls-cc', { use_mtls_endpoint_aliases: true }, oidc.TlsClientAuth(), tlsFetch(pki.root, withChain(cert)));
  const boundToken = async (resource: string) => {
    const tokens = await oidc.clientCredentialsGrant(await client(pki.clientA), { resource, scope: 'api:read' });
    return tokens.access_token;
  };

  /** Calls the resource server through openid-client, presenting `cert` (or none). */
  async function call(url: URL, token: string, cert: TestCertificate | undefined) {
    const config = await client(pki.clientA);
    config[oidc.customFetch] = tlsFetch(pki.root, cert && withChain(cert)) as never;
    try {
      const response = await oidc.fetchProtectedResource(config, token, url, 'GET');
      return { status: response.status, body: await response.json() as Record<string, unknown>, challenge: undefined };
    } catch (error) {
      if (!(error instanceof oidc.WWWAuthenticateChallengeError)) throw error;
      return { status: error.status, body: await error.response.json() as Record<string, unknown>, challenge: error.cause[0] };
    }
  }

  before(async () => {
    pki = await createTestPki();
    rsCert = await issue({ subject: 'CN=resource-server' });
    // The provider's own signing keys: ES256 for the JWT access tokens, RS256 for everything else.
    const signingKeys = [
      { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'as-es256', alg: 'ES256', use: 'sig' },
      { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'as-rs256', alg: 'RS256', use: 'sig' },
    ];
    op = await startTestProvider({
      pki,
      config: { jwks: { keys: signingKeys } as never },
      clients: [
        {
          client_id: 'tls-cc',
          token_endpoint_auth_method: 'tls_client_auth',
          tls_client_auth_san_dns: 'client-a.example.com',
          tls_client_certificate_bound_access_tokens: true,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: 'plain-cc',
          client_secret: 'plain-secret-for-tests-only',
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: 'dpop-cc',
          client_secret: 'dpop-secret-for-tests-only',
          token_endpoint_auth_method: 'client_secret_basic',
          dpop_bound_access_tokens: true,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: 'resource-server',
          token_endpoint_auth_method: 'self_signed_tls_client_auth',
          jwks: { keys: [jwkWithCertificate(rsCert)] },
          grant_types: [],
          response_types: [],
          redirect_uris: [],
        },
      ] as never,
    });
  });

  after(() => op.close());

  beforeEach(() => {
    servers = [];
    refused = [];
  });

  afterEach(async () => {
    sinon.restore();
    await Promise.all(servers.map((server) => server.close()));
  });

  for (const [kind, resource, start] of [
    ['JWT', RESOURCE_JWT, jwtResource],
    ['opaque', RESOURCE_OPAQUE, () => opaqueResource()],
  ] as const) {
    describe(`${kind} access token`, () => {
      it('the legitimate call succeeds: the token is bound to the certificate that presents it', async () => {
        const url = await start();
        const token = await boundToken(resource);
        const { status, body } = await call(url, token, pki.clientA);
        assert.equal(status, 200, JSON.stringify(body));
        assert.deepEqual(body, {
          format: kind === 'JWT' ? 'jwt' : 'introspection',
          client_id: 'tls-cc',
          boundTo: x5t(pki.clientA),
          scopes: ['api:read'],
        });
        assert.deepEqual(refused, []);
      });

      it('the same token with another certificate, or with none, is refused: 401 invalid_token', async () => {
        const url = await start();
        const token = await boundToken(resource);
        for (const [cert, description] of [
          [pki.clientB, 'the access token is bound to another certificate'],
          [pki.selfSigned, 'the access token is bound to another certificate'],
          [undefined, 'the access token is bound to a certificate and none was presented'],
        ] as const) {
          const { status, body, challenge } = await call(url, token, cert);
          assert.equal(status, 401);
          assert.equal(challenge?.scheme, 'bearer');
          assert.equal(challenge?.parameters.error, 'invalid_token');
          assert.equal(challenge?.parameters.error_description, description);
          assert.deepEqual(body, { error: 'invalid_token', error_description: description });
        }
        assert.deepEqual(refused.map((error) => error.code), Array(3).fill('ERR_MTLS_BINDING_MISMATCH'));
      });

      it('an expired token is refused', async () => {
        const url = await start();
        const token = await boundToken(resource);
        // The provider's token lifetime is 10 minutes; the clock moves past it for both servers.
        sinon.useFakeTimers({ now: Date.now() + 3600_000, toFake: ['Date'] });
        const { status, challenge } = await call(url, token, pki.clientA);
        assert.equal(status, 401);
        assert.equal(challenge?.parameters.error, 'invalid_token');
        assert.equal(challenge?.parameters.error_description, kind === 'JWT' ? 'the access token has expired' : 'the access token is not active');
        assert.deepEqual(refused.map((error) => error.code), ['ERR_MTLS_TOKEN_INVALID']);
      });

      it('a token for another resource (wrong audience) is refused', async () => {
        const other = kind === 'JWT' ? RESOURCE_OPAQUE : RESOURCE_JWT;
        const url = await resourceServer({
          audience: other,
          ...(kind === 'opaque'
            ? { introspection: { clientId: 'resource-server', auth: { method: 'self_signed_tls_client_auth', certificate: rsCert.pem, key: rsCert.keyPem } } }
            : {}),
        });
        const token = await boundToken(resource);
        const { status, challenge } = await call(url, token, pki.clientA);
        assert.equal(status, 401);
        assert.equal(challenge?.parameters.error_description, 'the access token is not intended for this resource server');
        assert.deepEqual(refused.map((error) => error.code), ['ERR_MTLS_TOKEN_INVALID']);
      });

      it('a tampered token is refused', async () => {
        const url = await start();
        const token = await boundToken(resource);
        const tampered = kind === 'JWT'
          ? (() => {
            const [header, payload, signature] = token.split('.') as [string, string, string];
            const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
            const forged = Buffer.from(JSON.stringify({ ...claims, cnf: { 'x5t#S256': x5t(pki.clientB) } })).toString('base64url');
            return `${header}.${forged}.${signature}`;
          })()
          : `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
        const { status, challenge } = await call(url, tampered, kind === 'JWT' ? pki.clientB : pki.clientA);
        assert.equal(status, 401);
        assert.equal(
          challenge?.parameters.error_description,
          kind === 'JWT' ? 'the access token signature is invalid' : 'the access token is not active',
        );
        assert.deepEqual(refused.map((error) => error.code), ['ERR_MTLS_TOKEN_INVALID']);
      });
    });
  }

  it('a revoked opaque token is refused at the next introspection', async () => {
    const url = await opaqueResource(false);
    const token = await boundToken(RESOURCE_OPAQUE);
    assert.equal((await call(url, token, pki.clientA)).status, 200);
    await oidc.tokenRevocation(await client(pki.clientA), token);
    const { status, challenge } = await call(url, token, pki.clientA);
    assert.equal(status, 401);
    assert.equal(challenge?.parameters.error_description, 'the access token is not active');
    assert.deepEqual(refused.map((error) => error.code), ['ERR_MTLS_TOKEN_INVALID']);
  });

  it('an unbound bearer token is refused where binding is required, accepted where it is not', async () => {
    const strict = await jwtResource();
    const lenient = await resourceServer({ audience: RESOURCE_JWT, jwt: {}, binding: { required: false } });
    const plain = await discover(op.issuer, 'plain-cc', {}, oidc.ClientSecretBasic('plain-secret-for-tests-only'), tlsFetch(pki.root));
    const { access_token: token } = await oidc.clientCredentialsGrant(plain, { resource: RESOURCE_JWT, scope: 'api:read' });
    const refusedCall = await call(strict, token, pki.clientA);
    assert.equal(refusedCall.status, 401);
    assert.equal(refusedCall.challenge?.parameters.error_description, 'the access token is not sender-constrained (bound to a certificate or a DPoP key)');
    assert.deepEqual(refused.map((error) => error.code), ['ERR_MTLS_TOKEN_UNBOUND']);
    const accepted = await call(lenient, token, undefined);
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body['boundTo'], undefined);
  });
  for (const [kind, resource, start] of [
    ['JWT', RESOURCE_JWT, jwtResource],
    ['opaque (introspected: token_type DPoP, cnf.jkt)', RESOURCE_OPAQUE, () => opaqueResource()],
  ] as const) {
    it(`a DPoP-bound ${kind} token from the host's DPoP feature is accepted with a proof of its key, and refused without one (RFC 9449 sections 7.1 and 7.2)`, async () => {
      const url = await start();
      const config = await discover(op.issuer, 'dpop-cc', {}, oidc.ClientSecretBasic('dpop-secret-for-tests-only'), tlsFetch(pki.root));
      const dpop = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
      const { access_token: token, token_type: type } = await oidc.clientCredentialsGrant(config, { resource, scope: 'api:read' }, { DPoP: dpop });
      assert.equal(type, 'dpop');
      const response = await oidc.fetchProtectedResource(config, token, url, 'GET', undefined, undefined, { DPoP: dpop });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), {
        format: resource === RESOURCE_JWT ? 'jwt' : 'introspection', client_id: 'dpop-cc', scopes: ['api:read'],
      });
      await assert.rejects(oidc.fetchProtectedResource(config, token, url, 'GET'), (error: unknown) => {
        assert.ok(error instanceof oidc.WWWAuthenticateChallengeError);
        assert.equal(error.status, 401);
        assert.equal(error.cause[0]?.scheme, 'dpop');
        assert.equal(error.cause[0]?.parameters.error, 'invalid_token');
        return true;
      });
      assert.deepEqual(refused.map((error) => error.code), ['ERR_MTLS_BINDING_MISMATCH']);
    });
  }
});
