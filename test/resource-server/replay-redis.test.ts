// The Redis replay store (RFC 9449 section 11.1) against the real shared Redis: two verifiers stand
// for two resource-server processes sharing one store.
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ConfigurationError } from '../../src/errors.js';
import { createTokenVerifier, redisReplayStore, type TokenVerifier, type VerifyInput } from '../../src/resource-server/index.js';
import { flushShared, RUN_PREFIX, sharedRedis } from '../support/redis.js';
import { accessToken, AUDIENCE, dpopKey, dpopProof, ISSUER, refusal, signingKey, type DpopKey, type SigningKey } from './helpers.js';

const URL_ = 'https://api.example.test/accounts';

describe('resource-server: Redis replay store for DPoP proofs (RFC 9449 section 11.1)', () => {
  let redis: Redis;
  let issuerKey: SigningKey;
  let client: DpopKey;
  let first: TokenVerifier;
  let second: TokenVerifier;

  const make = (store: ReturnType<typeof redisReplayStore>) => createTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    discovery: false,
    jwt: { jwks: { keys: [issuerKey.publicJwk] } },
    dpop: { replayStore: store, maxAge: 30 },
  });
  const presented = async (): Promise<VerifyInput> => {
    const token = await accessToken(issuerKey, { cnf: { jkt: client.jkt } });
    const proof = await dpopProof(client, { htm: 'GET', htu: URL_, token });
    return { authorization: `DPoP ${token}`, certificate: undefined, dpop: proof, method: 'GET', url: URL_ };
  };

  before(async () => {
    redis = sharedRedis({ keyPrefix: 'replay:' });
    issuerKey = await signingKey('k1');
    client = await dpopKey();
    first = make(redisReplayStore(redis));
    second = make(redisReplayStore(redis));
  });
  afterEach(() => flushShared());
  after(() => redis.quit());

  it('a proof accepted by one process is refused as a replay by another', async () => {
    const input = await presented();
    assert.equal((await first.verify(input)).jkt, client.jkt);
    const replay = await refusal(second, input);
    assert.equal(replay.code, 'ERR_MTLS_DPOP_PROOF_REPLAYED');
    assert.equal(replay.challenge.body?.error, 'invalid_dpop_proof');
  });

  it('of concurrent uses of one proof across processes, exactly one passes', async () => {
    const input = await presented();
    const results = await Promise.allSettled([first, second, first, second].map((verifier) => verifier.verify(input)));
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
  });

  it('keeps one key per proof, under the client\'s keyPrefix and the store prefix, expiring with the window', async () => {
    await first.verify(await presented());
    const raw = new Redis({ host: '127.0.0.1', port: 6379, db: 9 });
    try {
      const keys = await raw.keys(`${RUN_PREFIX}replay:dpop-jti:*`);
      assert.equal(keys.length, 1);
      const ttl = await raw.pttl(keys[0]!);
      // dpop.maxAge plus the default 15 s clockTolerance
      assert.ok(ttl > 0 && ttl <= (30 + 15) * 1000, `PTTL ${ttl}`);
    } finally {
      raw.disconnect();
    }
  });

  it('answers 503, never a pass, when Redis does not answer', async () => {
    const down = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    try {
      const result = await refusal(make(redisReplayStore(down)), await presented());
      assert.equal(result.code, 'ERR_MTLS_TOKEN_UNVERIFIABLE');
      assert.equal(result.message, 'the DPoP replay store did not answer');
      assert.equal(result.challenge.status, 503);
    } finally {
      down.disconnect();
    }
  });

  it('validates its arguments', () => {
    assert.throws(() => redisReplayStore({} as Redis), ConfigurationError);
    assert.throws(() => redisReplayStore(redis, { prefix: 7 as never }), ConfigurationError);
    assert.throws(() => redisReplayStore(redis, { prefx: 'p:' } as never), { message: 'prefx is not an option of redisReplayStore (did you mean prefix?)' });
  });
});
