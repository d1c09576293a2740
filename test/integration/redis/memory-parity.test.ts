import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AdapterFactory, Configuration } from 'oidc-provider';
import { fetch as undiciFetch } from 'undici';
import { createRedisAdapter } from '../../../adapters/redis/index.js';
import { forEachRedis } from '../../support/redis.js';
import { describeMemoryReference, issueCode, post, REDIRECT_URI, startPlainProvider, testJwks, type PlainProvider } from './support.js';

/*
 * What the host does with stored `consumed` values and with its clock tolerance, asserted the same
 * way against its memory adapter and against the Redis adapter, at a real provider.
 */

const jwks = testJwks();

/** Sleeps until `offset` ms past the start of a wall-clock second, so epoch-second arithmetic is fixed. */
async function untilSecondPlus(offset: number): Promise<number> {
  const now = Date.now();
  const start = Math.ceil(now / 1000) * 1000;
  await sleep(start + offset - now);
  return start;
}

async function sleepUntil(time: number): Promise<void> {
  await sleep(Math.max(0, time - Date.now()));
}

function hostSemantics(adapter: (clockTolerance: number) => AdapterFactory) {
  describe('consumed values other than numbers', () => {
    let idp: PlainProvider;
    let revoked: string[];
    beforeEach(async () => {
      revoked = [];
      idp = await startPlainProvider(adapter(15), jwks, { rotateRefreshToken: true } satisfies Configuration);
      idp.provider.on('grant.revoked', (_ctx: unknown, grantId: string) => revoked.push(grantId));
    });
    afterEach(() => idp.close());

    const values: Array<[string, () => unknown]> = [
      ['true', () => true],
      ['a timestamp', () => Math.floor(Date.now() / 1000)],
      ['a date string', () => new Date().toISOString()],
      ['a Date', () => new Date()],
    ];
    for (const [label, value] of values) {
      it(`a refresh token saved with consumed: ${label} reads as consumed: the host takes its reuse branch`, async () => {
        const code = await issueCode(idp.provider);
        const tokens = await post(`${idp.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
        assert.equal(tokens.status, 200);
        const refreshToken = (await idp.provider.RefreshToken.find(String(tokens.body.refresh_token)))!;
        const consumed = value();
        refreshToken.consumed = consumed;
        await refreshToken.save();
        assert.deepStrictEqual((await idp.provider.RefreshToken.find(String(tokens.body.refresh_token)))?.consumed, consumed);

        const reused = await post(`${idp.issuer}/token`, { grant_type: 'refresh_token', refresh_token: String(tokens.body.refresh_token) });
        assert.equal(reused.status, 400);
        assert.equal(reused.body.error, 'invalid_grant');
        assert.deepEqual(revoked, [refreshToken.grantId]);
        assert.deepEqual((await post(`${idp.issuer}/token/introspection`, { token: String(tokens.body.access_token) })).body, { active: false });
      });
    }
  });

  describe('clock tolerance', () => {
    let idp: PlainProvider;
    beforeEach(async () => {
      idp = await startPlainProvider(adapter(1), jwks, { clockTolerance: 1, ttl: { AccessToken: 1 } } satisfies Configuration);
    });
    afterEach(() => idp.close());

    it('an access token past its exp but within clockTolerance is still found and accepted at userinfo; after it, gone', async () => {
      // Issued just after a second starts: exp is that second + 1, and the host accepts the token
      // until exp + clockTolerance, the next second after.
      const second = await untilSecondPlus(50);
      const code = await issueCode(idp.provider);
      const tokens = await post(`${idp.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
      assert.equal(tokens.status, 200);
      const accessToken = String(tokens.body.access_token);
      const userinfo = () => undiciFetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });

      await sleepUntil(second + 1400);
      assert.equal(Math.floor(Date.now() / 1000) * 1000, second + 1000, 'past exp (the test ran late)');
      const accepted = await userinfo();
      assert.equal(accepted.status, 200, 'within the tolerance');
      assert.equal((await accepted.json() as { sub: string }).sub, 'user-1');

      await sleepUntil(second + 2600);
      assert.equal(await idp.provider.AccessToken.adapter.find(accessToken), undefined, 'expired from the store');
      assert.equal((await userinfo()).status, 401);
    });
  });
}

describe('the host\'s semantics at a real provider, memory adapter and Redis adapter alike', function () {
  this.timeout(60_000);

  describeMemoryReference((memoryAdapter) => hostSemantics(memoryAdapter));

  describe('the Redis adapter', () => {
    forEachRedis((redis) => {
      beforeEach(() => redis.flush());
      hostSemantics((clockTolerance) => createRedisAdapter({ client: redis.client(), keyPrefix: 'test:parity:', clockTolerance }));
    });
  });
});
