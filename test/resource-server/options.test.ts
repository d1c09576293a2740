import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  AuthorizationMalformedError, ConfigurationError, DpopNonceError, DpopProofError, MtlsError, TokenMissingError,
} from '../../src/errors.js';
import { challengeFor, createTokenVerifier, isRefusal, memoryReplayStore, type TokenVerifierOptions } from '../../src/resource-server/index.js';
import { presentedToken } from '../../src/resource-server/authorization.js';
import { AUDIENCE, ISSUER } from './helpers.js';

describe('resource-server: options, Authorization parsing and challenges', () => {
  describe('createTokenVerifier options', () => {
    const base: TokenVerifierOptions = { issuer: ISSUER, audience: AUDIENCE };
    const cases: [Partial<Record<string, unknown>>, string][] = [
      [{ issuer: 'as.example.test' }, 'issuer must be an http(s) URL'],
      [{ issuer: new URL(ISSUER) }, 'issuer must be an http(s) URL string'],
      [{ audience: [] }, 'audience must be a non-empty string or a non-empty array of non-empty strings'],
      [{ audience: undefined }, 'audience must be a non-empty string or a non-empty array of non-empty strings'],
      [{ clockTolerance: -1 }, 'clockTolerance must be a non-negative number of seconds (fractions allowed, e.g. 0.5)'],
      [{ http: { timeout: 0 } }, 'http.timeout must be a positive number of seconds (fractions allowed, e.g. 0.5)'],
      // A value written in milliseconds, the unit before 0.2, is refused with the way to write it.
      [{ http: { timeout: 5000 } }, 'http.timeout must be at most 60 seconds; durations are in seconds (write 5 for 5000 ms)'],
      [{ http: { timout: 1 } }, 'http.timout is not an option (did you mean http.timeout?)'],
      [{ audiance: AUDIENCE }, 'audiance is not an option of createTokenVerifier (did you mean audience?)'],
      [{ introspektion: {} }, 'introspektion is not an option of createTokenVerifier (did you mean introspection?)'],
      [{ cache: {} }, 'cache is not an option of createTokenVerifier (known: issuer, audience, jwt, introspection, binding, dpop, scopes, clockTolerance, realm, discovery, http)'],
      [{ jwt: { cacheMaxAge: 600, coolDown: 30 } }, 'jwt.coolDown is not an option (did you mean jwt.cooldown?)'],
      [{ dpop: { nonce: { lifetme: 300 } } }, 'dpop.nonce.lifetme is not an option (did you mean dpop.nonce.lifetime?)'],
      [{ binding: { require: true } }, 'binding.require is not an option (did you mean binding.required?)'],
      [{ http: { ca: [] } }, 'http.ca must be a non-empty string or a non-empty array of non-empty strings'],
      [{ discovery: 'yes' }, 'discovery must be a boolean'],
      [{ discovery: false }, 'jwt.jwks is required when discovery is false (or set jwt to false)'],
      [{ jwt: { algorithms: ['ES256', 'none'] } }, 'jwt.algorithms must not contain "none"'],
      [{ jwt: { algorithms: [] } }, 'jwt.algorithms must be a non-empty array of JWS algorithm names'],
      [{ jwt: { algorithms: ['HS256'] } }, 'jwt.algorithms may contain HS256, HS384 or HS512 only when jwt.secret is set'],
      [{ jwt: { secret: 'short' } }, 'jwt.secret must be a string or Uint8Array of at least 32 bytes (RFC 7518 section 3.2)'],
      [{ jwt: { secret: 'x'.repeat(32), algorithms: ['RS256'] } }, 'jwt.algorithms must only contain HS256, HS384 or HS512 when jwt.secret is set'],
      [{ jwt: { secret: 'x'.repeat(32), jwks: 'https://as.example.test/jwks' } }, 'jwt.jwks and jwt.secret are mutually exclusive'],
      [{ jwt: { jwks: 'ftp://as.example.test/jwks' } }, 'jwt.jwks must be an http(s) URL'],
      [{ jwt: { jwks: { keys: [generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })] } } }, 'jwt.jwks must only contain public keys'],
      [{ jwt: { cooldown: -5 } }, 'jwt.cooldown must be a non-negative number of seconds (fractions allowed, e.g. 0.5)'],
      [{ binding: { required: 1 } }, 'binding.required must be a boolean'],
      [{ scopes: ['api read'] }, 'scopes must be an array of RFC 6749 scope tokens'],
      [{ realm: 'a "quoted" realm' }, 'realm must be a string of printable ASCII without " or \\'],
      [{ dpop: true }, 'dpop must be an object or false'],
      [{ dpop: { algorithms: ['HS256'] } }, 'dpop.algorithms must be a non-empty array of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519'],
      [{ dpop: { algorithms: ['none'] } }, 'dpop.algorithms must be a non-empty array of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519'],
      [{ dpop: { algorithms: [] } }, 'dpop.algorithms must be a non-empty array of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519'],
      [{ dpop: { maxAge: 0 } }, 'dpop.maxAge must be a positive number of seconds (fractions allowed, e.g. 0.5)'],
      [{ dpop: { origin: 'https://api.example.test/base' } }, 'dpop.origin must be an origin (scheme, host and port only)'],
      [{ dpop: { origin: 'api.example.test' } }, 'dpop.origin must be an http(s) URL'],
      [{ dpop: { replayStore: {} } }, 'dpop.replayStore must be an object with a remember(key, expiresAt) method'],
      [{ dpop: { nonce: 'yes' } }, 'dpop.nonce must be a boolean or an object'],
      [{ dpop: { nonce: { secret: 'short' } } }, 'dpop.nonce.secret must be a string or Uint8Array of at least 32 bytes'],
      [{ dpop: { nonce: { lifetime: 1.5 } } }, 'dpop.nonce.lifetime must be a positive integer number of seconds'],
    ];
    for (const [options, message] of cases) {
      // A generated key is shown as [JWK], so the title is the same every run.
      const shown = JSON.stringify(options, (_key, value: unknown) => (value !== null && typeof value === 'object' && 'kty' in value ? '[JWK]' : value));
      it(`refuses ${shown}: ${message}`, () => {
        assert.throws(
          () => createTokenVerifier({ ...base, ...options } as TokenVerifierOptions),
          (error: unknown) => error instanceof ConfigurationError && error.code === 'ERR_MTLS_INVALID_OPTION' && error.message === message,
        );
      });
    }

    it('accepts the minimal options: issuer and audience, with discovery', () => {
      assert.equal(typeof createTokenVerifier(base).verify, 'function');
    });

    it('validates the memory replay store bound', () => {
      for (const max of [0, 1.5, -1]) {
        assert.throws(() => memoryReplayStore({ max }), (error: unknown) =>
          error instanceof ConfigurationError && error.message === 'memoryReplayStore() options.max must be a positive integer');
      }
      assert.throws(() => memoryReplayStore({ maxSize: 10 } as never), { message: 'maxSize is not an option of memoryReplayStore (known: max)' });
    });
  });

  describe('Authorization header (RFC 6750 section 2.1, RFC 9449 section 7.1)', () => {
    it('extracts a b64token, with any case of the scheme and trailing padding', () => {
      assert.deepEqual(presentedToken('Bearer abc.DEF-_~+/==', true), { scheme: 'Bearer', token: 'abc.DEF-_~+/==' });
      assert.deepEqual(presentedToken('bearer   tok', false), { scheme: 'Bearer', token: 'tok' });
      assert.deepEqual(presentedToken('DPoP abc.DEF', true), { scheme: 'DPoP', token: 'abc.DEF' });
      assert.deepEqual(presentedToken('dpop  tok=', true), { scheme: 'DPoP', token: 'tok=' });
    });

    it('treats no header and other schemes as a missing token, and DPoP too when DPoP is off', () => {
      for (const value of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearerabc', 'DPoPabc']) {
        assert.throws(() => presentedToken(value, true), TokenMissingError, String(value));
      }
      assert.throws(() => presentedToken('DPoP abc', false), TokenMissingError);
    });

    it('refuses malformed Bearer and DPoP credentials', () => {
      for (const value of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer a"b', 'Bearer =abc', `Bearer ${'a'.repeat(17_000)}`, 'DPoP', 'DPoP a,b']) {
        assert.throws(() => presentedToken(value, true), AuthorizationMalformedError, value.slice(0, 20));
      }
    });
  });

  describe('challenges (RFC 6750 section 3)', () => {
    it('answers a missing token with a bare Bearer challenge and no body', () => {
      const challenge = challengeFor(new TokenMissingError(), 'api');
      assert.equal(challenge.status, 401);
      assert.equal(challenge.headers['www-authenticate'], 'Bearer realm="api"');
      assert.equal(challenge.headers['cache-control'], 'no-store');
      assert.equal(challenge.body, undefined);
      assert.equal(challengeFor(new TokenMissingError()).headers['www-authenticate'], 'Bearer');
    });

    it('answers malformed credentials with 400 invalid_request', () => {
      const challenge = challengeFor(new AuthorizationMalformedError('the Authorization header is not valid Bearer credentials'));
      assert.equal(challenge.status, 400);
      assert.equal(challenge.headers['www-authenticate'], 'Bearer error="invalid_request", error_description="the Authorization header is not valid Bearer credentials"');
    });

    it('keeps descriptions inside the quoted-string alphabet', () => {
      const challenge = challengeFor(new TokenMissingError('x'), undefined);
      assert.equal(challenge.body, undefined);
      const quoted = challengeFor(new AuthorizationMalformedError('a "b" \\ c\n'));
      assert.equal(quoted.body?.error_description, 'a ?b? ? c?');
    });

    it('RFC 9449 section 7.1: a missing token is told both schemes, with the accepted algs', () => {
      const challenge = challengeFor(new TokenMissingError(), 'api', { scheme: 'Bearer', algorithms: ['ES256', 'PS256'] });
      assert.equal(challenge.headers['www-authenticate'], 'Bearer realm="api", DPoP realm="api", algs="ES256 PS256"');
      assert.equal(challengeFor(new TokenMissingError(), undefined, { scheme: 'Bearer', algorithms: ['ES256'] }).headers['www-authenticate'], 'Bearer, DPoP algs="ES256"');
    });

    it('RFC 9449 sections 7.1 and 9: invalid_dpop_proof, and use_dpop_nonce with a DPoP-Nonce header', () => {
      const dpop = { scheme: 'DPoP', algorithms: ['ES256'] } as const;
      const invalid = challengeFor(new DpopProofError('the DPoP proof is too old'), undefined, dpop);
      assert.equal(invalid.status, 401);
      assert.equal(invalid.headers['www-authenticate'], 'DPoP error="invalid_dpop_proof", error_description="the DPoP proof is too old", algs="ES256"');
      assert.deepEqual(invalid.body, { error: 'invalid_dpop_proof', error_description: 'the DPoP proof is too old' });
      const nonce = challengeFor(new DpopNonceError('n.1', 'the DPoP proof must carry the server nonce'), undefined, dpop);
      assert.equal(nonce.status, 401);
      assert.equal(nonce.headers['dpop-nonce'], 'n.1');
      assert.match(nonce.headers['www-authenticate']!, /^DPoP error="use_dpop_nonce", /);
    });

    it('is only for refusals: other codes are not answered', () => {
      const other = new MtlsError('ERR_MTLS_STORE_UNAVAILABLE', 'down');
      assert.equal(isRefusal(other), false);
      assert.equal(isRefusal(new Error('x')), false);
      assert.throws(() => challengeFor(other), TypeError);
    });
  });
});
