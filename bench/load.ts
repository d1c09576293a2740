// The load generator process of the benchmark (forked by run.ts): keeps a fixed number of requests
// in flight against one server for a fixed time, over undici, presenting a client certificate when
// the job has one. It runs on its own core, apart from the server under test.
import { Agent, request } from 'undici';
import type { LoadJob, LoadMessage, LoadResult } from './protocol.js';
import { percentile } from './stats.js';

function agentFor(job: LoadJob): Agent {
  return new Agent({
    connections: job.concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    connect: {
      // The load generator does not verify the server: the check would only add client-side CPU
      // on the core that must keep up with the server, and everything here is loopback.
      rejectUnauthorized: false,
      servername: 'localhost',
      ...(job.cert && job.key ? { cert: job.cert, key: job.key } : {}),
      // undici keeps TLS sessions per server name; 0 turns resumption off.
      maxCachedSessions: job.mode === 'resumed' ? 100 : 0,
    },
  });
}

async function run(job: LoadJob): Promise<LoadResult> {
  const agent = agentFor(job);
  const closeEach = job.mode !== 'keep-alive';
  const start = performance.now();
  const timedFrom = start + job.warmupMs;
  const end = timedFrom + job.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let nextHeaders = 0;

  async function worker(): Promise<void> {
    while (performance.now() < end) {
      const once = job.headersPerRequest?.[nextHeaders++];
      if (job.headersPerRequest && once === undefined) {
        errors += 1;
        firstError ??= `the job ran out of its ${job.headersPerRequest.length} per-request headers`;
        return;
      }
      const sent = performance.now();
      let failure: string | undefined;
      try {
        const response = await request(job.url, {
          dispatcher: agent,
          method: job.method,
          headers: once ? { ...job.headers, ...once } : job.headers,
          ...(job.body === undefined ? {} : { body: job.body }),
          // `reset` closes the connection after the response: a new TLS handshake per request.
          reset: closeEach,
        });
        const text = await response.body.text();
        if (response.statusCode !== job.expectStatus) failure = `HTTP ${response.statusCode}: ${text.slice(0, 300)}`;
      } catch (error) {
        failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      const done = performance.now();
      if (failure !== undefined) {
        errors += 1;
        firstError ??= failure;
      } else if (done >= timedFrom && done <= end) {
        latencies.push(done - sent);
      }
    }
  }

  await Promise.all(Array.from({ length: job.concurrency }, worker));
  await agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    completed: latencies.length,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    elapsedMs: job.durationMs,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

process.on('message', (message: LoadMessage) => {
  if (message.type === 'stop') process.exit(0);
  void run(message.job).then((result) => process.send!({ type: 'done', id: message.id, result }));
});
process.send!({ type: 'ready' });
