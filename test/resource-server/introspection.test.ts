import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { jwtVerify } from 'jose';
import sinon from 'sinon';
import { ClientCertificate } from '../../src/certificate/certificate.js';
import { ConfigurationError } from '../../src/errors.js';
import { createTokenVerifier, type TokenVerifierOptions } from '../../src/resource-server/index.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { x5t } from '../support/thumbprint.js';
import { startHttps, type StartedServer } from '../support/tls.js';
import { AUDIENCE, ISSUER, refusal, startJsonServer, wrap, type JsonServer } from './helpers.js';

type Introspected = Record<string, unknown>;

describe('resource-server: opaque tokens by introspection (RFC 7662)', () => {
  let pki: TestPki;
  let certA: ClientCertificate;
  let certB: ClientCertificate;
  /** What the provider knows: token value -> introspection response. */
  let tokens: Map<string, Introspected>;
  let as: JsonServer;

  const active = (extra: Introspected = {}): Introspected => ({
    active: true,
    iss: ISSUER,
    aud: AUDIENCE,
    client_id: 'client-a',
    sub: 'user-1',
    scope: 'api:read',
    token_type: 'Bearer',
    exp: Math.floor(Date.now() / 1000) + 300,
    ...extra,
  });
  const answer = (body: string): Introspected => tokens.get(new URLSearchParams(body).get('token') ?? '') ?? { active: false };
  const make = (options: Partial<TokenVerifierOptions> = {}, cache?: TokenVerifierOptions['introspection']) => createTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    discovery: false,
    jwt: false,
    introspection: cache ?? {
      endpoint: `${as.origin}/introspect`,
      clientId: 'rs:1',
      auth: { method: 'client_secret_basic', secret: 'se cret' },
    },
    ...options,
  });
  const verify = (verifier: ReturnType<typeof make>, token: string, certificate?: ClientCertificate) =>
    verifier.verify({ authorization: `Bearer ${token}`, certificate });

  before(async () => {
    pki = await createTestPki();
    certA = ClientCertificate.from(pki.clientA.pem);
    certB = ClientCertificate.from(pki.clientB.pem);
  });

  beforeEach(async () => {
    tokens = new Map([
      ['bound-a', active({ cnf: { 'x5t#S256': x5t(pki.clientA) } })],
      ['unbound', active()],
    ]);
    as = await startJsonServer((req, body) => {
      const expected = `Basic ${Buffer.from('rs%3A1:se+cret').toString('base64')}`;
      if (req.headers.authorization !== expected) return { status: 401, json: { error: 'invalid_client' } };
      return { status: 200, json: answer(body) };
    });
  });

  afterEach(async () => {
    sinon.restore();
    await as.close();
  });

  it('authenticates with client_secret_basic (form-encoded), sends token and hint, and checks the binding', async () => {
    const result = await verify(make(), 'bound-a', certA);
    assert.equal(result.format, 'introspection');
    assert.equal(result.boundTo, x5t(pki.clientA));
    assert.deepEqual(result.scopes, ['api:read']);
    const sent = as.requests[0]!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(sent.body)), { token: 'bound-a', token_type_hint: 'access_token' });

    assert.equal((await refusal(make(), { authorization: 'Bearer bound-a', certificate: certB })).code, 'ERR_MTLS_BINDING_MISMATCH');
    const missing = await refusal(make(), { authorization: 'Bearer bound-a', certificate: undefined });
    assert.equal(missing.code, 'ERR_MTLS_BINDING_MISMATCH');
    assert.equal(missing.challenge.status, 401);
  });

  it('authenticates with client_secret_post', async () => {
    const post = await startJsonServer((_req, body) => {
      const params = new URLSearchParams(body);
      if (params.get('client_id') !== 'rs' || params.get('client_secret') !== 'secret') return { status: 401 };
      return { status: 200, json: answer(body) };
    });
    try {
      const verifier = make({}, { endpoint: `${post.origin}/introspect`, clientId: 'rs', auth: { method: 'client_secret_post', secret: 'secret' } });
      assert.equal((await verify(verifier, 'unbound')).claims.sub, 'user-1');
    } finally {
      await post.close();
    }
  });

  it('authenticates with private_key_jwt: a fresh assertion with iss = sub = client_id and aud = issuer', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jtis = new Set<string>();
    const jwt = await startJsonServer(async (_req, body) => {
      const params = new URLSearchParams(body);
      assert.equal(params.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      const { payload, protectedHeader } = await jwtVerify(params.get('client_assertion')!, publicKey, {
        issuer: 'rs', subject: 'rs', audience: ISSUER, algorithms: ['ES256'], requiredClaims: ['exp', 'iat', 'jti'],
      });
      assert.equal(protectedHeader.kid, 'rs-key');
      jtis.add(payload.jti!);
      return { status: 200, json: answer(body) };
    });
    try {
      const verifier = make({}, {
        endpoint: `${jwt.origin}/introspect`, clientId: 'rs', auth: { method: 'private_key_jwt', key: privateKey, alg: 'ES256', kid: 'rs-key' }, cache: false,
      });
      await verify(verifier, 'unbound');
      await verify(verifier, 'unbound');
      assert.equal(jtis.size, 2, 'one assertion per call');
    } finally {
      await jwt.close();
    }
  });

  describe('mutual TLS to the provider (tls_client_auth)', () => {
    let mtlsAs: StartedServer;
    let metadata: JsonServer;
    let presented: string[];

    beforeEach(async () => {
      presented = [];
      mtlsAs = await startHttps((req: IncomingMessage, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        presented.push(peer.raw ? new X509Certificate(peer.raw).subject : '');
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          const ok = peer.raw?.equals(pki.clientA.der) && new URLSearchParams(body).get('client_id') === 'rs';
          res.statusCode = ok ? 200 : 401;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(ok ? answer(body) : { error: 'invalid_client' }));
        });
      }, { cert: pki.server, requestCert: true } as Parameters<typeof startHttps>[1]);
      let issuer = '';
      metadata = await startJsonServer(() => ({
        status: 200,
        json: {
          issuer,
          introspection_endpoint: `${as.origin}/introspect`,
          mtls_endpoint_aliases: { introspection_endpoint: `${mtlsAs.origin}/introspect` },
        },
      }));
      issuer = metadata.origin;
    });

    afterEach(async () => {
      await mtlsAs.close();
      await metadata.close();
    });

    it('presents the client certificate to the discovered mtls_endpoint_aliases.introspection_endpoint', async () => {
      const verifier = createTokenVerifier({
        issuer: metadata.origin,
        audience: AUDIENCE,
        jwt: false,
        http: { ca: pki.root.pem },
        introspection: { clientId: 'rs', auth: { method: 'tls_client_auth', certificate: pki.clientA.pem, key: pki.clientA.keyPem } },
      });
      tokens.set('from-metadata', active({ iss: metadata.origin }));
      assert.equal((await verify(verifier, 'from-metadata')).format, 'introspection');
      assert.deepEqual(presented, [pki.clientA.x509.subject]);
      assert.equal(as.requests.length, 0, 'the plain endpoint is not used for mutual TLS');
    });

    it('uses the plain introspection_endpoint for secret-based methods', async () => {
      const verifier = createTokenVerifier({
        issuer: metadata.origin,
        audience: AUDIENCE,
        jwt: false,
        introspection: { clientId: 'rs:1', auth: { method: 'client_secret_basic', secret: 'se cret' } },
      });
      tokens.set('from-metadata', active({ iss: metadata.origin }));
      await verify(verifier, 'from-metadata');
      assert.equal(as.requests.length, 1);
      assert.deepEqual(presented, []);
    });

    it('answers 503 when the provider refuses our client certificate', async () => {
      const verifier = make({ http: { ca: pki.root.pem } }, {
        endpoint: `${mtlsAs.origin}/introspect`, clientId: 'rs', auth: { method: 'self_signed_tls_client_auth', certificate: pki.selfSigned.pem, key: pki.selfSigned.keyPem },
      });
      const { code, message, challenge } = await refusal(verifier, { authorization: 'Bearer unbound', certificate: undefined });
      assert.equal(code, 'ERR_MTLS_TOKEN_UNVERIFIABLE');
      assert.equal(message, 'the introspection endpoint answered HTTP 401');
      assert.equal(challenge.status, 503);
    });
  });

  it('refuses active:false (revoked, expired, unknown) with invalid_token, and does not cache it by default', async () => {
    const verifier = make();
    for (let i = 0; i < 2; i += 1) {
      const { code, message, challenge } = await refusal(verifier, { authorization: 'Bearer revoked', certificate: undefined });
      assert.equal(code, 'ERR_MTLS_TOKEN_INVALID');
      assert.equal(message, 'the access token is not active');
      assert.equal(challenge.status, 401);
      assert.match(challenge.headers['www-authenticate']!, /error="invalid_token"/);
    }
    assert.equal(as.requests.length, 2);
    tokens.set('revoked', active());
    assert.equal((await verify(verifier, 'revoked')).claims.sub, 'user-1', 'a token that becomes active is seen at once');

    const briefly = make({}, {
      endpoint: `${as.origin}/introspect`, clientId: 'rs:1', auth: { method: 'client_secret_basic', secret: 'se cret' }, cache: { inactiveMaxAge: 5 },
    });
    await refusal(briefly, { authorization: 'Bearer unknown', certificate: undefined });
    await refusal(briefly, { authorization: 'Bearer unknown', certificate: undefined });
    assert.equal(as.requests.length, 4, 'inactiveMaxAge caches the inactive answer');
  });

  it('caches active responses by token hash, up to maxAge, never past the token exp, within max entries', async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const verifier = make({ clockTolerance: 60 }, {
      endpoint: `${as.origin}/introspect`, clientId: 'rs:1', auth: { method: 'client_secret_basic', secret: 'se cret' }, cache: { max: 2, maxAge: 30 },
    });
    tokens.set('short', active({ exp: Math.floor(Date.now() / 1000) + 10 }));
    await verify(verifier, 'unbound');
    await verify(verifier, 'unbound');
    assert.equal(as.requests.length, 1, 'second check served from the cache');

    await verify(verifier, 'short');
    clock.tick(11_000); // past exp, inside the 60 s tolerance, inside maxAge
    tokens.set('short', { active: false });
    const { message } = await refusal(verifier, { authorization: 'Bearer short', certificate: undefined });
    assert.equal(message, 'the access token is not active', 'the cached entry ended at exp');
    assert.equal(as.requests.length, 3);

    clock.tick(20_000); // past maxAge for 'unbound'
    await verify(verifier, 'unbound');
    assert.equal(as.requests.length, 4);

    tokens.set('t2', active());
    tokens.set('t3', active());
    await verify(verifier, 't2');
    await verify(verifier, 't3'); // evicts 'unbound', the least recently used
    await verify(verifier, 'unbound');
    assert.equal(as.requests.length, 7);
  });

  it('sees a revocation at once with the cache disabled', async () => {
    const verifier = make({}, { endpoint: `${as.origin}/introspect`, clientId: 'rs:1', auth: { method: 'client_secret_basic', secret: 'se cret' }, cache: false });
    await verify(verifier, 'unbound');
    tokens.set('unbound', { active: false });
    assert.equal((await refusal(verifier, { authorization: 'Bearer unbound', certificate: undefined })).code, 'ERR_MTLS_TOKEN_INVALID');
  });

  it('shares one introspection call between concurrent checks of the same token', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const slow = await startJsonServer(async (_req, body) => {
      await gate;
      return { status: 200, json: answer(body) };
    });
    try {
      const verifier = make({}, { endpoint: `${slow.origin}/i`, clientId: 'rs', auth: { method: 'client_secret_post', secret: 's' } });
      const checks = [verify(verifier, 'unbound'), verify(verifier, 'unbound'), verify(verifier, 'unbound')];
      while (slow.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      release();
      await Promise.all(checks);
      assert.equal(slow.requests.length, 1);
    } finally {
      await slow.close();
    }
  });

  it('refuses responses without our audience, from another issuer, of another token type, or DPoP-bound with the Bearer scheme', async () => {
    const cases: [Introspected, string, string][] = [
      [active({ aud: undefined }), 'ERR_MTLS_TOKEN_INVALID', 'the access token is not intended for this resource server'],
      [active({ aud: ['https://other.example.test'] }), 'ERR_MTLS_TOKEN_INVALID', 'the access token is not intended for this resource server'],
      [active({ iss: 'https://evil.example.test' }), 'ERR_MTLS_TOKEN_INVALID', 'the access token was issued by another issuer'],
      [active({ token_type: 'N_A' }), 'ERR_MTLS_TOKEN_INVALID', 'the access token is neither a Bearer nor a DPoP token'],
      [active({ token_type: 'DPoP' }), 'ERR_MTLS_TOKEN_INVALID', 'the access token is a DPoP token without cnf.jkt'],
      // RFC 9449 section 7.2: a DPoP-bound token presented as a Bearer token.
      [active({ token_type: 'DPoP', cnf: { jkt: 'k' } }), 'ERR_MTLS_BINDING_MISMATCH', 'the access token is DPoP-bound and must be presented with the DPoP scheme'],
      [active({ cnf: { jkt: 'k' } }), 'ERR_MTLS_BINDING_MISMATCH', 'the access token is DPoP-bound and must be presented with the DPoP scheme'],
      [active({ exp: Math.floor(Date.now() / 1000) - 60 }), 'ERR_MTLS_TOKEN_INVALID', 'the access token has expired'],
      [{ active: 'true' }, 'ERR_MTLS_TOKEN_INVALID', 'the access token is not active'],
    ];
    for (const [response, expectedCode, expectedMessage] of cases) {
      tokens.set('case', response);
      const verifier = make();
      const { code, message } = await refusal(verifier, { authorization: 'Bearer case', certificate: certA });
      assert.equal(code, expectedCode, JSON.stringify(response));
      assert.equal(message, expectedMessage);
    }
  });

  it('answers 503 when introspection is unreachable, failing, not JSON, or too slow', async () => {
    const garbage = await startJsonServer(() => ({ status: 200, json: ['not', 'an', 'object'] }));
    const hanging = await wrap((await import('node:http')).createServer(() => undefined));
    const closed = await startJsonServer(() => ({ status: 200 }));
    await closed.close();
    try {
      const cases: [string, string][] = [
        [`${closed.origin}/i`, 'the introspection endpoint could not be reached'],
        [`${garbage.origin}/i`, 'the introspection response is not a JSON object'],
        [`${hanging.origin}/i`, 'the introspection endpoint could not be reached'],
      ];
      for (const [endpoint, expected] of cases) {
        const verifier = make({ http: { timeout: 0.2 } }, { endpoint, clientId: 'rs', auth: { method: 'client_secret_post', secret: 's' } });
        const { code, message, challenge } = await refusal(verifier, { authorization: 'Bearer unbound', certificate: undefined });
        assert.equal(code, 'ERR_MTLS_TOKEN_UNVERIFIABLE', endpoint);
        assert.equal(message, expected);
        assert.equal(challenge.status, 503);
        assert.equal(challenge.body?.error, 'temporarily_unavailable');
      }
      const wrongSecret = make({}, { endpoint: `${as.origin}/introspect`, clientId: 'rs:1', auth: { method: 'client_secret_basic', secret: 'wrong' } });
      const { message } = await refusal(wrongSecret, { authorization: 'Bearer unbound', certificate: undefined });
      assert.equal(message, 'the introspection endpoint answered HTTP 401');
    } finally {
      await garbage.close();
      await hanging.close();
    }
  });

  it('validates introspection options at construction', () => {
    const base = { endpoint: 'https://as.example.test/introspect', clientId: 'rs' };
    const cases: [unknown, string | RegExp][] = [
      [{ ...base, clientId: '' }, 'introspection.clientId must be a non-empty string'],
      [{ ...base, auth: { method: 'none' } }, 'introspection.auth.method must be one of client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth, self_signed_tls_client_auth'],
      [{ ...base, auth: { method: 'client_secret_basic', secret: '' } }, 'introspection.auth.secret must be a non-empty string'],
      [{ ...base, auth: { method: 'private_key_jwt', key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, alg: 'ES256' } }, 'introspection.auth.key must be a private key'],
      [{ ...base, auth: { method: 'private_key_jwt', key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, alg: 'HS256' } }, /^introspection\.auth\.alg must be one of RS256/],
      [{ ...base, auth: { method: 'tls_client_auth', certificate: 'nope', key: 'k' } }, 'introspection.auth.certificate must be a PEM certificate'],
      [{ ...base, endpoint: 'http://as.example.test/i', auth: { method: 'tls_client_auth', certificate: pki.clientA.pem, key: pki.clientA.keyPem } }, 'introspection.endpoint must be an https URL for introspection.auth.method tls_client_auth'],
      [{ ...base, auth: { method: 'client_secret_post', secret: 's' }, cache: { max: 0 } }, 'introspection.cache.max must be a positive integer'],
      [{ ...base, auth: { method: 'client_secret_post', secret: 's' }, cache: { maxAge: -1 } }, 'introspection.cache.maxAge must be a non-negative number of seconds (fractions allowed, e.g. 0.5)'],
      [{ ...base, auth: { method: 'client_secret_post', secret: 's' }, cache: { maxAge: 30, inactveMaxAge: 0 } }, 'introspection.cache.inactveMaxAge is not an option (did you mean introspection.cache.inactiveMaxAge?)'],
      [{ ...base, auth: { method: 'client_secret_basic', secret: 's', alg: 'ES256' } }, 'introspection.auth.alg is not an option (known: method, secret)'],
      [{ clientId: 'rs', auth: { method: 'client_secret_post', secret: 's' } }, 'introspection.endpoint is required when discovery is false'],
    ];
    for (const [introspection, message] of cases) {
      assert.throws(
        () => createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, discovery: false, jwt: false, introspection: introspection as never }),
        (error: unknown) => error instanceof ConfigurationError && error.code === 'ERR_MTLS_INVALID_OPTION'
          && (typeof message === 'string' ? error.message === message : message.test(error.message)),
        String(message),
      );
    }
  });
});
