// What every scenario reports, how the table is printed, and the contract of the scenario modules
// (bench/scenarios/*.ts) that run.ts runs.
import type { BenchPki } from './pki.js';
import type { LoadGenerator } from './processes.js';
import type { Settings } from './measure.js';
import type { Revision } from './revision.js';
import type { Summary } from './stats.js';

/** One printed line: a ratio against its target, or a plain figure. */
export interface Row {
  /** Scenario number of the issue, e.g. `1` or `5`. */
  scenario: string;
  label: string;
  /** Throughput ratio: median of the per-round ratios and their range. */
  ratio?: Summary;
  /** CPU cost ratio (baseline CPU per request / this one's), per round, for server-side comparisons. */
  cost?: Summary;
  /** Which ratio `met` was judged on. */
  judgedOn?: 'throughput' | 'cost';
  /** A figure with its unit, e.g. `3510 vs 3620 req/s` or `41 µs`. */
  value?: string;
  /** e.g. `>= 0.95`, or a note when the issue asks only to report the figure. */
  target?: string;
  /** Whether the target is met; undefined when there is no target. */
  met?: boolean;
  note?: string;
}

/** What a scenario module gets from the runner. */
export interface BenchContext {
  pki: BenchPki;
  /** The PKI as a JSON file, for scenarios that start processes of their own. */
  pkiFile: string;
  /** `--quick`: a smoke run, figures not meaningful. */
  quick: boolean;
  /** `--scale`: run scenario 8 at full size. */
  scale: boolean;
  /** Settings of the side-by-side rounds (rounds, duration, warm-up, concurrency). */
  settings: Settings;
  /** Whether `--only` selected scenario `scenario` (every one without `--only`). */
  wanted(scenario: string): boolean;
  /** The shared load generator process. */
  load: LoadGenerator;
  /** Progress output. */
  log(message: string): void;
  /** `--before=<rev>`: the earlier revision to measure side by side with the working tree. */
  before?: Revision;
}

/** A scenario module (bench/scenarios/<name>.ts): `export async function run(context): Promise<Row[]>`. */
export interface ScenarioModule {
  run(context: BenchContext): Promise<Row[]>;
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);

function cells(row: Row): string[] {
  const ratio = row.ratio ? `${fixed(row.ratio.median)}x` : '';
  const range = row.ratio ? `${fixed(row.ratio.min)}–${fixed(row.ratio.max)}` : '';
  const cost = row.cost ? `${fixed(row.cost.median)}x (${fixed(row.cost.min)}–${fixed(row.cost.max)})` : '';
  const star = row.judgedOn === 'cost' ? '*' : '';
  const met = row.met === undefined ? '' : row.met ? `met${star}` : `NOT MET${star}`;
  return [row.scenario, row.label, ratio, range, cost, row.target ?? '', met, row.value ?? '', row.note ?? ''];
}

/** Renders rows as an aligned plain-text table. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['#', 'comparison', 'ratio', 'min–max', 'CPU cost ratio', 'target', '', 'figures', 'notes'];
  const body = rows.map(cells);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((line) => line[column]!.length)));
  const line = (values: string[]) => values.map((value, column) => value.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}
