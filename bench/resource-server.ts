// Scenario 7: verified requests per second at a resource server using this package, over
// keep-alive TLS with a client certificate: a certificate-bound JWT against the same JWT without
// `cnf` (target: at least 0.95x, the binding check costing under 5%), and an opaque token with a
// warm introspection cache. The resource server runs in its own process (resource-server-host.ts);
// the shared load generator drives it.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { LoadJob } from './protocol.js';
import type { BenchContext, Row } from './report.js';
import type { ResourceHostMessage, ResourceHostReady, ResourceHostStats } from './resource-server-host.js';
import { pairedRatio, summarize } from './stats.js';

/** Requests in flight, as in the token endpoint scenarios. */
const CONCURRENCY = 32;

type VariantId = 'bound' | 'bearer' | 'opaque';

interface Round {
  rps: number;
  cpu: number;
  errors: number;
  introspections: number;
  firstError?: string;
}

/** A running resource server process and the tokens it accepts. */
export interface ResourceHost {
  port: number;
  tokens: ResourceHostReady['tokens'];
  stats(): Promise<ResourceHostStats>;
  stop(): Promise<void>;
}

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) => reject(new Error(`resource-server-host exited with ${code}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Forks the resource server process (the tsx loader is inherited through execArgv). */
export async function startResourceHost(pkiFile: string): Promise<ResourceHost> {
  const child = fork(fileURLToPath(new URL('./resource-server-host.ts', import.meta.url)), [pkiFile], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await next<ResourceHostReady>(child, 'ready');
  const send = (message: ResourceHostMessage) => child.send(message);
  return {
    port: ready.port,
    tokens: ready.tokens,
    async stats() {
      const reply = next<ResourceHostStats>(child, 'stats');
      send({ type: 'stats' });
      return reply;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      send({ type: 'stop' });
      await exited;
    },
  };
}

/** The load job for one variant: same listener, same client certificate, only the token differs. */
export function resourceJob(context: BenchContext, host: ResourceHost, variant: VariantId, durationMs: number): LoadJob {
  return {
    url: `https://localhost:${host.port}/${variant === 'opaque' ? 'opaque' : 'jwt'}`,
    method: 'GET',
    headers: { authorization: `Bearer ${host.tokens[variant]}` },
    cert: context.pki.client.pem + context.pki.intermediate.pem,
    key: context.pki.client.keyPem,
    mode: 'keep-alive',
    concurrency: CONCURRENCY,
    warmupMs: context.quick ? 100 : 300,
    durationMs,
    expectStatus: 200,
  };
}

async function measure(context: BenchContext, host: ResourceHost, variant: VariantId, durationMs: number): Promise<Round> {
  const before = await host.stats();
  const result = await context.load.run(resourceJob(context, host, variant, durationMs));
  const after = await host.stats();
  return {
    rps: result.completed / (durationMs / 1000),
    cpu: (after.cpuMicros - before.cpuMicros) / 1000 / (after.at - before.at),
    errors: result.errors,
    introspections: after.introspections - before.introspections,
    ...(result.firstError === undefined ? {} : { firstError: result.firstError }),
  };
}

/** Runs scenario 7 and returns its rows for the bench table. */
export async function run(context: BenchContext): Promise<Row[]> {
  const host = await startResourceHost(context.pkiFile);
  const variants: VariantId[] = ['bound', 'bearer', 'opaque'];
  const rounds = new Map<VariantId, Round[]>(variants.map((variant) => [variant, []]));
  try {
    // Untimed pass: JIT, JWKS and introspection caches, and connections are warm.
    for (const variant of variants) await measure(context, host, variant, Math.min(1000, context.durationMs));
    for (let round = 0; round < context.rounds; round += 1) {
      const order = variants.map((_, index) => variants[(index + round) % variants.length]!);
      for (const variant of order) rounds.get(variant)!.push(await measure(context, host, variant, context.durationMs));
      context.log(`  resource server: round ${round + 1}/${context.rounds} done`);
    }
  } finally {
    await host.stop();
  }

  const rps = (variant: VariantId) => rounds.get(variant)!.map((round) => round.rps);
  const median = (variant: VariantId) => Math.round(summarize(rps(variant)).median);
  const cpu = (variant: VariantId) => `${Math.round(summarize(rounds.get(variant)!.map((round) => round.cpu)).median * 100)}%`;
  const errors = (variant: VariantId) => rounds.get(variant)!.reduce((sum, round) => sum + round.errors, 0);
  const firstError = variants.flatMap((variant) => rounds.get(variant)!.map((round) => round.firstError)).find(Boolean);
  const errorNote = variants.some((variant) => errors(variant) > 0) ? `, errors: ${firstError}` : '';

  const binding = pairedRatio(rps('bound'), rps('bearer'));
  const introspections = rounds.get('opaque')!.reduce((sum, round) => sum + round.introspections, 0);
  return [
    {
      scenario: '7',
      label: 'resource server: bound JWT vs bearer JWT, keep-alive TLS',
      ratio: binding,
      target: '>= 0.95',
      met: binding.median >= 0.95 && errors('bound') + errors('bearer') === 0,
      value: `${median('bound')} vs ${median('bearer')} req/s`,
      note: `server CPU ${cpu('bound')}/${cpu('bearer')}${errorNote}`,
    },
    {
      scenario: '7',
      label: 'resource server: opaque token, warm introspection cache, vs bearer JWT',
      ratio: pairedRatio(rps('opaque'), rps('bearer')),
      target: 'report',
      value: `${median('opaque')} req/s`,
      note: `server CPU ${cpu('opaque')}, introspection calls in timed rounds: ${introspections}${errorNote}`,
    },
  ];
}
