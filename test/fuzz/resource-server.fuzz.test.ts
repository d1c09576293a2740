// The resource server reads attacker-controlled Authorization headers, tokens and DPoP proofs,
// and the JSON of introspection responses. Whatever arrives, the verifier answers with a verified
// token or one of its coded refusals (which become 400/401/403/503 with RFC 6750 / RFC 9449
// challenges), never a crash.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { ClientCertificate } from '../../src/certificate/certificate.js';
import type { MtlsErrorCode } from '../../src/errors.js';
import { createTokenVerifier, type TokenVerifier } from '../../src/resource-server/index.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { x5t } from '../support/thumbprint.js';
import {
  accessToken, ath, AUDIENCE, dpopKey, dpopProof, ISSUER, signingKey, startJsonServer, type DpopKey, type JsonServer, type SigningKey,
} from '../resource-server/helpers.js';
import { fragment, fuzzTimeout, mutatedString, outcomeAsync, RUNS } from './support.js';

const REFUSALS: ReadonlySet<MtlsErrorCode> = new Set([
  'ERR_MTLS_TOKEN_MISSING',
  'ERR_MTLS_AUTHORIZATION_MALFORMED',
  'ERR_MTLS_TOKEN_INVALID',
  'ERR_MTLS_BINDING_MISMATCH',
  'ERR_MTLS_TOKEN_UNBOUND',
  'ERR_MTLS_INSUFFICIENT_SCOPE',
]);
const DPOP_REFUSALS: ReadonlySet<MtlsErrorCode> = new Set([
  ...REFUSALS,
  'ERR_MTLS_DPOP_PROOF_INVALID',
  'ERR_MTLS_DPOP_PROOF_REPLAYED',
  'ERR_MTLS_DPOP_NONCE_REQUIRED',
]);
const RESOURCE = 'https://api.example.test/accounts';

/** Claim values of every JSON shape, plus the ones that are almost right. */
const claimValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(ISSUER, AUDIENCE, [AUDIENCE], [AUDIENCE, 'other'], 'api:read', 'api:read api:write', 'Bearer', 'DPoP', 0, -1, 1e308, Number.MAX_SAFE_INTEGER),
  fc.integer().map((offset) => Math.floor(Date.now() / 1000) + offset),
);
const cnf = (thumbprints: string[]) => fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(...thumbprints).map((value) => ({ 'x5t#S256': value })),
  fc.dictionary(fc.constantFrom('x5t#S256', 'jkt', 'x5t', '__proto__', 'constructor'), fc.oneof(fc.constantFrom(...thumbprints), fc.jsonValue({ maxDepth: 1 }))),
);
const CLAIMS = ['iss', 'aud', 'exp', 'nbf', 'iat', 'sub', 'client_id', 'scope', 'jti', 'token_type', 'active'] as const;

describe('fuzz: resource server tokens, Authorization headers and introspection responses', function () {
  this.timeout(fuzzTimeout(120_000));
  let pki: TestPki;
  let key: SigningKey;
  let certificates: (ClientCertificate | undefined)[];
  let thumbprints: string[];
  let verifier: TokenVerifier;

  before(async () => {
    pki = await createTestPki();
    key = await signingKey('k1');
    certificates = [ClientCertificate.from(pki.clientA.der), ClientCertificate.from(pki.clientB.der), undefined];
    thumbprints = [x5t(pki.clientA), x5t(pki.clientB), '', 'A'.repeat(43)];
    verifier = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, discovery: false, jwt: { jwks: { keys: [key.publicJwk] } }, scopes: ['api:read'] });
  });

  /** The invariant of every accepted token: a bound token only with its own certificate. */
  function checkAccepted(result: Awaited<ReturnType<TokenVerifier['verify']>>, certificate: ClientCertificate | undefined): void {
    const bound = (result.claims.cnf as Record<string, unknown> | undefined)?.['x5t#S256'];
    if (bound !== undefined) {
      assert.equal(certificate?.thumbprint, bound, 'a bound token passed only with the certificate it names');
      assert.equal(result.boundTo, bound);
    }
    assert.ok(result.scopes.includes('api:read'), 'the required scope was checked');
  }

  it(`${RUNS} random and mutated Authorization headers and JWTs give a verified token or a coded refusal`, async () => {
    const valid = await accessToken(key, { cnf: { 'x5t#S256': x5t(pki.clientA) } });
    const unbound = await accessToken(key);
    const signedParts = new Set([valid, unbound].map((token) => token.split('.').slice(0, 2).join('.')));
    const headers = [`Bearer ${valid}`, `bearer  ${valid}`, `Bearer ${unbound}`, `Bearer ${valid.split('.').slice(0, 2).join('.')}.`];
    const authorization = fc.oneof(
      { weight: 6, arbitrary: mutatedString(headers) },
      { weight: 1, arbitrary: fragment.map((text) => `Bearer ${text}`) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
    await fc.assert(fc.asyncProperty(authorization, fc.constantFrom(...certificates), async (header, certificate) => {
      const result = await outcomeAsync(REFUSALS, () => verifier.verify({ authorization: header, certificate }));
      if (!(result instanceof Error)) {
        checkAccepted(result, certificate);
        const [head, payload] = (header ?? '').replace(/^bearer +/i, '').split('.');
        assert.ok(signedParts.has(`${head}.${payload}`), 'only a signed header and payload verify');
      }
    }), { numRuns: RUNS });
  });

  it(`${RUNS} correctly signed JWTs with random claims, cnf and typ give a verified token or a coded refusal`, async () => {
    const claims = fc.record(Object.fromEntries(CLAIMS.map((name) => [name, claimValue])) as Record<(typeof CLAIMS)[number], typeof claimValue>, { requiredKeys: [] });
    const base = fc.record({ valid: fc.boolean(), extra: claims, cnf: fc.option(cnf(thumbprints), { nil: undefined }), typ: fc.constantFrom('at+jwt', 'application/at+jwt', 'JWT', 'at+JWT', '') });
    await fc.assert(fc.asyncProperty(base, fc.constantFrom(...certificates), async ({ valid, extra, cnf: confirmation, typ }, certificate) => {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        ...(valid ? { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', client_id: 'c', iat: now, exp: now + 60, jti: 'j', scope: 'api:read' } : {}),
        ...extra,
        ...(confirmation === undefined ? {} : { cnf: confirmation }),
      } as Record<string, unknown>;
      const token = await new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: key.kid, ...(typ ? { typ } : {}) }).sign(key.privateKey);
      const result = await outcomeAsync(REFUSALS, () => verifier.verify({ authorization: `Bearer ${token}`, certificate }));
      if (!(result instanceof Error)) checkAccepted(result, certificate);
    }), { numRuns: RUNS });
  });

  describe('introspection responses', () => {
    let as: JsonServer;
    let next: { status: number; body: string };
    let introspecting: TokenVerifier;

    before(async () => {
      as = await startJsonServer(() => ({ status: 200 }));
      // Raw bodies, including ones that are not JSON at all.
      as.server.removeAllListeners('request');
      as.server.on('request', (_req, res) => {
        res.statusCode = next.status;
        res.setHeader('content-type', 'application/json');
        res.end(next.body);
      });
      introspecting = createTokenVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        discovery: false,
        jwt: false,
        scopes: ['api:read'],
        introspection: { endpoint: `${as.origin}/introspect`, clientId: 'rs', auth: { method: 'client_secret_basic', secret: 'not-secret' }, cache: false },
      });
    });

    after(() => as?.close());

    it(`${RUNS} random introspection answers give a verified token or a coded refusal (503 only for a broken answer)`, async () => {
      const json = fc.record({ ...Object.fromEntries(CLAIMS.map((name) => [name, claimValue])), cnf: cnf(thumbprints) }, { requiredKeys: [] });
      const body = fc.oneof(
        { weight: 6, arbitrary: json.map((value) => JSON.stringify(value)) },
        { weight: 2, arbitrary: json.map((value) => JSON.stringify({ active: true, iss: ISSUER, aud: AUDIENCE, scope: 'api:read', ...value })) },
        { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
        { weight: 1, arbitrary: mutatedString([JSON.stringify({ active: true, iss: ISSUER, aud: AUDIENCE, scope: 'api:read', cnf: { 'x5t#S256': x5t(pki.clientA) } })]) },
      );
      const codes = new Set([...REFUSALS, 'ERR_MTLS_TOKEN_UNVERIFIABLE' as const]);
      await fc.assert(fc.asyncProperty(body, fc.constantFrom(200, 200, 200, 400, 500), fc.constantFrom(...certificates), async (text, status, certificate) => {
        next = { status, body: text };
        const result = await outcomeAsync(codes, () => introspecting.verify({ authorization: 'Bearer opaque-token', certificate }));
        if (result instanceof Error) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          const wellFormed = status === 200 && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
          if (result.code === 'ERR_MTLS_TOKEN_UNVERIFIABLE') assert.ok(!wellFormed, `503 for a well-formed answer: ${text}`);
        } else {
          assert.equal(status, 200);
          checkAccepted(result, certificate);
        }
      }), { numRuns: RUNS });
    });
  });
  describe('DPoP proofs (RFC 9449 section 4.3)', () => {
    let client: DpopKey;
    let dpopVerifier: TokenVerifier;
    let token: string;

    before(async () => {
      client = await dpopKey();
      dpopVerifier = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, discovery: false, jwt: { jwks: { keys: [key.publicJwk] } } });
      token = await accessToken(key, { cnf: { jkt: client.jkt } });
    });

    it(`${RUNS} random and mutated DPoP headers give a verified token or a coded refusal, and pass only as signed`, async () => {
      const proofs = await Promise.all(Array.from({ length: 4 }, () => dpopProof(client, { htm: 'GET', htu: RESOURCE, token })));
      const signedParts = new Set(proofs.map((proof) => proof.split('.').slice(0, 2).join('.')));
      const header = fc.oneof(
        { weight: 6, arbitrary: mutatedString(proofs) },
        { weight: 1, arbitrary: fragment },
        { weight: 1, arbitrary: fc.array(mutatedString(proofs), { maxLength: 3 }) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
      await fc.assert(fc.asyncProperty(header, async (dpop) => {
        const result = await outcomeAsync(DPOP_REFUSALS, () => dpopVerifier.verify({ authorization: `DPoP ${token}`, certificate: undefined, dpop, method: 'GET', url: RESOURCE }));
        if (!(result instanceof Error)) {
          assert.equal(result.jkt, client.jkt);
          const [head, payload] = (typeof dpop === 'string' ? dpop : dpop?.[0] ?? '').split('.');
          assert.ok(signedParts.has(`${head}.${payload}`), 'only a signed proof header and payload verify');
        }
      }), { numRuns: RUNS });
    });

    it(`${RUNS} correctly signed proofs with random headers and claims give a verified token or a coded refusal`, async () => {
      const now = Math.floor(Date.now() / 1000);
      const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('GET', 'get', RESOURCE, `${RESOURCE}?x#y`, 'HTTPS://API.example.test:443/accounts', ath(token), 'dpop+jwt', 'ES256', 0, now, now - 3600, now + 3600));
      const claims = fc.record({ jti: value, htm: value, htu: value, iat: value, ath: value, nonce: value }, { requiredKeys: [] });
      const header = fc.record({ typ: value, jwk: fc.oneof(value, fc.constant(client.publicJwk), fc.constant({ ...client.publicJwk, d: 'AA' })), crit: value, b64: value }, { requiredKeys: [] });
      const valid = { jti: fc.uuid(), htm: fc.constant('GET'), htu: fc.constant(RESOURCE), iat: fc.constant(now), ath: fc.constant(ath(token)) };
      await fc.assert(fc.asyncProperty(fc.record(valid), claims, header, fc.boolean(), async (base, extra, headerExtra, keepTyp) => {
        const proof = await dpopProof(client, { htm: 'GET', htu: RESOURCE }, {
          claims: { ...base, ...extra },
          header: { ...(keepTyp ? {} : headerExtra), ...(keepTyp ? { jwk: headerExtra.jwk ?? client.publicJwk } : {}) },
        }).catch(() => undefined);
        if (proof === undefined) return; // jose refuses to sign some headers (e.g. crit); nothing to check
        const result = await outcomeAsync(DPOP_REFUSALS, () => dpopVerifier.verify({ authorization: `DPoP ${token}`, certificate: undefined, dpop: proof, method: 'GET', url: RESOURCE }));
        if (!(result instanceof Error)) {
          const payload = JSON.parse(Buffer.from(proof.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
          assert.equal(payload['htm'], 'GET');
          assert.equal(payload['ath'], ath(token));
          assert.ok(typeof payload['iat'] === 'number' && Math.abs(payload['iat'] - now) <= 65);
          assert.equal(typeof payload['jti'], 'string');
          assert.equal(result.jkt, client.jkt);
        }
      }), { numRuns: RUNS });
    });
  });
});
