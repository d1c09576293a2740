// Runs one group of variants in interleaved rounds and turns the rounds into ratios.
import type { BenchPki } from './pki.js';
import type { LoadGenerator, ServerProcess } from './processes.js';
import type { Row } from './report.js';
import { jobFor, PRESENTS_CERTIFICATE, type Group, type Variant } from './groups.js';
import { pairedRatio, summarize, type Summary } from './stats.js';

/**
 * Server CPU share from which a round counts as saturated. Below it, something else (the load
 * generator, other processes on a shared machine) limited the rate, and targets are judged on the
 * CPU cost per request instead of throughput.
 */
export const SATURATED = 0.9;

export interface Settings {
  rounds: number;
  durationMs: number;
  warmupMs: number;
  concurrency: number;
}

export interface VariantResult {
  id: string;
  label: string;
  /** Requests per second, one per round. */
  perRound: number[];
  throughput: Summary;
  p50: Summary;
  p99: Summary;
  /** Share of one core the server process used during the round (1 = saturated). */
  serverCpu: Summary;
  /** Server CPU time per request served, microseconds: what a request costs, whatever else runs on the machine. */
  cpuPerRequest: Summary;
  /** Share of TLS connections that resumed a session. */
  resumed: number;
  errors: number;
  firstError?: string;
}

export interface GroupResult {
  id: string;
  title: string;
  variants: VariantResult[];
  rows: Row[];
}

interface Round {
  rps: number;
  p50: number;
  p99: number;
  cpu: number;
  cpuPerRequest: number;
  connections: number;
  resumed: number;
  errors: number;
  firstError?: string;
  /** Tokens issued and certificate-bound, when the server counts them. */
  tokens?: number;
  boundTokens?: number;
}

async function measure(variant: Variant, server: ServerProcess, load: LoadGenerator, pki: BenchPki, settings: Settings, durationMs: number): Promise<Round> {
  const job = jobFor(variant, pki, server.port, { concurrency: settings.concurrency, warmupMs: settings.warmupMs, durationMs });
  const before = await server.stats();
  const result = await load.run(job);
  const after = await server.stats();
  return {
    rps: result.completed / (durationMs / 1000),
    p50: result.p50,
    p99: result.p99,
    cpu: (after.cpuMicros - before.cpuMicros) / 1000 / (after.at - before.at),
    cpuPerRequest: (after.cpuMicros - before.cpuMicros) / Math.max(1, after.requests - before.requests),
    connections: after.connections - before.connections,
    resumed: after.resumed - before.resumed,
    errors: result.errors,
    ...(result.firstError === undefined ? {} : { firstError: result.firstError }),
    ...(after.tokens === undefined || before.tokens === undefined ? {} : { tokens: after.tokens - before.tokens }),
    ...(after.boundTokens === undefined || before.boundTokens === undefined ? {} : { boundTokens: after.boundTokens - before.boundTokens }),
  };
}

/** A client that presents a certificate must get tokens bound to it, or the variant measures something else. */
function checkBinding(variant: Variant, round: Round): void {
  if (!PRESENTS_CERTIFICATE.has(variant.caller) || round.tokens === undefined || round.boundTokens === undefined) return;
  if (round.boundTokens < round.tokens) {
    throw new Error(`${variant.label}: ${round.tokens - round.boundTokens} of the ${round.tokens} tokens of the warm-up pass are not certificate-bound`);
  }
}

export async function measureGroup(
  group: Group,
  serverFor: (variant: Variant) => ServerProcess,
  load: LoadGenerator,
  pki: BenchPki,
  settings: Settings,
  log: (message: string) => void,
): Promise<GroupResult> {
  const server = serverFor;
  // One untimed pass first: JIT, caches and connection pools of every process are warm, and the
  // tokens issued are checked for their binding.
  for (const variant of group.variants) checkBinding(variant, await measure(variant, server(variant), load, pki, settings, Math.min(1000, settings.durationMs)));
  const rounds = new Map<string, Round[]>(group.variants.map((variant) => [variant.id, []]));
  for (let round = 0; round < settings.rounds; round += 1) {
    // Rotate the order each round, so no variant always runs right after the same neighbour.
    const order = group.variants.map((_, index) => group.variants[(index + round) % group.variants.length]!);
    for (const variant of order) rounds.get(variant.id)!.push(await measure(variant, server(variant), load, pki, settings, settings.durationMs));
    log(`  ${group.id}: round ${round + 1}/${settings.rounds} done`);
  }

  const variants = group.variants.map((variant): VariantResult => {
    const list = rounds.get(variant.id)!;
    const connections = list.reduce((sum, r) => sum + r.connections, 0);
    const firstError = list.find((r) => r.firstError !== undefined)?.firstError;
    return {
      id: variant.id,
      label: variant.label,
      perRound: list.map((r) => Math.round(r.rps)),
      throughput: summarize(list.map((r) => r.rps)),
      p50: summarize(list.map((r) => r.p50)),
      p99: summarize(list.map((r) => r.p99)),
      serverCpu: summarize(list.map((r) => r.cpu)),
      cpuPerRequest: summarize(list.map((r) => r.cpuPerRequest)),
      resumed: connections === 0 ? 0 : list.reduce((sum, r) => sum + r.resumed, 0) / connections,
      errors: list.reduce((sum, r) => sum + r.errors, 0),
      ...(firstError === undefined ? {} : { firstError }),
    };
  });
  const byId = new Map(variants.map((result) => [result.id, result]));

  const rows = group.comparisons.map((comparison): Row => {
    const subject = byId.get(comparison.variant)!;
    const baseline = byId.get(comparison.baseline)!;
    const ratio = pairedRatio(rounds.get(subject.id)!.map((r) => r.rps), rounds.get(baseline.id)!.map((r) => r.rps));
    // Cost ratio: baseline CPU per request over the variant's, the throughput ratio a dedicated core would show.
    const cost = pairedRatio(rounds.get(baseline.id)!.map((r) => r.cpuPerRequest), rounds.get(subject.id)!.map((r) => r.cpuPerRequest));
    const saturated = Math.min(subject.serverCpu.median, baseline.serverCpu.median) >= SATURATED;
    const judged = saturated ? ratio : cost;
    const notes = [
      `server CPU ${Math.round(subject.serverCpu.median * 100)}%/${Math.round(baseline.serverCpu.median * 100)}%`,
      `CPU/request ${Math.round(subject.cpuPerRequest.median)}/${Math.round(baseline.cpuPerRequest.median)} µs`,
      ...group.variants.some((variant) => variant.mode === 'resumed' && (variant.id === subject.id || variant.id === baseline.id))
        ? [`resumed ${Math.round(subject.resumed * 100)}%/${Math.round(baseline.resumed * 100)}%`]
        : [],
      ...subject.errors + baseline.errors > 0 ? [`ERRORS ${subject.errors}/${baseline.errors}: ${subject.firstError ?? baseline.firstError}`] : [],
    ];
    const target = comparison.target === undefined ? comparison.targetNote : `>= ${comparison.target}${comparison.targetNote ? ` (${comparison.targetNote})` : ''}`;
    return {
      scenario: comparison.scenario,
      label: comparison.label,
      ratio,
      cost,
      judgedOn: saturated ? 'throughput' : 'cost',
      value: `${Math.round(subject.throughput.median)} vs ${Math.round(baseline.throughput.median)} req/s`,
      ...(target === undefined ? {} : { target }),
      ...(comparison.target === undefined ? {} : { met: judged.median >= comparison.target && subject.errors === 0 }),
      note: notes.join('; '),
    };
  });
  return { id: group.id, title: group.title, variants, rows };
}
