// DPoP-bound access tokens at the verifier (RFC 9449 sections 4.3, 7.1, 7.2, 9 and 11.1): every
// refusal names the rule it checks. Proofs are signed at test time with jose; the JWK thumbprint
// and `ath` are computed in the helpers, apart from the code under test.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, type JWK } from 'jose';
import sinon from 'sinon';
import { ClientCertificate } from '../../src/certificate/certificate.js';
import {
  createTokenVerifier,
  memoryReplayStore,
  type TokenVerifier,
  type TokenVerifierOptions,
  type VerifyInput,
} from '../../src/resource-server/index.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { x5t } from '../support/thumbprint.js';
import {
  accessToken, AUDIENCE, dpopKey, dpopProof, ISSUER, jwkThumbprint, refusal, signingKey, startJsonServer, type DpopKey, type SigningKey,
} from './helpers.js';

const URL_ = 'https://api.example.test/accounts';

describe('resource-server: DPoP-bound tokens (RFC 9449)', () => {
  let pki: TestPki;
  let certA: ClientCertificate;
  let issuerKey: SigningKey;
  let client: DpopKey;
  let other: DpopKey;
  let verifier: TokenVerifier;

  const make = (options: Partial<TokenVerifierOptions> = {}) => createTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    discovery: false,
    jwt: { jwks: { keys: [issuerKey.publicJwk] } },
    ...options,
  });
  /** A DPoP-bound token and the request that presents it with a fresh, valid proof. */
  const presented = async (
    overrides: Parameters<typeof dpopProof>[2] = {},
    claims: Record<string, unknown> = { cnf: { jkt: client.jkt } },
    request: { method?: string; url?: string } = {},
  ): Promise<VerifyInput & { token: string }> => {
    const token = await accessToken(issuerKey, claims);
    const proof = await dpopProof(client, { htm: 'GET', htu: URL_, token }, overrides);
    return { token, authorization: `DPoP ${token}`, certificate: undefined, dpop: proof, method: request.method ?? 'GET', url: request.url ?? URL_ };
  };
  const refusedWith = async (input: VerifyInput, code: string, message: string, checker = verifier) => {
    const result = await refusal(checker, input);
    assert.equal(result.code, code);
    assert.equal(result.message, message);
    assert.equal(result.challenge.status, 401);
    return result.challenge;
  };

  before(async () => {
    pki = await createTestPki();
    certA = ClientCertificate.from(pki.clientA.pem);
    issuerKey = await signingKey('k1');
    [client, other] = [await dpopKey('ES256'), await dpopKey('ES256')];
  });
  beforeEach(() => {
    verifier = make();
  });
  afterEach(() => sinon.restore());

  it('accepts a DPoP-bound token with the DPoP scheme and a valid proof, and says which key it is bound to', async () => {
    const input = await presented();
    const result = await verifier.verify(input);
    assert.equal(result.scheme, 'DPoP');
    assert.equal(result.jkt, client.jkt);
    assert.equal(result.boundTo, undefined);
    assert.equal(result.dpopNonce, undefined);
    assert.deepEqual(result.scopes, ['api:read']);
  });

  it('accepts proofs signed with RSA-PSS, RSA and EdDSA keys too, one RSA key under two algorithms', async () => {
    // A plain RSA key pair, usable with both RSA signature schemes.
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicJwk = pair.publicKey.export({ format: 'jwk' }) as JWK;
    const rsa: DpopKey = { alg: 'PS256', privateKey: pair.privateKey, publicJwk, jkt: jwkThumbprint(publicJwk) };
    for (const key of [rsa, { ...rsa, alg: 'RS256' }, { ...rsa, alg: 'PS256' }, await dpopKey('EdDSA')]) {
      const { alg } = key;
      const token = await accessToken(issuerKey, { cnf: { jkt: key.jkt } });
      const proof = await dpopProof(key, { htm: 'POST', htu: URL_, token });
      const result = await verifier.verify({ authorization: `DPoP ${token}`, certificate: undefined, dpop: proof, method: 'POST', url: URL_ });
      assert.equal(result.jkt, key.jkt, alg);
    }
  });

  describe('RFC 9449 section 4.3, the proof checks', () => {
    it('check 1: refuses a request with no DPoP header, or with more than one', async () => {
      const input = await presented();
      const none = await refusedWith({ ...input, dpop: undefined }, 'ERR_MTLS_DPOP_PROOF_INVALID', 'the request carries no DPoP proof');
      assert.equal(none.headers['www-authenticate'], `DPoP error="invalid_dpop_proof", error_description="the request carries no DPoP proof", algs="${ALGS}"`);
      assert.deepEqual(none.body, { error: 'invalid_dpop_proof', error_description: 'the request carries no DPoP proof' });
      await refusedWith({ ...input, dpop: [input.dpop as string, input.dpop as string] }, 'ERR_MTLS_DPOP_PROOF_INVALID', 'the request carries more than one DPoP header');
    });

    it('check 2: refuses a value that is not one well-formed compact JWS', async () => {
      const input = await presented();
      const proof = input.dpop as string;
      for (const value of ['', 'a.b', `${proof}.x`, `${proof}, ${proof}`, proof.replace('.', '.='), `${proof.slice(0, 10)}!${proof.slice(11)}`, 'x'.repeat(9000)]) {
        const result = await refusal(verifier, { ...input, dpop: value });
        assert.equal(result.code, 'ERR_MTLS_DPOP_PROOF_INVALID', value.slice(0, 40));
        assert.equal(result.challenge.body?.error, 'invalid_dpop_proof');
      }
      const garbage = `${Buffer.from('not json').toString('base64url')}.e30.c2ln`;
      await refusedWith({ ...input, dpop: garbage }, 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof header is not a JSON object');
    });

    it('check 4: refuses a typ other than dpop+jwt (a media type: any case, application/ optional)', async () => {
      for (const typ of ['DPoP+JWT', 'application/dpop+jwt']) {
        assert.equal((await verifier.verify(await presented({ header: { typ } }))).scheme, 'DPoP', typ);
      }
      for (const typ of ['JWT', 'at+jwt', 'text/dpop+jwt', 'dpop', undefined]) {
        await refusedWith(await presented({ header: { typ } }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof is not typ dpop+jwt');
      }
    });

    it('check 5: refuses alg none, a MAC, and an asymmetric alg outside dpop.algorithms', async () => {
      const input = await presented();
      const [, payload] = (input.dpop as string).split('.');
      const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const none = `${b64({ typ: 'dpop+jwt', alg: 'none', jwk: client.publicJwk })}.${payload}.AA`;
      await refusedWith({ ...input, dpop: none }, 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof is signed with an algorithm that is not accepted');
      const hs = `${b64({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: 'c2VjcmV0' } })}.${payload}.AA`;
      await refusedWith({ ...input, dpop: hs }, 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof is signed with an algorithm that is not accepted');
      const esOnly = make({ dpop: { algorithms: ['ES256'] } });
      const rsa = await dpopKey('PS256');
      const token = await accessToken(issuerKey, { cnf: { jkt: rsa.jkt } });
      const proof = await dpopProof(rsa, { htm: 'GET', htu: URL_, token });
      const challenge = await refusedWith(
        { authorization: `DPoP ${token}`, certificate: undefined, dpop: proof, method: 'GET', url: URL_ },
        'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof is signed with an algorithm that is not accepted', esOnly,
      );
      assert.match(challenge.headers['www-authenticate']!, /, algs="ES256"$/, 'the accepted algs are advertised');
    });

    it('check 6: refuses a jwk that carries private key material, or is missing or symmetric', async () => {
      const privateJwk = { ...client.publicJwk, d: (await exportJWK(client.privateKey)).d };
      await refusedWith(await presented({ header: { jwk: privateJwk } }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof header jwk contains private key material');
      for (const jwk of [undefined, 'key', { kty: 'oct', k: 'c2VjcmV0' }, [client.publicJwk]]) {
        await refusedWith(await presented({ header: { jwk } }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof header has no public jwk');
      }
      await refusedWith(
        await presented({ header: { jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' } } }),
        'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof header jwk is malformed or does not fit its alg',
      );
      const { y: _y, ...noY } = client.publicJwk;
      await refusedWith(await presented({ header: { jwk: noY } }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof header jwk is malformed');
      for (const extra of [{ use: 'enc' }, { alg: 'ES384' }]) {
        await refusedWith(await presented({ header: { jwk: { ...client.publicJwk, ...extra } } }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof header jwk is not a signing key for its alg');
      }
      assert.equal((await verifier.verify(await presented({ header: { jwk: { ...client.publicJwk, use: 'sig', alg: 'ES256', kid: 'k' } } }))).jkt, client.jkt);
    });

    it('check 7: refuses a proof not signed by its own jwk, or tampered with', async () => {
      await refusedWith(await presented({ signWith: other }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof signature is invalid');
      const input = await presented();
      const [header, payload, signature] = (input.dpop as string).split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...claims, htm: 'DELETE' })).toString('base64url');
      await refusedWith({ ...input, dpop: `${header}.${forged}.${signature}`, method: 'DELETE' }, 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof signature is invalid');
    });

    it('check 8: refuses a proof made for another method (htm), compared exactly', async () => {
      await refusedWith(await presented({}, undefined, { method: 'POST' }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof was made for another HTTP method');
      await refusedWith(await presented({ claims: { htm: 'get' } }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof was made for another HTTP method');
    });

    it('check 9: refuses a proof made for another URI (htu), ignoring query and fragment', async () => {
      for (const htu of ['https://api.example.test/other', 'https://evil.example.test/accounts', 'http://api.example.test/accounts', 'https://api.example.test:8443/accounts', '/accounts', 42, undefined]) {
        await refusedWith(await presented({ claims: { htu } }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof was made for another URI');
      }
      const withQuery = await presented({ claims: { htu: `${URL_}?page=1#top` } }, undefined, { url: `${URL_}?page=2` });
      assert.equal((await verifier.verify(withQuery)).scheme, 'DPoP');
    });

    it('check 9: compares htu after RFC 3986 syntax- and scheme-based normalization', async () => {
      const pairs: [string, string][] = [
        ['HTTPS://API.Example.TEST:443/accounts', URL_],
        ['https://api.example.test/./b/../accounts', URL_],
        ['https://api.example.test/%7Eme/%2f', 'https://api.example.test/~me/%2F'],
        ['https://api.example.test', 'https://api.example.test/'],
        ['http://api.example.test:80/x', 'http://api.example.test/x'],
      ];
      for (const [htu, url] of pairs) {
        assert.equal((await verifier.verify(await presented({ claims: { htu } }, undefined, { url }))).scheme, 'DPoP', `${htu} ~ ${url}`);
      }
      const userinfo = await presented({ claims: { htu: 'https://user@api.example.test/accounts' } });
      await refusedWith(userinfo, 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof was made for another URI');
    });

    it('check 9 behind a proxy: htu is compared with the configured public origin, not the Host the proxy sent', async () => {
      const public_ = make({ dpop: { origin: 'https://api.example.test' } });
      const input = await presented({}, undefined, { url: 'http://10.0.0.7:8080/accounts?x=1' });
      assert.equal((await public_.verify(input)).jkt, client.jkt);
      const elsewhere = await presented({ claims: { htu: 'http://10.0.0.7:8080/accounts' } }, undefined, { url: 'http://10.0.0.7:8080/accounts' });
      await refusedWith(elsewhere, 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof was made for another URI', public_);
      const pathLikeHost = await presented({ claims: { htu: 'https://other.example/x' } }, undefined, { url: 'http://10.0.0.7//other.example/x' });
      await refusedWith(pathLikeHost, 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof was made for another URI', public_);
    });

    it('check 11: refuses a proof whose iat is outside dpop.maxAge plus clockTolerance, or missing', async () => {
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
      const input = await presented();
      clock.tick((60 + 15) * 1000 - 1000); // dpop.maxAge plus the default 15 s clockTolerance
      assert.equal((await verifier.verify(input)).scheme, 'DPoP', 'inside the window');
      const late = await presented();
      clock.tick(76_000);
      await refusedWith(late, 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof is too old');
      clock.restore();
      const now = Math.floor(Date.now() / 1000);
      await refusedWith(await presented({ claims: { iat: now + 30 } }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof was issued in the future');
      await refusedWith(await presented({ claims: { iat: undefined } }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof has no valid iat claim');
      const short = make({ dpop: { maxAge: 10 }, clockTolerance: 0 });
      await refusedWith(await presented({ claims: { iat: now - 20 } }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof is too old', short);
    });

    it('check 12: refuses a proof whose ath is not the hash of this access token, or that has none', async () => {
      const otherToken = await accessToken(issuerKey, { cnf: { jkt: client.jkt } });
      const wrong = await presented({ claims: { ath: Buffer.from(otherToken).toString('base64url').slice(0, 43) } });
      await refusedWith(wrong, 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof was made for another access token (ath)');
      await refusedWith(await presented({ claims: { ath: undefined } }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof was made for another access token (ath)');
    });

    it('check 12: answers a proof signed by another key than cnf.jkt with invalid_token (section 7.1)', async () => {
      const input = await presented({}, { cnf: { jkt: other.jkt } });
      const challenge = await refusedWith(input, 'ERR_MTLS_BINDING_MISMATCH', 'the access token is bound to another DPoP key');
      assert.equal(challenge.headers['www-authenticate'], `DPoP error="invalid_token", error_description="the access token is bound to another DPoP key", algs="${ALGS}"`);
    });

    it('refuses a proof without a usable jti', async () => {
      for (const jti of [undefined, '', 7, 'j'.repeat(1025)]) {
        await refusedWith(await presented({ claims: { jti } }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof has no valid jti claim');
      }
    });
  });

  describe('RFC 9449 section 11.1, replay', () => {
    it('refuses a proof presented a second time', async () => {
      const input = await presented();
      await verifier.verify(input);
      const challenge = await refusedWith(input, 'ERR_MTLS_DPOP_PROOF_REPLAYED', 'the DPoP proof was already used');
      assert.equal(challenge.body?.error, 'invalid_dpop_proof');
    });

    it('lets one of two concurrent uses of a proof through, never both', async () => {
      const input = await presented();
      const results = await Promise.allSettled([verifier.verify(input), verifier.verify(input), verifier.verify(input)]);
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
    });

    it('a full memory store refuses new proofs with a 503 instead of forgetting unexpired ones', async () => {
      const small = make({ dpop: { replayStore: memoryReplayStore({ max: 2 }) } });
      await small.verify(await presented());
      await small.verify(await presented());
      const full = await refusal(small, await presented());
      assert.equal(full.code, 'ERR_MTLS_TOKEN_UNVERIFIABLE');
      assert.equal(full.message, 'the DPoP replay store is full');
      assert.equal(full.challenge.status, 503);
    });

    it('a memory store forgets proofs once they are too old to be accepted anyway', async () => {
      const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
      const small = make({ dpop: { replayStore: memoryReplayStore({ max: 1 }), maxAge: 10 }, clockTolerance: 0 });
      await small.verify(await presented());
      clock.tick(11_000);
      assert.equal((await small.verify(await presented())).scheme, 'DPoP');
    });
  });

  describe('RFC 9449 section 9, server nonces', () => {
    it('asks for a nonce with use_dpop_nonce and DPoP-Nonce, then accepts a proof carrying it', async () => {
      const noncing = make({ dpop: { nonce: true } });
      const first = await refusal(noncing, await presented());
      assert.equal(first.code, 'ERR_MTLS_DPOP_NONCE_REQUIRED');
      assert.equal(first.message, 'the DPoP proof must carry the server nonce');
      assert.equal(first.challenge.status, 401);
      assert.match(first.challenge.headers['www-authenticate']!, /^DPoP error="use_dpop_nonce", error_description="the DPoP proof must carry the server nonce", algs="/);
      const nonce = first.challenge.headers['dpop-nonce']!;
      assert.match(nonce, /^[\x21\x23-\x5B\x5D-\x7E]+$/, 'NQCHAR (section 8.1)');
      const result = await noncing.verify(await presented({ claims: { nonce } }));
      assert.equal(result.dpopNonce, undefined, 'a current nonce needs no replacement');
      const wrong = await refusal(noncing, await presented({ claims: { nonce: `${nonce.slice(0, -2)}AA` } }));
      assert.equal(wrong.code, 'ERR_MTLS_DPOP_NONCE_REQUIRED');
      assert.equal(wrong.message, 'the DPoP proof carries a stale or unknown nonce');
    });

    it('accepts the previous period\'s nonce with a fresh one to send, and refuses older ones', async () => {
      const clock = sinon.useFakeTimers({ now: 1_800_000_000_000, toFake: ['Date'] });
      const noncing = make({ dpop: { nonce: { lifetime: 100 } } });
      const nonce = (await refusal(noncing, await presented())).challenge.headers['dpop-nonce']!;
      clock.tick(100_000);
      const result = await noncing.verify(await presented({ claims: { nonce } }));
      assert.ok(result.dpopNonce !== undefined && result.dpopNonce !== nonce);
      clock.tick(100_000);
      assert.equal((await refusal(noncing, await presented({ claims: { nonce } }))).code, 'ERR_MTLS_DPOP_NONCE_REQUIRED');
    });

    it('processes that share nonce.secret accept each other\'s nonces; others do not', async () => {
      const secret = 'a-shared-nonce-secret-of-32-bytes-or-more';
      const a = make({ dpop: { nonce: { secret } } });
      const b = make({ dpop: { nonce: { secret } } });
      const c = make({ dpop: { nonce: true } });
      const nonce = (await refusal(a, await presented())).challenge.headers['dpop-nonce']!;
      assert.equal((await b.verify(await presented({ claims: { nonce } }))).scheme, 'DPoP');
      assert.equal((await refusal(c, await presented({ claims: { nonce } }))).code, 'ERR_MTLS_DPOP_NONCE_REQUIRED');
    });
  });

  describe('schemes and sender constraints (RFC 9449 section 7, RFC 8705 section 3)', () => {
    it('section 7.2: refuses a DPoP-bound token with the Bearer scheme, even with a valid proof', async () => {
      const input = await presented();
      const challenge = await refusedWith({ ...input, authorization: `Bearer ${input.token}` }, 'ERR_MTLS_BINDING_MISMATCH', 'the access token is DPoP-bound and must be presented with the DPoP scheme');
      assert.match(challenge.headers['www-authenticate']!, /^DPoP error="invalid_token"/);
    });

    it('section 7.1: refuses the DPoP scheme with a token that is not DPoP-bound (bearer or certificate-bound)', async () => {
      for (const claims of [{}, { cnf: { 'x5t#S256': x5t(pki.clientA) } }]) {
        const input = await presented({}, claims);
        await refusedWith({ ...input, certificate: certA }, 'ERR_MTLS_BINDING_MISMATCH', 'the access token is not DPoP-bound, so it must use the Bearer scheme');
      }
    });

    it('RFC 8705 section 3: a certificate-bound token stays bound to its certificate whatever the scheme', async () => {
      const input = await presented({}, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
      await refusedWith(input, 'ERR_MTLS_BINDING_MISMATCH', 'the access token is bound to a certificate and none was presented');
    });

    it('a token bound both ways needs both its certificate and its proof', async () => {
      const both = { cnf: { 'x5t#S256': x5t(pki.clientA), jkt: client.jkt } };
      const ok = await presented({}, both);
      const result = await verifier.verify({ ...ok, certificate: certA });
      assert.deepEqual([result.boundTo, result.jkt], [x5t(pki.clientA), client.jkt]);
      await refusedWith(await presented({}, both), 'ERR_MTLS_BINDING_MISMATCH', 'the access token is bound to a certificate and none was presented');
      await refusedWith({ ...await presented({}, both), certificate: certA, dpop: undefined }, 'ERR_MTLS_DPOP_PROOF_INVALID', 'the request carries no DPoP proof');
    });

    it('binding.required accepts either kind of sender constraint and refuses a bearer token', async () => {
      const strict = make({ binding: { required: true } });
      assert.equal((await strict.verify(await presented())).jkt, client.jkt);
      const bearer = await accessToken(issuerKey);
      const unbound = await refusal(strict, { authorization: `Bearer ${bearer}`, certificate: undefined });
      assert.equal(unbound.code, 'ERR_MTLS_TOKEN_UNBOUND');
    });

    it('dpop: false refuses DPoP-bound tokens, and the DPoP scheme is no token at all', async () => {
      const off = make({ dpop: false });
      const input = await presented();
      const missing = await refusal(off, input);
      assert.equal(missing.code, 'ERR_MTLS_TOKEN_MISSING');
      assert.equal(missing.challenge.headers['www-authenticate'], 'Bearer');
      const asBearer = await refusal(off, { ...input, authorization: `Bearer ${input.token}` });
      assert.equal(asBearer.message, 'the access token is bound by a confirmation method this resource server does not verify');
    });

    it('answers malformed DPoP credentials with invalid_request in the DPoP scheme (RFC 6750 section 3.1, RFC 9449 section 7.1)', async () => {
      const result = await refusal(verifier, { authorization: 'DPoP a b', certificate: undefined });
      assert.equal(result.code, 'ERR_MTLS_AUTHORIZATION_MALFORMED');
      assert.equal(result.challenge.status, 400);
      assert.match(result.challenge.headers['www-authenticate']!, /^DPoP error="invalid_request", error_description="the Authorization header is not valid DPoP credentials", algs="/);
    });

    it('a verify() call without the request method and URL is a bug, not a refusal', async () => {
      const input = await presented();
      await assert.rejects(verifier.verify({ ...input, url: undefined }), TypeError);
    });

    it('scope is checked after the proof: a wrong proof learns nothing about scopes', async () => {
      const scoped = make({ scopes: ['api:write'] });
      await refusedWith(await presented({ signWith: other }), 'ERR_MTLS_DPOP_PROOF_INVALID', 'the DPoP proof signature is invalid', scoped);
      const result = await refusal(scoped, await presented());
      assert.equal(result.code, 'ERR_MTLS_INSUFFICIENT_SCOPE');
      assert.match(result.challenge.headers['www-authenticate']!, /^DPoP error="insufficient_scope", .*scope="api:write", algs="/);
    });
  });

  it('introspection: accepts a DPoP token (token_type DPoP, cnf.jkt; RFC 9449 section 6.2) only with its proof', async () => {
    let jkt = client.jkt;
    const as = await startJsonServer(() => ({
      status: 200,
      json: { active: true, iss: ISSUER, aud: AUDIENCE, scope: 'api:read', token_type: 'DPoP', cnf: { jkt } },
    }));
    try {
      const introspecting = make({
        jwt: false,
        introspection: { endpoint: `${as.origin}/introspect`, clientId: 'rs', auth: { method: 'client_secret_basic', secret: 's' }, cache: false },
      });
      const token = 'opaque-dpop-token';
      const proof = await dpopProof(client, { htm: 'GET', htu: URL_, token });
      const input = { authorization: `DPoP ${token}`, certificate: undefined, dpop: proof, method: 'GET', url: URL_ };
      const result = await introspecting.verify(input);
      assert.deepEqual([result.format, result.jkt], ['introspection', client.jkt]);
      jkt = other.jkt;
      const fresh = await dpopProof(client, { htm: 'GET', htu: URL_, token });
      await refusedWith({ ...input, dpop: fresh }, 'ERR_MTLS_BINDING_MISMATCH', 'the access token is bound to another DPoP key', introspecting);
    } finally {
      await as.close();
    }
  });
});

const ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519';
