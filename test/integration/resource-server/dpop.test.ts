// DPoP-bound tokens through the Koa, Express and Fastify middleware over real TLS: the proof is
// checked against the request as the client addressed it (scheme of the TLS socket, Host header,
// path), replays and wrong schemes are refused with RFC 9449 section 7.1 challenges, and server
// nonces travel in DPoP-Nonce.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from '../../../src/resource-server/index.js';
import { createTestPki, type TestPki } from '../../support/pki.js';
import { x5t } from '../../support/thumbprint.js';
import { startHttps, type StartedServer } from '../../support/tls.js';
import { accessToken, AUDIENCE, callHttps, dpopKey, dpopProof, ISSUER, signingKey, type DpopKey, type SigningKey } from '../../resource-server/helpers.js';
import { appFor, FRAMEWORKS, type Framework } from './apps.js';

describe('resource-server middleware with DPoP-bound tokens over real TLS (RFC 9449)', () => {
  let pki: TestPki;
  let issuerKey: SigningKey;
  let client: DpopKey;
  let servers: StartedServer[];

  const verifierFor = (options: Partial<TokenVerifierOptions> = {}) => createTokenVerifier({
    issuer: ISSUER, audience: AUDIENCE, discovery: false, realm: 'api', jwt: { jwks: { keys: [issuerKey.publicJwk] } }, ...options,
  });
  const serve = async (framework: Framework, verifier: TokenVerifier) => {
    const started = await startHttps(await appFor(framework, verifier), { cert: pki.server, requestCert: true } as Parameters<typeof startHttps>[1]);
    servers.push(started);
    return started.origin;
  };

  before(async () => {
    pki = await createTestPki();
    issuerKey = await signingKey('k1');
    client = await dpopKey();
  });
  beforeEach(() => {
    servers = [];
  });
  afterEach(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  for (const framework of FRAMEWORKS) {
    describe(framework, () => {
      it('accepts the token with a proof for this method and URI, and refuses the same proof again (section 11.1)', async () => {
        const origin = await serve(framework, verifierFor());
        const token = await accessToken(issuerKey, { cnf: { jkt: client.jkt } });
        const proof = await dpopProof(client, { htm: 'GET', htu: `${origin}/accounts`, token });
        const ok = await callHttps(origin, '/accounts?page=1', { ca: pki.root, authorization: `DPoP ${token}`, headers: { dpop: proof } });
        assert.equal(ok.status, 200, ok.body);
        assert.deepEqual(JSON.parse(ok.body), { sub: 'user-1', scheme: 'DPoP', boundTo: null, jkt: client.jkt, scopes: ['api:read'], subject: null });
        const replay = await callHttps(origin, '/accounts', { ca: pki.root, authorization: `DPoP ${token}`, headers: { dpop: proof } });
        assert.equal(replay.status, 401);
        assert.match(replay.headers['www-authenticate']!, /^DPoP realm="api", error="invalid_dpop_proof", error_description="the DPoP proof was already used", algs="/);
        assert.equal(replay.headers['cache-control'], 'no-store');
        assert.deepEqual(JSON.parse(replay.body), { error: 'invalid_dpop_proof', error_description: 'the DPoP proof was already used' });
      });

      it('section 4.3 checks 1, 8 and 9: refuses two DPoP headers, and a proof for another method or URI', async () => {
        const origin = await serve(framework, verifierFor());
        const token = await accessToken(issuerKey, { cnf: { jkt: client.jkt } });
        const cases: [Record<string, string | string[]>, string][] = [
          [{ dpop: [await dpopProof(client, { htm: 'GET', htu: `${origin}/a`, token }), await dpopProof(client, { htm: 'GET', htu: `${origin}/a`, token })] },
            'the request carries more than one DPoP header'],
          [{ dpop: await dpopProof(client, { htm: 'POST', htu: `${origin}/a`, token }) }, 'the DPoP proof was made for another HTTP method'],
          [{ dpop: await dpopProof(client, { htm: 'GET', htu: `${origin}/b`, token }) }, 'the DPoP proof was made for another URI'],
          // The scheme comes from the TLS socket: a proof for the same path over http does not fit.
          [{ dpop: await dpopProof(client, { htm: 'GET', htu: `${origin.replace('https:', 'http:')}/a`, token }) }, 'the DPoP proof was made for another URI'],
        ];
        for (const [headers, description] of cases) {
          const response = await callHttps(origin, '/a', { ca: pki.root, authorization: `DPoP ${token}`, headers });
          assert.equal(response.status, 401, description);
          assert.equal(JSON.parse(response.body).error_description, description);
          assert.match(response.headers['www-authenticate']!, /^DPoP realm="api", error="invalid_dpop_proof"/);
        }
      });

      it('section 7.2: refuses the DPoP-bound token with the Bearer scheme, proof or not', async () => {
        const origin = await serve(framework, verifierFor());
        const token = await accessToken(issuerKey, { cnf: { jkt: client.jkt } });
        const proof = await dpopProof(client, { htm: 'GET', htu: `${origin}/`, token });
        const response = await callHttps(origin, '/', { ca: pki.root, authorization: `Bearer ${token}`, headers: { dpop: proof } });
        assert.equal(response.status, 401);
        assert.match(response.headers['www-authenticate']!, /^DPoP realm="api", error="invalid_token", error_description="the access token is DPoP-bound and must be presented with the DPoP scheme", algs="/);
      });

      it('section 9: asks for a nonce with use_dpop_nonce and DPoP-Nonce, then accepts the proof that carries it', async () => {
        const origin = await serve(framework, verifierFor({ dpop: { nonce: true } }));
        const token = await accessToken(issuerKey, { cnf: { jkt: client.jkt } });
        const first = await callHttps(origin, '/', { ca: pki.root, authorization: `DPoP ${token}`, headers: { dpop: await dpopProof(client, { htm: 'GET', htu: `${origin}/`, token }) } });
        assert.equal(first.status, 401);
        assert.match(first.headers['www-authenticate']!, /^DPoP realm="api", error="use_dpop_nonce"/);
        const nonce = first.headers['dpop-nonce'];
        assert.equal(typeof nonce, 'string');
        const proof = await dpopProof(client, { htm: 'GET', htu: `${origin}/`, token }, { claims: { nonce } });
        const second = await callHttps(origin, '/', { ca: pki.root, authorization: `DPoP ${token}`, headers: { dpop: proof } });
        assert.equal(second.status, 200, second.body);
      });

      it('a token bound both ways passes only with its certificate on the TLS socket and its proof', async () => {
        const origin = await serve(framework, verifierFor());
        const token = await accessToken(issuerKey, { cnf: { jkt: client.jkt, 'x5t#S256': x5t(pki.clientA) } });
        const call = async (cert: typeof pki.clientA | undefined) => callHttps(origin, '/', {
          ca: pki.root, ...(cert ? { cert } : {}), authorization: `DPoP ${token}`,
          headers: { dpop: await dpopProof(client, { htm: 'GET', htu: `${origin}/`, token }) },
        });
        assert.equal((await call(pki.clientA)).status, 200);
        const other = await call(pki.clientB);
        assert.equal(other.status, 401);
        assert.equal(JSON.parse(other.body).error_description, 'the access token is bound to another certificate');
      });
    });
  }
  it('takes the URI a proof must name from :authority over HTTP/2', async () => {
    const app = await appFor('koa', verifierFor());
    const server = createSecureServer({ key: pki.server.keyPem, cert: pki.server.pem }, app as unknown as Parameters<typeof createSecureServer>[1]);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `https://localhost:${(server.address() as AddressInfo).port}`;
    const session = connect(origin, { ca: pki.root.pem });
    try {
      const token = await accessToken(issuerKey, { cnf: { jkt: client.jkt } });
      const get = async (htu: string) => {
        const stream = session.request({ ':path': '/accounts', authorization: `DPoP ${token}`, dpop: await dpopProof(client, { htm: 'GET', htu, token }) });
        const [headers] = await once(stream, 'response') as [Record<string, unknown>];
        stream.resume();
        await once(stream, 'end');
        return headers[':status'];
      };
      assert.equal(await get(`${origin}/accounts`), 200);
      assert.equal(await get(`${origin}/other`), 401);
    } finally {
      session.close();
      server.close();
    }
  });
});
