import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import sinon from 'sinon';
import { ClientCertificate } from '../../src/certificate/certificate.js';
import { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from '../../src/resource-server/index.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { x5t } from '../support/thumbprint.js';
import { accessToken, AUDIENCE, ISSUER, refusal, signingKey, startJsonServer, type JsonServer, type SigningKey } from './helpers.js';

describe('resource-server: JWT access tokens (RFC 9068) and certificate binding (RFC 8705 section 3)', () => {
  let pki: TestPki;
  let certA: ClientCertificate;
  let certB: ClientCertificate;
  let key1: SigningKey;
  let key2: SigningKey;
  let served: SigningKey[];
  let jwks: JsonServer;
  let verifier: TokenVerifier;

  const make = (options: Partial<TokenVerifierOptions> = {}) => createTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    discovery: false,
    jwt: { jwks: `${jwks.origin}/jwks`, cooldown: 0 },
    ...options,
  });
  const bearer = (token: string) => `Bearer ${token}`;

  before(async () => {
    pki = await createTestPki();
    certA = ClientCertificate.from(pki.clientA.pem);
    certB = ClientCertificate.from(pki.clientB.pem);
    [key1, key2] = [await signingKey('k1'), await signingKey('k2', 'RS256')];
  });

  beforeEach(async () => {
    served = [key1];
    jwks = await startJsonServer((req) => req.url === '/jwks'
      ? { status: 200, json: { keys: served.map((key) => key.publicJwk) } }
      : { status: 404 });
    verifier = make();
  });

  afterEach(async () => {
    sinon.restore();
    await jwks.close();
  });

  it('accepts a bound token with the certificate it is bound to, and hands over claims, scopes and certificate', async () => {
    const token = await accessToken(key1, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
    const result = await verifier.verify({ authorization: bearer(token), certificate: certA });
    assert.equal(result.format, 'jwt');
    assert.equal(result.boundTo, x5t(pki.clientA));
    assert.equal(result.certificate, certA);
    assert.deepEqual(result.scopes, ['api:read']);
    assert.equal(result.claims.sub, 'user-1');
    assert.equal(result.claims.client_id, 'client-a');
  });

  it('refuses a bound token presented with another certificate, without leaking token or thumbprint', async () => {
    const token = await accessToken(key1, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
    const { code, challenge } = await refusal(verifier, { authorization: bearer(token), certificate: certB });
    assert.equal(code, 'ERR_MTLS_BINDING_MISMATCH');
    assert.equal(challenge.status, 401);
    assert.equal(
      challenge.headers['www-authenticate'],
      'Bearer error="invalid_token", error_description="the access token is bound to another certificate"',
    );
    assert.deepEqual(challenge.body, { error: 'invalid_token', error_description: 'the access token is bound to another certificate' });
    const sent = JSON.stringify(challenge.headers) + JSON.stringify(challenge.body);
    for (const secret of [token, x5t(pki.clientA), x5t(pki.clientB), token.split('.')[1]!]) assert.ok(!sent.includes(secret));
  });

  it('refuses a bound token presented without a certificate', async () => {
    const token = await accessToken(key1, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
    const { code, challenge } = await refusal(verifier, { authorization: bearer(token), certificate: undefined });
    assert.equal(code, 'ERR_MTLS_BINDING_MISMATCH');
    assert.equal(challenge.status, 401);
    assert.match(challenge.headers['www-authenticate']!, /error="invalid_token", error_description="the access token is bound to a certificate and none was presented"/);
  });

  it('accepts an unbound token as a bearer token unless binding.required is set', async () => {
    const token = await accessToken(key1);
    const result = await verifier.verify({ authorization: bearer(token), certificate: undefined });
    assert.equal(result.boundTo, undefined);
    const strict = make({ binding: { required: true } });
    const { code, challenge } = await refusal(strict, { authorization: bearer(token), certificate: certA });
    assert.equal(code, 'ERR_MTLS_TOKEN_UNBOUND');
    assert.equal(challenge.status, 401);
    assert.match(challenge.headers['www-authenticate']!, /^Bearer error="invalid_token", error_description="the access token is not sender-constrained \(bound to a certificate or a DPoP key\)"$/);
    const certificatesOnly = make({ binding: { required: true }, dpop: false });
    assert.equal((await refusal(certificatesOnly, { authorization: bearer(token), certificate: certA })).message, 'the access token is not bound to a certificate');
  });

  it('RFC 9449 section 7.2: never accepts a DPoP-bound (cnf.jkt) token as a bearer token, even alongside a matching x5t#S256', async () => {
    for (const cnf of [{ jkt: 'some-jwk-thumbprint' }, { 'x5t#S256': x5t(pki.clientA), jkt: 'some-jwk-thumbprint' }]) {
      const token = await accessToken(key1, { cnf });
      const { code, challenge } = await refusal(verifier, { authorization: bearer(token), certificate: certA });
      assert.equal(code, 'ERR_MTLS_BINDING_MISMATCH', JSON.stringify(cnf));
      assert.equal(challenge.status, 401);
      assert.match(challenge.headers['www-authenticate']!, /^DPoP error="invalid_token", error_description="the access token is DPoP-bound and must be presented with the DPoP scheme", algs="/);
    }
  });

  it('refuses a token confirmed by a method it does not verify: another hash, or jkt with DPoP off', async () => {
    const cases: [Record<string, string>, TokenVerifier][] = [[{ 'x5t#S512': 'x' }, verifier], [{ jkt: 'some-jwk-thumbprint' }, make({ dpop: false })]];
    for (const [cnf, checker] of cases) {
      const token = await accessToken(key1, { cnf });
      const { code, challenge } = await refusal(checker, { authorization: bearer(token), certificate: certA });
      assert.equal(code, 'ERR_MTLS_BINDING_MISMATCH', JSON.stringify(cnf));
      assert.match(challenge.headers['www-authenticate']!, /^Bearer error="invalid_token", error_description="the access token is bound by a confirmation method this resource server does not verify"$/);
    }
  });

  it('refuses a malformed cnf claim', async () => {
    for (const cnf of ['x5t', { 'x5t#S256': 42 }, ['x5t#S256']]) {
      const token = await accessToken(key1, { cnf } as never);
      const { code, message } = await refusal(verifier, { authorization: bearer(token), certificate: certA });
      assert.equal(code, 'ERR_MTLS_TOKEN_INVALID');
      assert.equal(message, 'the access token has a malformed cnf claim');
    }
  });

  it('accepts typ application/at+jwt and refuses any other typ', async () => {
    const ok = await accessToken(key1, {}, { typ: 'application/at+jwt' });
    assert.equal((await verifier.verify({ authorization: bearer(ok), certificate: undefined })).format, 'jwt');
    for (const typ of ['JWT', 'jwt', undefined]) {
      const token = await accessToken(key1, {}, { typ });
      const { code, message, challenge } = await refusal(verifier, { authorization: bearer(token), certificate: undefined });
      assert.equal(code, 'ERR_MTLS_TOKEN_INVALID');
      assert.equal(message, 'the token is not a JWT access token (typ at+jwt)');
      assert.equal(challenge.status, 401);
    }
  });

  it('refuses the wrong audience, the wrong issuer, and a missing required claim', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ aud: 'https://other-api.example.test' }, 'the access token is not intended for this resource server'],
      [{ iss: 'https://evil.example.test' }, 'the access token was issued by another issuer'],
      [{ jti: undefined }, 'the access token lacks a valid jti claim'],
      [{ client_id: undefined }, 'the access token lacks a valid client_id claim'],
    ];
    for (const [claims, message] of cases) {
      const token = await accessToken(key1, claims);
      const result = await refusal(verifier, { authorization: bearer(token), certificate: undefined });
      assert.equal(result.code, 'ERR_MTLS_TOKEN_INVALID');
      assert.equal(result.message, message);
      assert.equal(result.challenge.status, 401);
    }
  });

  it('accepts any configured audience', async () => {
    const token = await accessToken(key1, { aud: ['https://x.example.test', 'https://second.example.test'] });
    const multi = make({ audience: ['https://first.example.test', 'https://second.example.test'] });
    assert.equal((await multi.verify({ authorization: bearer(token), certificate: undefined })).format, 'jwt');
  });

  it('refuses an expired token once exp plus clockTolerance has passed, and a token not yet valid', async () => {
    const token = await accessToken(key1);
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    clock.tick(300_000 + 14_000); // inside the default 15 s tolerance (the host's)
    assert.equal((await verifier.verify({ authorization: bearer(token), certificate: undefined })).format, 'jwt');
    clock.tick(2_000);
    const expired = await refusal(verifier, { authorization: bearer(token), certificate: undefined });
    assert.equal(expired.code, 'ERR_MTLS_TOKEN_INVALID');
    assert.equal(expired.message, 'the access token has expired');
    clock.restore();
    const early = await accessToken(key1, { nbf: Math.floor(Date.now() / 1000) + 60 });
    const notYet = await refusal(verifier, { authorization: bearer(early), certificate: undefined });
    assert.equal(notYet.message, 'the access token is not yet valid');
  });

  it('refuses alg none, and HS256 unless a secret is configured', async () => {
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: 's', client_id: 'c', iat: now, exp: now + 60, jti: 'j' };
    const unsigned = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`;
    const none = await refusal(verifier, { authorization: bearer(unsigned), certificate: undefined });
    assert.equal(none.code, 'ERR_MTLS_TOKEN_INVALID');
    assert.equal(none.message, 'the access token is signed with an algorithm that is not accepted');

    const secret = 'a-test-secret-of-at-least-thirty-two-bytes';
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).sign(new TextEncoder().encode(secret));
    const refused = await refusal(verifier, { authorization: bearer(hs), certificate: undefined });
    assert.equal(refused.message, 'the access token is signed with an algorithm that is not accepted');
    const symmetric = make({ jwt: { secret } });
    assert.equal((await symmetric.verify({ authorization: bearer(hs), certificate: undefined })).claims.sub, 's');
  });

  it('refuses a tampered token (payload changed, signature kept)', async () => {
    const token = await accessToken(key1, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, cnf: { 'x5t#S256': x5t(pki.clientB) } })).toString('base64url');
    const { code, message } = await refusal(verifier, { authorization: bearer(`${header}.${forged}.${signature}`), certificate: certB });
    assert.equal(code, 'ERR_MTLS_TOKEN_INVALID');
    assert.equal(message, 'the access token signature is invalid');
  });

  it('follows key rotation: refetches the JWKS for an unknown kid, and refuses keys no longer published', async () => {
    const before = await accessToken(key1);
    await verifier.verify({ authorization: bearer(before), certificate: undefined });
    assert.equal(jwks.requests.length, 1);
    await verifier.verify({ authorization: bearer(before), certificate: undefined });
    assert.equal(jwks.requests.length, 1, 'the JWKS is cached');

    served = [key2];
    const after = await accessToken(key2);
    assert.equal((await verifier.verify({ authorization: bearer(after), certificate: undefined })).claims.iss, ISSUER);
    assert.equal(jwks.requests.length, 2, 'an unknown kid triggers one refetch');

    const { code, message } = await refusal(verifier, { authorization: bearer(before), certificate: undefined });
    assert.equal(code, 'ERR_MTLS_TOKEN_INVALID');
    assert.equal(message, 'the access token is signed with a key the issuer does not publish');
  });

  it('answers 503, never a pass, when the JWKS endpoint is unreachable or failing', async () => {
    const token = await accessToken(key1);
    const failing = await startJsonServer(() => ({ status: 500, json: { error: 'boom' } }));
    const down = make({ jwt: { jwks: `${failing.origin}/jwks` } });
    const broken = await refusal(down, { authorization: bearer(token), certificate: undefined });
    assert.equal(broken.code, 'ERR_MTLS_TOKEN_UNVERIFIABLE');
    await failing.close();
    const unreachable = await refusal(down, { authorization: bearer(token), certificate: undefined });
    assert.equal(unreachable.code, 'ERR_MTLS_TOKEN_UNVERIFIABLE');
    assert.equal(unreachable.challenge.status, 503);
    assert.equal(unreachable.challenge.headers['www-authenticate'], undefined);
    assert.deepEqual(unreachable.challenge.body, {
      error: 'temporarily_unavailable',
      error_description: 'the issuer\'s JWKS could not be fetched',
    });
  });

  it('verifies against a local JWKS object without any fetch', async () => {
    const local = make({ jwt: { jwks: { keys: [key1.publicJwk] } } });
    const token = await accessToken(key1);
    assert.equal((await local.verify({ authorization: bearer(token), certificate: undefined })).format, 'jwt');
    assert.equal(jwks.requests.length, 0);
  });

  it('discovers jwks_uri from the issuer metadata, and refuses metadata naming another issuer', async () => {
    let issuer = '';
    const metadata = await startJsonServer((req) => req.url?.endsWith('/.well-known/openid-configuration')
      ? { status: 200, json: { issuer, jwks_uri: `${jwks.origin}/jwks` } }
      : { status: 404 });
    issuer = metadata.origin;
    try {
      const discovering = createTokenVerifier({ issuer, audience: AUDIENCE });
      const token = await accessToken(key1, { iss: issuer });
      assert.equal((await discovering.verify({ authorization: bearer(token), certificate: undefined })).claims.iss, issuer);
      assert.equal(metadata.requests.length, 1);

      const impostor = createTokenVerifier({ issuer: `${issuer}/tenant`, audience: AUDIENCE });
      const { code, message } = await refusal(impostor, { authorization: bearer(token), certificate: undefined });
      assert.equal(code, 'ERR_MTLS_TOKEN_UNVERIFIABLE');
      assert.equal(message, 'the authorization server metadata names a different issuer');
    } finally {
      await metadata.close();
    }
  });

  it('requires the configured scopes (403 insufficient_scope), after the binding check', async () => {
    const scoped = make({ scopes: ['api:read', 'api:write'], realm: 'payments' });
    const token = await accessToken(key1, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
    const { code, challenge } = await refusal(scoped, { authorization: bearer(token), certificate: certA });
    assert.equal(code, 'ERR_MTLS_INSUFFICIENT_SCOPE');
    assert.equal(challenge.status, 403);
    assert.equal(
      challenge.headers['www-authenticate'],
      'Bearer realm="payments", error="insufficient_scope", error_description="the access token lacks the scope api:write", scope="api:read api:write"',
    );
    assert.equal((await refusal(scoped, { authorization: bearer(token), certificate: certB })).code, 'ERR_MTLS_BINDING_MISMATCH');
    const both = await accessToken(key1, { scope: 'api:write api:read' });
    assert.deepEqual((await scoped.verify({ authorization: bearer(both), certificate: undefined })).scopes, ['api:write', 'api:read']);
  });

  it('refuses an opaque token when no introspection is configured', async () => {
    const { code, challenge } = await refusal(verifier, { authorization: 'Bearer opaque-token-value', certificate: undefined });
    assert.equal(code, 'ERR_MTLS_TOKEN_INVALID');
    assert.equal(challenge.status, 401);
  });
});
