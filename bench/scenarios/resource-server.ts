// Scenario 7: verified requests per second at a resource server using this package, over
// keep-alive TLS with a client certificate: a certificate-bound JWT against the same JWT without
// `cnf` (target: at least 0.95x, the binding check costing under 5%), a DPoP-bound JWT with a fresh
// proof per request against the same bearer JWT (target: at least 0.90x, a proof being one more
// signature verification, a thumbprint and a replay-store write), and an opaque token with a warm
// introspection cache. The resource server runs in its own process (resource-server-host.ts); the
// shared load generator drives it, DPoP proofs signed here beforehand so that their cost falls on
// neither process measured.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { importJWK, SignJWT, type JWK } from 'jose';
import { SATURATED } from '../measure.js';
import type { LoadJob } from '../protocol.js';
import type { BenchContext, Row } from '../report.js';
import type { ResourceHostMessage, ResourceHostReady, ResourceHostStats } from '../resource-server-host.js';
import { pairedRatio, summarize } from '../stats.js';

/** Requests in flight, as in the token endpoint scenarios. */
const CONCURRENCY = 32;

type VariantId = 'bound' | 'bearer' | 'dpop' | 'opaque';

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
  dpopKey: JWK;
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
  const child = fork(fileURLToPath(new URL('../resource-server-host.ts', import.meta.url)), [pkiFile], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await next<ResourceHostReady>(child, 'ready');
  const send = (message: ResourceHostMessage) => child.send(message);
  return {
    port: ready.port,
    tokens: ready.tokens,
    dpopKey: ready.dpopKey,
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

/**
 * `count` DPoP proofs (RFC 9449 section 4.2) for `GET url` with `token`, each with its own `jti`,
 * signed now so that all are fresh for the round that follows.
 */
async function dpopProofs(host: ResourceHost, url: string, count: number): Promise<Record<string, string>[]> {
  const { d: _private, ...publicJwk } = host.dpopKey;
  const key = await importJWK(host.dpopKey, 'ES256');
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk };
  const ath = createHash('sha256').update(host.tokens.dpop).digest('base64url');
  const iat = Math.floor(Date.now() / 1000);
  const proofs: Record<string, string>[] = [];
  for (let index = 0; index < count; index += 1) {
    proofs.push({ dpop: await new SignJWT({ jti: randomUUID(), htm: 'GET', htu: url, iat, ath }).setProtectedHeader(header).sign(key) });
  }
  return proofs;
}

/** The load job for one variant: same listener, same client certificate, only the token (and proof) differs. */
export function resourceJob(
  context: BenchContext,
  host: ResourceHost,
  variant: VariantId,
  durationMs: number,
  proofs?: readonly Record<string, string>[],
): LoadJob {
  return {
    url: resourceUrl(host, variant),
    method: 'GET',
    headers: { authorization: `${variant === 'dpop' ? 'DPoP' : 'Bearer'} ${host.tokens[variant]}` },
    ...(proofs ? { headersPerRequest: proofs } : {}),
    cert: context.pki.client.pem + context.pki.intermediate.pem,
    key: context.pki.client.keyPem,
    mode: 'keep-alive',
    concurrency: CONCURRENCY,
    warmupMs: context.quick ? 100 : 300,
    durationMs,
    expectStatus: 200,
  };
}

function resourceUrl(host: ResourceHost, variant: VariantId): string {
  return `https://localhost:${host.port}/${variant === 'opaque' ? 'opaque' : 'jwt'}`;
}

/** Requests per second assumed before any round has run, to size the first batch of proofs. */
const FIRST_RATE_GUESS = 6000;

async function measure(context: BenchContext, host: ResourceHost, variant: VariantId, durationMs: number, fastest: number): Promise<Round> {
  // Enough single-use proofs for the warm-up and the round at 1.5 times the fastest rate seen.
  const proofs = variant === 'dpop'
    ? await dpopProofs(host, resourceUrl(host, variant), Math.ceil((fastest * 1.5 * ((context.quick ? 100 : 300) + durationMs)) / 1000) + 500)
    : undefined;
  const before = await host.stats();
  const result = await context.load.run(resourceJob(context, host, variant, durationMs, proofs));
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
  const variants: VariantId[] = ['bound', 'bearer', 'dpop', 'opaque'];
  const rounds = new Map<VariantId, Round[]>(variants.map((variant) => [variant, []]));
  let fastest = FIRST_RATE_GUESS;
  const run = async (variant: VariantId, durationMs: number): Promise<Round> => {
    const round = await measure(context, host, variant, durationMs, fastest);
    fastest = Math.max(fastest, round.rps);
    return round;
  };
  try {
    // Untimed pass: JIT, JWKS and introspection caches, and connections are warm.
    for (const variant of variants) await run(variant, Math.min(1000, context.settings.durationMs));
    for (let round = 0; round < context.settings.rounds; round += 1) {
      const order = variants.map((_, index) => variants[(index + round) % variants.length]!);
      for (const variant of order) rounds.get(variant)!.push(await run(variant, context.settings.durationMs));
      context.log(`  resource server: round ${round + 1}/${context.settings.rounds} done`);
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
  // Server CPU microseconds per request served, per round.
  const cpuPerRequest = (variant: VariantId) => rounds.get(variant)!.map((round) => (round.cpu * 1_000_000) / round.rps);

  const introspections = rounds.get('opaque')!.reduce((sum, round) => sum + round.introspections, 0);
  return [
    compare('resource server: bound JWT vs bearer JWT, keep-alive TLS', 'bound', 0.95),
    compare('resource server: DPoP-bound JWT (a fresh proof per request) vs bearer JWT, keep-alive TLS', 'dpop', 0.9),
    {
      scenario: '7',
      label: 'resource server: opaque token, warm introspection cache, vs bearer JWT',
      ratio: pairedRatio(rps('opaque'), rps('bearer')),
      target: 'report',
      value: `${median('opaque')} req/s`,
      note: `server CPU ${cpu('opaque')}, introspection calls in timed rounds: ${introspections}${errorNote}`,
    },
  ];

  /**
   * `variant` against the bearer JWT, as the harness judges its groups: on throughput when the
   * server had a core to itself, else on the CPU cost ratio (baseline CPU per request over the
   * variant's), what the throughput ratio would be on a dedicated core.
   */
  function compare(label: string, variant: VariantId, target: number): Row {
    const ratio = pairedRatio(rps(variant), rps('bearer'));
    const cost = pairedRatio(cpuPerRequest('bearer'), cpuPerRequest(variant));
    const saturated = Math.min(summarize(rounds.get(variant)!.map((round) => round.cpu)).median, summarize(rounds.get('bearer')!.map((round) => round.cpu)).median) >= SATURATED;
    const judged = saturated ? ratio : cost;
    return {
      scenario: '7',
      label,
      ratio,
      cost,
      judgedOn: saturated ? 'throughput' : 'cost',
      target: `>= ${target}`,
      met: judged.median >= target && errors(variant) + errors('bearer') === 0,
      value: `${median(variant)} vs ${median('bearer')} req/s`,
      note: `server CPU ${cpu(variant)}/${cpu('bearer')}, CPU/request ${Math.round(summarize(cpuPerRequest(variant)).median)}/${Math.round(summarize(cpuPerRequest('bearer')).median)} µs${errorNote}`,
    };
  }
}
