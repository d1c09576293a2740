import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { AuthorizationMalformedError, ConfigurationError, MtlsError, TokenMissingError } from '../../src/errors.js';
import { challengeFor, createTokenVerifier, isRefusal, type TokenVerifierOptions } from '../../src/resource-server/index.js';
import { bearerToken } from '../../src/resource-server/bearer.js';
import { AUDIENCE, ISSUER } from './helpers.js';

describe('resource-server: options, Authorization parsing and challenges', () => {
  describe('createTokenVerifier options', () => {
    const base: TokenVerifierOptions = { issuer: ISSUER, audience: AUDIENCE };
    const cases: [Partial<Record<keyof TokenVerifierOptions, unknown>>, string][] = [
      [{ issuer: 'as.example.test' }, 'issuer must be an http(s) URL'],
      [{ issuer: new URL(ISSUER) }, 'issuer must be an http(s) URL string'],
      [{ audience: [] }, 'audience must be a non-empty string or a non-empty array of non-empty strings'],
      [{ audience: undefined }, 'audience must be a non-empty string or a non-empty array of non-empty strings'],
      [{ clockTolerance: -1 }, 'clockTolerance must be a non-negative number of seconds'],
      [{ http: { timeout: 0 } }, 'http.timeout must be a positive number of milliseconds'],
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
      [{ jwt: { cooldown: -5 } }, 'jwt.cooldown must be a non-negative number of milliseconds'],
      [{ binding: { required: 1 } }, 'binding.required must be a boolean'],
      [{ scopes: ['api read'] }, 'scopes must be an array of RFC 6749 scope tokens'],
      [{ realm: 'a "quoted" realm' }, 'realm must be a string of printable ASCII without " or \\'],
    ];
    for (const [options, message] of cases) {
      it(`refuses ${JSON.stringify(options)}: ${message}`, () => {
        assert.throws(
          () => createTokenVerifier({ ...base, ...options } as TokenVerifierOptions),
          (error: unknown) => error instanceof ConfigurationError && error.code === 'ERR_MTLS_INVALID_OPTION' && error.message === message,
        );
      });
    }

    it('accepts the minimal options: issuer and audience, with discovery', () => {
      assert.equal(typeof createTokenVerifier(base).verify, 'function');
    });
  });

  describe('Authorization header (RFC 6750 section 2.1)', () => {
    it('extracts a b64token, with any case of the scheme and trailing padding', () => {
      assert.equal(bearerToken('Bearer abc.DEF-_~+/=='), 'abc.DEF-_~+/==');
      assert.equal(bearerToken('bearer   tok'), 'tok');
    });

    it('treats no header and other schemes as a missing token', () => {
      for (const value of [undefined, '', 'Basic dXNlcjpwYXNz', 'DPoP abc', 'Bearerabc']) {
        assert.throws(() => bearerToken(value), TokenMissingError, String(value));
      }
    });

    it('refuses malformed Bearer credentials', () => {
      for (const value of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer a"b', 'Bearer =abc', `Bearer ${'a'.repeat(17_000)}`]) {
        assert.throws(() => bearerToken(value), AuthorizationMalformedError, value.slice(0, 20));
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

    it('is only for refusals: other codes are not answered', () => {
      const other = new MtlsError('ERR_MTLS_STORE_UNAVAILABLE', 'down');
      assert.equal(isRefusal(other), false);
      assert.equal(isRefusal(new Error('x')), false);
      assert.throws(() => challengeFor(other), TypeError);
    });
  });
});
