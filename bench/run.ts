// `npm run bench`: every comparison side by side in one run, printed as a table of ratios with
// their targets and written to bench/results/latest.json. Flags:
//   --quick           one short round per comparison (a smoke run; figures are not meaningful)
//   --rounds=N        interleaved rounds per comparison (default 5)
//   --duration=MS     measured milliseconds per round (default 2000)
//   --concurrency=N   requests in flight (default 32)
//   --only=1,3,5      only these scenarios
//   --scale           scenario 8 at full size (100,000 clients, 1,000,000 tokens)
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureGroup, type GroupResult, type Settings } from './measure.js';
import { createBenchPki, savePki } from './pki.js';
import { startLoadGenerator, startServer, type ServerProcess } from './processes.js';
import { formatTable, type BenchContext, type Row, type ScenarioModule } from './report.js';
import { GROUPS } from './scenarios.js';
import { redisScenario, validationScenario } from './wiring.js';
import type { HostKind } from './hosts.js';

/** Scenario helpers other parts contribute, run when their file exists, and the scenarios they cover. */
const HELPERS: readonly { file: string; scenarios: readonly string[]; load: () => Promise<ScenarioModule> }[] = [
  { file: 'validation.ts', scenarios: ['5'], load: async () => validationScenario },
  { file: 'redis.ts', scenarios: ['6'], load: async () => redisScenario },
  { file: 'resource-server.ts', scenarios: ['7'], load: () => import('./resource-server.js') as Promise<ScenarioModule> },
  { file: 'scale.ts', scenarios: ['8'], load: () => import('./scale.js') },
];

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  const found = process.argv.find((arg) => arg === `--${name}` || arg.startsWith(prefix));
  if (found === undefined) return undefined;
  return found.startsWith(prefix) ? found.slice(prefix.length) : '';
}

function positive(name: string, fallback: number): number {
  const raw = flag(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const quick = flag('quick') !== undefined;
const scale = flag('scale') !== undefined;
const only = flag('only')?.split(',').map((item) => item.trim()).filter(Boolean);
const settings: Settings = {
  rounds: positive('rounds', quick ? 1 : 5),
  durationMs: positive('duration', quick ? 500 : 2000),
  warmupMs: quick ? 100 : 300,
  concurrency: positive('concurrency', 32),
};
const wanted = (scenario: string) => only === undefined || only.includes(scenario);
const log = (message: string) => process.stderr.write(`${message}\n`);

const started = Date.now();
const dir = await mkdtemp(join(tmpdir(), 'mtls-bench-'));
const pkiFile = join(dir, 'pki.json');
const pki = await createBenchPki();
await savePki(pki, pkiFile);

const groups = GROUPS
  .map((group) => ({ ...group, comparisons: group.comparisons.filter((comparison) => wanted(comparison.scenario)) }))
  .filter((group) => group.comparisons.length > 0)
  .map((group) => {
    const used = new Set(group.comparisons.flatMap((comparison) => [comparison.variant, comparison.baseline]));
    return { ...group, variants: group.variants.filter((variant) => used.has(variant.id)) };
  });
const kinds = [...new Set(groups.flatMap((group) => group.variants.map((variant) => variant.host)))];
const servers = new Map<HostKind, ServerProcess>();
for (const kind of kinds) servers.set(kind, await startServer(kind, pkiFile));
const load = await startLoadGenerator();

const results: GroupResult[] = [];
const rows: Row[] = [];
const failures: string[] = [];
try {
  for (const group of groups) {
    log(`measuring ${group.title} (${group.variants.length} variants x ${settings.rounds} rounds)`);
    const result = await measureGroup(group, (variant) => servers.get(variant.host)!, load, pki, settings, log);
    results.push(result);
    rows.push(...result.rows);
  }
  for (const server of servers.values()) await server.stop();

  const context: BenchContext = { pki, pkiFile, rounds: settings.rounds, durationMs: settings.durationMs, concurrency: settings.concurrency, quick, scale, load, log };
  for (const helper of HELPERS) {
    if (!helper.scenarios.some(wanted)) continue;
    const path = fileURLToPath(new URL(`./${helper.file}`, import.meta.url));
    if (!existsSync(path)) {
      rows.push({ scenario: helper.scenarios.join(','), label: `bench/${helper.file}`, note: 'not measured: the helper does not exist yet' });
      continue;
    }
    log(`measuring bench/${helper.file}`);
    try {
      rows.push(...await (await helper.load()).run(context));
    } catch (error) {
      failures.push(`bench/${helper.file}: ${error instanceof Error ? error.stack : String(error)}`);
      rows.push({ scenario: helper.scenarios.join(','), label: `bench/${helper.file}`, note: 'FAILED, see the error above the table' });
    }
  }
} finally {
  await load.stop();
  for (const server of servers.values()) await server.stop();
  await rm(dir, { recursive: true, force: true });
}

rows.sort((a, b) => a.scenario.localeCompare(b.scenario, 'en', { numeric: true }));
const seconds = Math.round((Date.now() - started) / 1000);
for (const failure of failures) log(failure);
process.stdout.write(`\n${formatTable(rows)}\n\n`);
process.stdout.write(`${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, `
  + `${settings.rounds} interleaved rounds of ${settings.durationMs} ms at concurrency ${settings.concurrency}, ${seconds} s in all.\n`
  + 'Ratios are medians of per-round throughput ratios (min–max across rounds). The CPU cost ratio is the baseline\'s server CPU time per\n'
  + 'request over the variant\'s: what the throughput ratio would be on a dedicated core. Server CPU is the share of one core the server\n'
  + 'process got; below 90% something else limited the rate (the load generator, or other work on a shared machine), and the target is\n'
  + 'then judged on the CPU cost ratio (marked *).\n');

const out = fileURLToPath(new URL('./results/', import.meta.url));
await mkdir(out, { recursive: true });
await writeFile(join(out, 'latest.json'), `${JSON.stringify({
  generatedAt: new Date().toISOString(),
  command: `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  settings: { ...settings, quick, scale },
  seconds,
  rows,
  groups: results,
  failures,
}, null, 2)}\n`);
process.stdout.write(`written to bench/results/latest.json\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
