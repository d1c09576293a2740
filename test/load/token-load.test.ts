// The example deployment under load, with its Redis adapter on a redis-server of the test's own:
// tls_client_auth client_credentials requests at concurrency 50 through the mTLS alias, for
// opaque access tokens that live in Redis. Every request must succeed, every token must be
// introspected afterwards by the example's resource server as active and bound to the presenting
// certificate, and the heap must not grow with the request count.
// CI runs a bounded size; LOAD_FULL=1 runs the 20,000 requests.
import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { request } from 'undici';
import { startStack, type Stack } from '../../example/stack.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startRedisServer, type RedisServer } from '../support/redis.js';
import { x5t } from '../support/thumbprint.js';
import { FULL, heapAfterGc, mtlsAgent, post, runLoad, tally } from './support.js';

const REQUESTS = FULL ? 20_000 : 3_000;
const CONCURRENCY = 50;
/** Requests before the heap baseline: connection pools, caches and JIT settle first. */
const WARMUP = Math.floor(REQUESTS / 5);
/** Heap growth allowed after warm-up, whatever the request count: a leak of even 1 KiB per request exceeds it at full size. */
const HEAP_SLACK = 12 * 1024 * 1024;

describe(`load: ${REQUESTS} mTLS token requests against the example stack with Redis`, function () {
  this.timeout(FULL ? 600_000 : 120_000);
  let redis: RedisServer;
  let pki: TestPki;
  let stack: Stack;
  let dir: string;

  before(async () => {
    redis = await startRedisServer();
    pki = await createTestPki();
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = `redis://127.0.0.1:${redis.port}`;
    try {
      stack = await startStack(pki, { issuer: 0, mtls: 0, resource: 0 }, { accessTokenFormat: 'opaque' });
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
    assert.match(stack.storage, /^Redis at 127\.0\.0\.1:/);
    dir = await mkdtemp(join(tmpdir(), 'mtls-load-'));
  });

  after(async () => {
    await stack?.close();
    await redis?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('zero errors, every token in Redis, introspected afterwards as bound, heap stable after warm-up', async () => {
    const clientA = { pem: pki.clientA.pem + pki.intermediate.pem, keyPem: pki.clientA.keyPem };
    const agent = mtlsAgent(pki.root, clientA, CONCURRENCY);
    // Tokens go to a file, not the heap, so that the heap reading sees only the server side.
    const file = join(dir, 'tokens.txt');
    const tokens = createWriteStream(file);
    const failures: string[] = [];
    const send = async (index: number) => {
      const outcome = await post({ agent, url: `${stack.mtlsOrigin}/token`, form: { grant_type: 'client_credentials', client_id: 'demo-tls' } }, index);
      if (outcome.status === 200 && typeof outcome.body.access_token === 'string') tokens.write(`${outcome.body.access_token}\n`);
      else if (failures.length < 5) failures.push(JSON.stringify(outcome));
      return { ...outcome, body: { error: outcome.body.error } };
    };

    const warm = await runLoad(WARMUP, CONCURRENCY, send);
    const baseline = heapAfterGc();
    const rest = await runLoad(REQUESTS - WARMUP, CONCURRENCY, (index) => send(WARMUP + index));
    const growth = heapAfterGc() - baseline;
    tokens.end();
    await once(tokens, 'close');
    const outcomes = [...warm, ...rest];
    assert.deepEqual(tally(outcomes), { 200: REQUESTS }, failures.join('\n'));
    assert.ok(growth < HEAP_SLACK, `heap grew by ${(growth / 1048576).toFixed(1)} MiB over ${REQUESTS - WARMUP} requests after warm-up`);

    const expected = { 'x5t#S256': x5t(pki.clientA) };
    const seen = new Set<string>();
    const lines = createInterface({ input: createReadStream(file) });
    const batch: string[] = [];
    let checked = 0;
    const verifyBatch = async () => {
      if (batch.length === 0) return;
      const accepted = await runLoad(batch.length, CONCURRENCY, async (index) => {
        const started = performance.now();
        const response = await request(stack.resourceUrl, { dispatcher: agent, headers: { authorization: `Bearer ${batch[index]}` } });
        const body = await response.body.json() as Record<string, unknown>;
        assert.deepEqual(body.cnf, expected, 'introspected as bound to the presenting certificate');
        assert.equal(body.client_id, 'demo-tls');
        return { index, status: response.statusCode, body: {}, latency: performance.now() - started };
      });
      assert.deepEqual(tally(accepted), { 200: batch.length }, 'the resource server accepts every token with its certificate');
      checked += batch.length;
      batch.length = 0;
    };
    for await (const token of lines) {
      assert.ok(!seen.has(token), 'no token issued twice');
      seen.add(token);
      batch.push(token);
      if (batch.length === 1_000) await verifyBatch();
    }
    await verifyBatch();
    assert.equal(checked, REQUESTS);
    await agent.close();
  });
});
