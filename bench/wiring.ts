// Scenario 5 comes from a helper with its own result shape (bench/validation.ts), turned into table
// rows here; scenario 6 (bench/redis.ts) measures side by side and returns its rows itself.
import type { BenchContext, Row, ScenarioModule } from './report.js';

/** Scenario 5: validation costs per call, in microseconds (in process: no server involved). */
export const validationScenario: ScenarioModule = {
  async run(): Promise<Row[]> {
    const { benchValidation } = await import('./validation.js');
    const figures = await benchValidation();
    return Object.entries(figures).map(([label, micros]): Row => {
      const cached = /cached/.test(label);
      return {
        scenario: '5',
        label: label.replace(/ \(us\)$/, ''),
        value: `${micros.toFixed(1)} µs`,
        ...(cached ? { target: '< 1000 µs', met: micros < 1000 } : { target: 'report' }),
      };
    });
  },
};

/**
 * Scenario 6: the Redis adapter vs the host's memory adapter on the same provider, in interleaved
 * rounds on a token mix, on a redis-server of the benchmark's own, with Redis commands and round trips
 * per adapter call on a single server and on a Cluster (bench/redis.ts).
 */
export const redisScenario: ScenarioModule = {
  async run(context: BenchContext): Promise<Row[]> {
    return (await import('./redis.js')).run(context);
  },
};
