// Redis stopped in the middle of a load run (a redis-server this test starts on its own port,
// appending every write to disk before acknowledging it): token requests must fail fast with
// server_error, the process must keep serving, and after the restart service resumes and every
// token issued before the stop is still valid and still bound.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createRedisAdapter } from '../../adapters/redis/index.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { RESOURCE_OPAQUE, startTestProvider, type TestProvider } from '../support/provider.js';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { x5t } from '../support/thumbprint.js';
import { mtlsAgent, post, runLoad, tally, type Outcome } from './support.js';

/** The adapter's commandTimeout, in milliseconds here; the option takes seconds. */
const COMMAND_TIMEOUT = 500;
const CONCURRENCY = 20;

describe('load: Redis stopped in the middle of a load run', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let client: Redis;
  let pki: TestPki;
  let op: TestProvider;
  const serverErrors: { code?: string }[] = [];

  before(async () => {
    redis = await startRedisServer({ durable: true });
    // As the adapter recommends: commands fail at once while disconnected; reconnect quickly.
    client = new Redis({ host: '127.0.0.1', port: redis.port, enableOfflineQueue: false, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    await client.ping().catch(async () => {
      await sleep(100);
      await client.ping();
    });
    pki = await createTestPki();
    op = await startTestProvider({
      pki,
      adapter: createRedisAdapter({ client, keyPrefix: 'outage:', commandTimeout: COMMAND_TIMEOUT / 1000, onEvent: () => undefined }) as never,
      clients: [
        { client_id: 'tls-a', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB', tls_client_certificate_bound_access_tokens: true, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
        { client_id: 'introspector', client_secret: 'introspector-secret-not-a-secret', grant_types: [], response_types: [], redirect_uris: [] },
      ] as never,
    });
    // These server errors are the point of the test: count them instead of printing each one.
    (op.provider as unknown as EventEmitter).removeAllListeners('server_error');
    (op.provider as unknown as EventEmitter).on('server_error', (_ctx: unknown, error: { code?: string }) => serverErrors.push(error));
  });

  after(async () => {
    await op?.close();
    client?.disconnect();
    await redis?.destroy();
  });

  it('fails fast with server_error while Redis is down, resumes after the restart, and every token issued before the stop stays valid and bound', async () => {
    const agent = mtlsAgent(pki.root, { pem: pki.clientA.pem + pki.intermediate.pem, keyPem: pki.clientA.keyPem }, CONCURRENCY);
    const sentAt = new Map<Outcome, number>();
    const tokenRequest = async (index: number) => {
      const started = performance.now();
      const outcome = await post({ agent, url: `${op.mtlsOrigin}/token`, form: { grant_type: 'client_credentials', client_id: 'tls-a', resource: RESOURCE_OPAQUE, scope: 'api:read' } }, index);
      sentAt.set(outcome, started);
      return outcome;
    };

    const before = await runLoad(300, CONCURRENCY, tokenRequest);
    assert.deepEqual(tally(before), { 200: 300 });

    let stop = false;
    let stoppedAt = Number.POSITIVE_INFINITY;
    const running = runLoad(Number.MAX_SAFE_INTEGER, CONCURRENCY, tokenRequest, () => stop);
    await sleep(300);
    await redis.stop();
    stoppedAt = performance.now();
    await sleep(2_000);
    stop = true;
    const during = await running;

    // Only two outcomes, and never a hang: served before the stop, or server_error after it.
    const counts = tally(during);
    assert.deepEqual(Object.keys(counts).sort(), ['200', '500 server_error'], JSON.stringify(counts));
    const afterStop = during.filter((outcome) => sentAt.get(outcome)! > stoppedAt + 50);
    assert.ok(afterStop.length >= 20, `requests kept flowing during the outage (${afterStop.length})`);
    assert.deepEqual(tally(afterStop), { '500 server_error': afterStop.length });
    const slowest = Math.max(...during.map((outcome) => outcome.latency));
    assert.ok(slowest < COMMAND_TIMEOUT + 2_000, `every request answered within the adapter's commandTimeout (slowest ${Math.round(slowest)} ms)`);
    assert.ok(serverErrors.length > 0 && serverErrors.every((error) => error.code === 'ERR_MTLS_STORE_UNAVAILABLE'), 'the cause is ERR_MTLS_STORE_UNAVAILABLE');

    await redis.start();
    // Resumed means answering again, steadily: the client may still be settling its reconnection
    // (a connection attempt begun while Redis was down can fail after the first success).
    let streak = 0;
    for (let attempt = 0; attempt < 400 && streak < 20; attempt += 1) {
      const resumed = await tokenRequest(0);
      streak = resumed.status === 200 ? streak + 1 : 0;
      if (resumed.status !== 200) await sleep(50);
    }
    assert.equal(streak, 20, 'service resumed after the restart');
    const mark = serverErrors.length;
    const afterRestart = await runLoad(300, CONCURRENCY, tokenRequest);
    assert.deepEqual(tally(afterRestart), { 200: 300 }, JSON.stringify(serverErrors.slice(mark).map((e) => [(e as Error).message, String((e as Error).cause)])));

    const issued = [...before, ...during].filter((outcome) => outcome.status === 200).map((outcome) => String(outcome.body.access_token));
    assert.ok(issued.length > 300);
    const basic = `Basic ${Buffer.from('introspector:introspector-secret-not-a-secret').toString('base64')}`;
    const introspected = await runLoad(issued.length, CONCURRENCY, (index) => post({ agent, url: `${op.issuer}/token/introspection`, form: { token: issued[index]! }, headers: { authorization: basic } }, index));
    assert.deepEqual(tally(introspected), { 200: issued.length });
    const expected = { 'x5t#S256': x5t(pki.clientA) };
    for (const outcome of introspected) {
      assert.equal(outcome.body.active, true, `token ${outcome.index} is still active`);
      assert.deepEqual(outcome.body.cnf, expected);
    }
    await agent.close();
  });
});
