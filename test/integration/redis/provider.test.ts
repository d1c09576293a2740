import { strict as assert } from 'node:assert';
import type { AdapterFactory, Configuration } from 'oidc-provider';
import { createRedisAdapter } from '../../../adapters/redis/index.js';
import { forEachRedis } from '../../support/redis.js';
import { CLIENT, concurrently, issueCode, loadMemoryAdapter, post, REDIRECT_URI, startPlainProvider, testJwks, type PlainProvider } from './support.js';

const jwks = testJwks();

/** Redeems `code` 100 times at once and returns the answers. */
function redeem(issuer: string, code: string) {
  return concurrently(100, () => post(`${issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }));
}

function exactlyOneSuccess(answers: Array<{ status: number; body: Record<string, unknown> }>, detail: string) {
  const successes = answers.filter((answer) => answer.status === 200);
  assert.equal(successes.length, 1, `${successes.length} of ${answers.length} requests received tokens`);
  for (const answer of answers.filter((candidate) => candidate.status !== 200)) {
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, 'invalid_grant');
    assert.equal(answer.body.error_description, 'grant request is invalid');
  }
  assert.ok(detail);
  return successes[0]!.body;
}

function exactlyOnce(adapter: () => AdapterFactory) {
  let idp: PlainProvider;
  beforeEach(async () => {
    idp = await startPlainProvider(adapter(), jwks, { rotateRefreshToken: true } satisfies Configuration);
  });
  afterEach(() => idp.close());

  it('100 concurrent redemptions of one authorization code: exactly one receives tokens', async () => {
    const tokens = exactlyOneSuccess(await redeem(idp.issuer, await issueCode(idp.provider)), 'authorization code');
    assert.equal(typeof tokens.access_token, 'string');
    assert.equal(typeof tokens.refresh_token, 'string');
  });

  it('100 concurrent uses of one refresh token with rotation: exactly one receives a new refresh token', async () => {
    const first = await post(`${idp.issuer}/token`, { grant_type: 'authorization_code', code: await issueCode(idp.provider), redirect_uri: REDIRECT_URI });
    assert.equal(first.status, 200);
    const answers = await concurrently(100, () => post(`${idp.issuer}/token`, {
      grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token),
    }));
    const rotated = exactlyOneSuccess(answers, 'refresh token');
    assert.equal(typeof rotated.refresh_token, 'string');
    assert.notEqual(rotated.refresh_token, first.body.refresh_token);
  });
}

describe('Redis adapter under a real oidc-provider', function () {
  this.timeout(60_000);

  forEachRedis((redis) => {
    beforeEach(() => redis.flush());

    describe('exactly-once redemption at the token endpoint', () => {
      exactlyOnce(() => createRedisAdapter({ client: redis.client(), keyPrefix: 'test:provider:' }));
    });

    describe('two provider instances sharing one Redis, as behind a load balancer', () => {
      let one: PlainProvider;
      let two: PlainProvider;
      beforeEach(async () => {
        const registration = { features: { registration: { enabled: true } } };
        one = await startPlainProvider(createRedisAdapter({ client: redis.client(), keyPrefix: 'test:provider:' }), jwks, registration);
        two = await startPlainProvider(createRedisAdapter({ client: redis.client(), keyPrefix: 'test:provider:' }), jwks, registration);
      });
      afterEach(async () => {
        await one.close();
        await two.close();
      });

      it('redeems at one a code issued by the other, then introspects and revokes across them', async () => {
        const code = await issueCode(one.provider);
        const tokens = await post(`${two.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
        assert.equal(tokens.status, 200);
        const accessToken = String(tokens.body.access_token);
        const refreshToken = String(tokens.body.refresh_token);

        const active = await post(`${one.issuer}/token/introspection`, { token: accessToken });
        assert.equal(active.status, 200);
        assert.equal(active.body.active, true);
        assert.equal(active.body.client_id, CLIENT.client_id);
        assert.equal(active.body.sub, 'user-1');

        const replay = await post(`${one.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
        assert.equal(replay.status, 400);
        assert.equal(replay.body.error, 'invalid_grant');

        // The replay revoked the grant (RFC 6749 section 4.1.2), at the other instance too.
        assert.deepEqual((await post(`${two.issuer}/token/introspection`, { token: accessToken })).body, { active: false });
        const refused = await post(`${two.issuer}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken });
        assert.equal(refused.body.error, 'invalid_grant');
      });

      it('a code redeemed at both instances at once: one issuance, the replay revokes the grant at both (20 rounds)', async () => {
        const revoked: string[] = [];
        for (const instance of [one, two]) instance.provider.on('grant.revoked', (_ctx: unknown, grantId: string) => revoked.push(grantId));
        for (let round = 0; round < 20; round += 1) {
          revoked.length = 0;
          const code = await issueCode(round % 2 ? one.provider : two.provider);
          const { grantId } = (await one.provider.AuthorizationCode.find(code))!;
          const answers = await Promise.all([one, two].map((instance) => post(`${instance.issuer}/token`, {
            grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI,
          })));
          const tokens = exactlyOneSuccess(answers, 'authorization code');
          assert.deepEqual(revoked, [grantId], `round ${round}`);
          for (const instance of [one, two]) {
            assert.deepEqual((await post(`${instance.issuer}/token/introspection`, { token: String(tokens.access_token) })).body, { active: false });
          }
        }
      });

      it('revokes at one a token issued by the other', async () => {
        const tokens = await post(`${one.issuer}/token`, { grant_type: 'authorization_code', code: await issueCode(one.provider), redirect_uri: REDIRECT_URI });
        const accessToken = String(tokens.body.access_token);
        assert.equal((await post(`${two.issuer}/token/introspection`, { token: accessToken })).body.active, true);
        const revoked = await post(`${two.issuer}/token/revocation`, { token: accessToken });
        assert.equal(revoked.status, 200);
        assert.deepEqual((await post(`${one.issuer}/token/introspection`, { token: accessToken })).body, { active: false });
      });

      it('stores dynamically registered clients where every instance finds them', async () => {
        const registered = await fetch(`${one.issuer}/reg`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }),
        });
        assert.equal(registered.status, 201);
        const metadata = await registered.json() as { client_id: string; client_secret: string };
        const stored = await createRedisAdapter({ client: redis.client(), keyPrefix: 'test:provider:' }).clients(two.provider).get(metadata.client_id);
        assert.equal(stored?.client_secret, metadata.client_secret);

        const code = await issueCode(two.provider, metadata.client_id);
        const tokens = await post(`${one.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }, metadata);
        assert.equal(tokens.status, 200);
      });
    });
  });

  describe('the host\'s memory adapter, for comparison', () => {
    let createMemoryAdapter: () => AdapterFactory;
    before(async () => {
      createMemoryAdapter = await loadMemoryAdapter();
    });
    exactlyOnce(() => createMemoryAdapter());
  });
});

