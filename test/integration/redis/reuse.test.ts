import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import type { Adapter, AdapterFactory, Configuration } from 'oidc-provider';
import { createRedisAdapter } from '../../../adapters/redis/index.js';
import { forEachRedis } from '../../support/redis.js';
import { describeMemoryReference, issueCode, post, REDIRECT_URI, startPlainProvider, testJwks, type FormResponse, type PlainProvider } from './support.js';

/*
 * Reuse detection under concurrency (RFC 6749 section 4.1.2, RFC 9700 section 4.14.2), asserted the
 * same way against the host's memory adapter and against the Redis adapter: of concurrent
 * redemptions of one code or rotating refresh token exactly one gets tokens, every other one takes
 * the host's reuse branch (invalid_grant, the grant revoked, `grant.revoked` emitted), and the
 * winner's tokens stop working. Interleavings are drawn with fast-check from a fixed seed.
 *
 * Against Redis every find and consume is also delayed by a drawn few milliseconds, so that both
 * requests read before either consumes. The memory adapter gets no such delays: it is race-free
 * only because it never waits between the host's read and its consume, which is the behaviour the
 * Redis adapter has to reproduce, not a property delays could keep.
 */

const SEED = 14;
const RUNS = 12;
const jwks = testJwks();

interface Draw {
  /** Concurrent redemptions. */
  count: number;
  /** Milliseconds before each request is sent. */
  starts: number[];
  /** Milliseconds before and after each adapter call, used in turn (Redis only). */
  jitter: number[];
}

const draws = fc.record({
  count: fc.integer({ min: 2, max: 4 }),
  starts: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 4, maxLength: 4 }),
  jitter: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 16, maxLength: 16 }),
});

/** The adapter with every find and consume delayed before and after by the drawn jitter. */
function jittered(factory: AdapterFactory, jitter: () => number[]): AdapterFactory {
  let turn = 0;
  const pause = () => {
    const delays = jitter();
    turn += 1;
    return sleep(delays[turn % delays.length]!);
  };
  return (model: string): Adapter => {
    const adapter = factory(model);
    return {
      upsert: (id, payload, expiresIn) => adapter.upsert(id, payload, expiresIn),
      findByUid: (uid) => adapter.findByUid(uid),
      findByUserCode: (userCode) => adapter.findByUserCode(userCode),
      destroy: (id) => adapter.destroy(id),
      revokeByGrantId: (grantId) => adapter.revokeByGrantId(grantId),
      async find(id) {
        await pause();
        const found = await adapter.find(id);
        await pause();
        return found;
      },
      async consume(id) {
        await pause();
        await adapter.consume(id);
        await pause();
      },
    };
  };
}

function redeemAll(draw: Draw, send: () => Promise<FormResponse>): Promise<FormResponse[]> {
  return Promise.all(Array.from({ length: draw.count }, async (_, index) => {
    await sleep(draw.starts[index]!);
    return send();
  }));
}

function oneWinner(answers: FormResponse[]): Record<string, unknown> {
  const winners = answers.filter((answer) => answer.status === 200);
  assert.equal(winners.length, 1, `${winners.length} of ${answers.length} redemptions received tokens`);
  for (const answer of answers.filter((candidate) => candidate.status !== 200)) {
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'invalid_grant');
  }
  return winners[0]!.body;
}

/** Whatever the winner received no longer works. */
async function revokedEverywhere(idp: PlainProvider, tokens: Record<string, unknown>, grantId: string) {
  const introspected = await post(`${idp.issuer}/token/introspection`, { token: String(tokens.access_token) });
  assert.deepEqual(introspected.body, { active: false }, 'the winner\'s access token');
  const refreshed = await post(`${idp.issuer}/token`, { grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) });
  assert.equal(refreshed.body.error, 'invalid_grant', 'the winner\'s refresh token');
  assert.equal(await idp.provider.Grant.find(grantId), undefined, 'the Grant');
}

function reuseDetection(adapter: (jitter: () => number[]) => AdapterFactory) {
  let idp: PlainProvider;
  let draw: Draw;
  let revoked: string[];
  beforeEach(async () => {
    idp = await startPlainProvider(adapter(() => draw.jitter), jwks, { rotateRefreshToken: true } satisfies Configuration);
    idp.provider.on('grant.revoked', (_ctx: unknown, grantId: string) => revoked.push(grantId));
  });
  afterEach(() => idp.close());

  it(`an authorization code redeemed concurrently: one issuance, every replay revokes the grant (${RUNS} runs, seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(draws, async (drawn) => {
      draw = drawn;
      revoked = [];
      const code = await issueCode(idp.provider);
      const { grantId } = (await idp.provider.AuthorizationCode.find(code))!;
      const answers = await redeemAll(draw, () => post(`${idp.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }));
      const tokens = oneWinner(answers);
      // The first replay revokes the grant, and the code with it: later replays find no code.
      assert.deepEqual(revoked, [grantId]);
      await revokedEverywhere(idp, tokens, grantId!);
    }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
  });

  it(`a rotating refresh token used concurrently: one new token, the reuse revokes the grant (${RUNS} runs, seed ${SEED})`, async () => {
    await fc.assert(fc.asyncProperty(draws, async (drawn) => {
      draw = { ...drawn, jitter: [0] };
      const code = await issueCode(idp.provider);
      const { grantId } = (await idp.provider.AuthorizationCode.find(code))!;
      const first = await post(`${idp.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
      assert.equal(first.status, 200);
      draw = drawn;
      revoked = [];
      const refreshToken = String(first.body.refresh_token);
      const answers = await redeemAll(draw, () => post(`${idp.issuer}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken }));
      const tokens = oneWinner(answers);
      assert.notEqual(tokens.refresh_token, refreshToken);
      // The host deletes a reused refresh token with its grant: one reuse branch, then "not found".
      assert.deepEqual(revoked, [grantId]);
      await revokedEverywhere(idp, tokens, grantId!);
    }), { seed: SEED, numRuns: RUNS, endOnFailure: true });
  });
}

describe('reuse detection under concurrent redemption, as with the host\'s memory adapter', function () {
  this.timeout(180_000);

  describeMemoryReference((memoryAdapter) => reuseDetection(() => memoryAdapter(15)));

  describe('the Redis adapter, every find and consume delayed by a drawn few milliseconds', () => {
    forEachRedis((redis) => {
      beforeEach(() => redis.flush());
      reuseDetection((jitter) => jittered(createRedisAdapter({ client: redis.client(), keyPrefix: 'test:reuse:' }), jitter));
    });
  });
});
