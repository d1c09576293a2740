// Load for the load and fault tests: a fixed number of requests kept in flight over undici with a
// client certificate, each outcome recorded with its latency; and a heap reading after full GCs.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Agent, request } from 'undici';
import type { TestCertificate } from '../support/pki.js';

/** Requests of the CI load test; LOAD_FULL=1 runs the full size. */
export const FULL = process.env.LOAD_FULL === '1';

export interface Outcome {
  index: number;
  status: number;
  body: Record<string, unknown>;
  /** Milliseconds from send to the end of the body. */
  latency: number;
  /** A transport error (connection refused or reset, timeout) instead of a response. */
  error?: string;
}

/** A keep-alive agent that trusts the test root and presents `chain` (leaf first) with `key`. */
export function mtlsAgent(ca: TestCertificate, client?: { pem: string; keyPem: string }, connections = 50): Agent {
  return new Agent({
    connections,
    connect: { ca: ca.pem, ...(client ? { cert: client.pem, key: client.keyPem } : {}) },
  });
}

export interface PostOptions {
  agent: Agent;
  url: string;
  form: Record<string, string>;
  headers?: Record<string, string>;
}

/** One form POST; never throws: transport errors become an outcome with `error`. */
export async function post(options: PostOptions, index = 0): Promise<Outcome> {
  const started = performance.now();
  try {
    const response = await request(options.url, {
      dispatcher: options.agent,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
      body: new URLSearchParams(options.form).toString(),
    });
    const text = await response.body.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? JSON.parse(text) as Record<string, unknown> : {};
    } catch {
      body = { unparsed: text.slice(0, 200) };
    }
    return { index, status: response.statusCode, body, latency: performance.now() - started };
  } catch (error) {
    return { index, status: 0, body: {}, latency: performance.now() - started, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/**
 * Runs `count` calls of `send` with at most `concurrency` in flight, until done or until
 * `shouldStop` says so, and returns every outcome in completion order.
 */
export async function runLoad(
  count: number,
  concurrency: number,
  send: (index: number) => Promise<Outcome>,
  shouldStop: () => boolean = () => false,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < count && !shouldStop()) {
      const index = next++;
      outcomes.push(await send(index));
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return outcomes;
}

let gc: (() => void) | undefined;

/** Heap in use after two full collections (V8's gc exposed at run time for this reading). */
export function heapAfterGc(): number {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Counts of statuses (and transport errors), for assertion messages. */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const key = outcome.error ? `error ${outcome.error}` : `${outcome.status} ${String(outcome.body.error ?? '')}`.trim();
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
