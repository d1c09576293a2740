// `npm run bench`: every comparison side by side in one run, printed as a table of ratios with
// their targets and written to bench/results/latest.json. Flags:
//   --quick           one short round per comparison (a smoke run; figures are not meaningful)
//   --rounds=N        interleaved rounds per comparison (default 5)
//   --duration=MS     measured milliseconds per round (default 2000)
//   --concurrency=N   requests in flight (default 32)
//   --only=1,3,5      only these scenarios
//   --scale           scenario 8 at full size (100,000 clients, 1,000,000 tokens)
//   --before=REV      also measure git revision REV side by side with the working tree (scenarios
//                     1 to 5): rows "after / before" (bench/revision.ts, bench/plugin-api.ts)
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Settings } from './measure.js';
import { createBenchPki, savePki } from './pki.js';
import { startLoadGenerator } from './processes.js';
import { formatTable, type BenchContext, type Row, type ScenarioModule } from './report.js';
import { materializeRevision, type Revision } from './revision.js';

/** Every scenario module (bench/scenarios/<name>.ts), with the scenario numbers it measures. */
const SCENARIOS: readonly { name: string; scenarios: readonly string[]; load: () => Promise<ScenarioModule> }[] = [
  { name: 'token-requests', scenarios: ['1', '2', '3', '4'], load: () => import('./scenarios/token-requests.js') },
  { name: 'validation', scenarios: ['5'], load: () => import('./scenarios/validation.js') },
  { name: 'redis', scenarios: ['6'], load: () => import('./scenarios/redis.js') },
  { name: 'resource-server', scenarios: ['7'], load: () => import('./scenarios/resource-server.js') },
  { name: 'scale', scenarios: ['8'], load: () => import('./scenarios/scale.js') },
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
const beforeName = flag('before');
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
const load = await startLoadGenerator();
let before: Revision | undefined;

const rows: Row[] = [];
const failures: string[] = [];
try {
  // Extracted under `dir`, so it goes with it below.
  if (beforeName !== undefined) before = await materializeRevision(beforeName, dir, log);
  const context: BenchContext = { pki, pkiFile, settings, quick, scale, wanted, load, log, ...(before === undefined ? {} : { before }) };
  for (const scenario of SCENARIOS) {
    if (!scenario.scenarios.some(wanted)) continue;
    log(`bench/scenarios/${scenario.name}.ts`);
    try {
      rows.push(...await (await scenario.load()).run(context));
    } catch (error) {
      failures.push(`bench/scenarios/${scenario.name}.ts: ${error instanceof Error ? error.stack : String(error)}`);
      rows.push({ scenario: scenario.scenarios.join(','), label: `bench/scenarios/${scenario.name}.ts`, note: 'FAILED, see the error above the table' });
    }
  }
} finally {
  await load.stop();
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
  + 'then judged on the CPU cost ratio (marked *).\n'
  + (before === undefined ? '' : `"after / before" rows: the working tree / ${before.name} (${before.commit}), both in this run (${before.dependencies}).\n`));

const out = fileURLToPath(new URL('./results/', import.meta.url));
await mkdir(out, { recursive: true });
await writeFile(join(out, 'latest.json'), `${JSON.stringify({
  generatedAt: new Date().toISOString(),
  command: `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  settings: { ...settings, quick, scale },
  ...(before === undefined ? {} : { before: { name: before.name, commit: before.commit, dependencies: before.dependencies } }),
  seconds,
  rows,
  failures,
}, null, 2)}\n`);
process.stdout.write(`written to bench/results/latest.json\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
