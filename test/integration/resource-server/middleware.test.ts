// Koa, Express and Fastify resource servers over real TLS (client certificates requested on
// loopback), tokens signed at test time, keys served by a local JWKS server.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { ClientCertificate } from '../../../src/certificate/certificate.js';
import { ConfigurationError, ProxyUntrustedError, type MtlsError } from '../../../src/errors.js';
import {
  createTokenVerifier,
  expressBoundToken,
  fastifyBoundToken,
  koaBoundToken,
  socketSource,
  type CertificateSource,
  type MiddlewareOptions,
  type TokenVerifier,
  type TokenVerifierOptions,
} from '../../../src/resource-server/index.js';
import { createTestPki, type TestPki } from '../../support/pki.js';
import { x5t } from '../../support/thumbprint.js';
import { startHttps, type StartedServer } from '../../support/tls.js';
import { accessToken, AUDIENCE, callHttps, ISSUER, signingKey, startJsonServer, type JsonServer, type SigningKey } from '../../resource-server/helpers.js';
import { appFor, FRAMEWORKS, type Framework } from './apps.js';

const ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519';

describe('resource-server middleware over real TLS', () => {
  let pki: TestPki;
  let key: SigningKey;
  let jwks: JsonServer;
  let servers: StartedServer[];

  const verifierFor = (options: Partial<TokenVerifierOptions> = {}) => createTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    discovery: false,
    realm: 'api',
    jwt: { jwks: `${jwks.origin}/jwks` },
    ...options,
  });
  const serve = async (framework: Framework, verifier: TokenVerifier, options?: MiddlewareOptions) => {
    const listener = await appFor(framework, verifier, options);
    const started = await startHttps(listener, { cert: pki.server, requestCert: true } as Parameters<typeof startHttps>[1]);
    servers.push(started);
    return started.origin;
  };

  before(async () => {
    pki = await createTestPki();
    key = await signingKey('k1');
  });

  beforeEach(async () => {
    servers = [];
    jwks = await startJsonServer(() => ({ status: 200, json: { keys: [key.publicJwk] } }));
  });

  afterEach(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await jwks.close();
  });

  for (const framework of FRAMEWORKS) {
    describe(framework, () => {
      it('lets a bound token through with its certificate and hands the result to the handler', async () => {
        const origin = await serve(framework, verifierFor());
        const token = await accessToken(key, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
        const response = await callHttps(origin, '/', { ca: pki.root, cert: pki.clientA, authorization: `Bearer ${token}` });
        assert.equal(response.status, 200, response.body);
        assert.deepEqual(JSON.parse(response.body), {
          sub: 'user-1', scheme: 'Bearer', boundTo: x5t(pki.clientA), jkt: null, scopes: ['api:read'], subject: pki.clientA.x509.subject,
        });
      });

      it('refuses the same token with another certificate or none: 401 invalid_token', async () => {
        const origin = await serve(framework, verifierFor());
        const token = await accessToken(key, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
        for (const [cert, description] of [
          [pki.clientB, 'the access token is bound to another certificate'],
          [undefined, 'the access token is bound to a certificate and none was presented'],
        ] as const) {
          const response = await callHttps(origin, '/', { ca: pki.root, ...(cert ? { cert } : {}), authorization: `Bearer ${token}` });
          assert.equal(response.status, 401);
          assert.equal(response.headers['www-authenticate'], `Bearer realm="api", error="invalid_token", error_description="${description}"`);
          assert.equal(response.headers['cache-control'], 'no-store');
          assert.deepEqual(JSON.parse(response.body), { error: 'invalid_token', error_description: description });
          assert.ok(!response.body.includes(token) && !response.body.includes(x5t(pki.clientA)));
        }
      });

      it('answers a request without a token with a bare challenge, and a wrong scope with 403', async () => {
        const origin = await serve(framework, verifierFor({ scopes: ['api:write'] }));
        const none = await callHttps(origin, '/', { ca: pki.root, cert: pki.clientA });
        assert.equal(none.status, 401);
        // RFC 9449 section 7.1: both schemes are offered, DPoP with the accepted proof algorithms.
        assert.equal(none.headers['www-authenticate'], `Bearer realm="api", DPoP realm="api", algs="${ALGS}"`);
        const token = await accessToken(key);
        const scoped = await callHttps(origin, '/', { ca: pki.root, authorization: `Bearer ${token}` });
        assert.equal(scoped.status, 403);
        assert.equal(
          scoped.headers['www-authenticate'],
          'Bearer realm="api", error="insufficient_scope", error_description="the access token lacks the scope api:write", scope="api:write"',
        );
        const malformed = await callHttps(origin, '/', { ca: pki.root, authorization: 'Bearer a b' });
        assert.equal(malformed.status, 400);
        assert.match(malformed.headers['www-authenticate']!, /error="invalid_request"/);
      });

      it('answers 503 when the JWKS cannot be fetched', async () => {
        const down = await startJsonServer(() => ({ status: 200 }));
        await down.close();
        const origin = await serve(framework, verifierFor({ jwt: { jwks: `${down.origin}/jwks` } }));
        const token = await accessToken(key);
        const response = await callHttps(origin, '/', { ca: pki.root, authorization: `Bearer ${token}` });
        assert.equal(response.status, 503);
        assert.equal(response.headers['www-authenticate'], undefined);
        assert.deepEqual(JSON.parse(response.body), { error: 'temporarily_unavailable', error_description: 'the issuer\'s JWKS could not be fetched' });
      });

      it('treats a refused intake as no certificate, reports it, and never falls through to the socket', async () => {
        const refusals: MtlsError[] = [];
        const untrusted: CertificateSource = {
          name: 'test-header',
          read: (req) => req.headers['x-client-cert']
            ? { kind: 'refused', error: new ProxyUntrustedError('the certificate header came from an untrusted peer') }
            : { kind: 'none' },
        };
        const origin = await serve(framework, verifierFor(), {
          certificateSource: [untrusted, socketSource()],
          onIntakeRefused: (error) => refusals.push(error),
        });
        const token = await accessToken(key, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
        const forged = await callHttps(origin, '/', {
          ca: pki.root, cert: pki.clientA, authorization: `Bearer ${token}`, headers: { 'x-client-cert': 'anything' },
        });
        assert.equal(forged.status, 401);
        assert.deepEqual(refusals.map((error) => error.code), ['ERR_MTLS_PROXY_UNTRUSTED']);
        const direct = await callHttps(origin, '/', { ca: pki.root, cert: pki.clientA, authorization: `Bearer ${token}` });
        assert.equal(direct.status, 200, 'without the header, the socket source is used');
      });

      it('takes the certificate from any CertificateSource, e.g. a header from a trusted proxy', async () => {
        const header: CertificateSource = {
          name: 'test-proxy',
          read: (req) => {
            const value = req.headers['x-test-client-cert'];
            if (typeof value !== 'string') return { kind: 'none' };
            const leaf = ClientCertificate.from(Buffer.from(value, 'base64'));
            return { kind: 'certificate', certificate: { leaf, chain: [], source: 'test-proxy' } };
          },
        };
        const origin = await serve(framework, verifierFor(), { certificateSource: header });
        const token = await accessToken(key, { cnf: { 'x5t#S256': x5t(pki.clientB) } });
        const { status } = await callHttps(origin, '/', {
          ca: pki.root, authorization: `Bearer ${token}`, headers: { 'x-test-client-cert': pki.clientB.der.toString('base64') },
        });
        assert.equal(status, 200);
      });

      it('passes unexpected errors to the framework (500), never turning them into a pass or a 401', async () => {
        const real = verifierFor();
        const broken: TokenVerifier = { verify: () => Promise.reject(new Error('bug')), challenge: real.challenge };
        const origin = await serve(framework, broken);
        const response = await callHttps(origin, '/', { ca: pki.root, authorization: 'Bearer x' });
        assert.equal(response.status, 500);
      });
    });
  }

  it('validates middleware options at creation', () => {
    const verifier = verifierFor();
    assert.throws(() => koaBoundToken(verifier, { certificateSource: [] }), (error: unknown) =>
      error instanceof ConfigurationError && error.message === 'certificateSource must not be an empty list');
    assert.throws(() => koaBoundToken(verifier, { certificateSource: 'tls' as never }), (error: unknown) =>
      error instanceof ConfigurationError && /^certificateSource must be 'socket', header source options/.test(error.message));
    assert.throws(() => expressBoundToken({} as TokenVerifier), (error: unknown) =>
      error instanceof ConfigurationError && error.message === 'verifier must be created with createTokenVerifier()');
    assert.throws(() => expressBoundToken(verifier, { onIntakeRefused: 'log' as never }), (error: unknown) =>
      error instanceof ConfigurationError && error.message === 'onIntakeRefused must be a function');
  });

  it('validates the Fastify plugin\'s options when it is registered', async () => {
    for (const [options, message] of [
      [{ verifier: {} }, 'verifier must be created with createTokenVerifier()'],
      [{ verifier: verifierFor(), certificateSource: [] }, 'certificateSource must not be an empty list'],
      [{ verifier: verifierFor(), onTokenRefusd: () => undefined }, 'onTokenRefusd is not an option of the bound-token middleware (did you mean onTokenRefused?)'],
    ] as const) {
      const app = Fastify();
      void app.register(fastifyBoundToken, options as never);
      await assert.rejects(async () => { await app.ready(); }, (error: unknown) =>
        error instanceof ConfigurationError && error.message === message);
      await app.close();
    }
    // Fastify's own register() options reach the plugin too, and are not ours to refuse.
    const app = Fastify();
    await app.register(fastifyBoundToken, { verifier: verifierFor(), prefix: '/api', logLevel: 'warn' });
    await app.close();
  });

  it('works on Fastify\'s own https server, reading the certificate from its TLS socket', async () => {
    const app = Fastify({ https: { key: pki.server.keyPem, cert: pki.server.pem, requestCert: true, rejectUnauthorized: false } });
    await app.register(fastifyBoundToken, { verifier: verifierFor() });
    app.get('/accounts', async (request) => ({ boundTo: request.mtls?.boundTo }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const origin = `https://localhost:${(app.server.address() as AddressInfo).port}`;
      const token = await accessToken(key, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
      const ok = await callHttps(origin, '/accounts', { ca: pki.root, cert: pki.clientA, authorization: `Bearer ${token}` });
      assert.equal(ok.status, 200, ok.body);
      assert.deepEqual(JSON.parse(ok.body), { boundTo: x5t(pki.clientA) });
      const other = await callHttps(origin, '/accounts', { ca: pki.root, cert: pki.clientB, authorization: `Bearer ${token}` });
      assert.equal(other.status, 401);
      assert.equal(other.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token", error_description="the access token is bound to another certificate"');
    } finally {
      await app.close();
    }
  });

  it('protects only the routes of the Fastify context it is registered in', async () => {
    const app = Fastify();
    await app.register(async (api) => {
      await api.register(fastifyBoundToken, { verifier: verifierFor() });
      api.get('/api', async (request) => ({ sub: request.mtls?.claims.sub }));
    });
    app.get('/health', async (request) => ({ ok: true, protected: request.mtls !== undefined }));
    const token = await accessToken(key);
    assert.equal((await app.inject({ url: '/api' })).statusCode, 401);
    assert.deepEqual((await app.inject({ url: '/api', headers: { authorization: `Bearer ${token}` } })).json(), { sub: 'user-1' });
    assert.deepEqual((await app.inject({ url: '/health' })).json(), { ok: true, protected: false });
    await app.close();
  });
});
