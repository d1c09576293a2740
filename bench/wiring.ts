// Scenarios 5 and 6 come from helpers with their own result shapes (bench/validation.ts,
// bench/redis.ts); these adapters run them and turn their figures into table rows.
import type { BenchContext, Row, ScenarioModule } from './report.js';
import { startRedisServer } from '../test/support/redis.js';

const once = (value: number) => ({ median: value, min: value, max: value });

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
 * Scenario 6: authorization_code redemptions per second, Redis adapter vs the host's memory
 * adapter on the same provider, on a redis-server of the benchmark's own (so no test run can
 * flush it mid-measurement), with Redis commands and round trips per token request.
 */
export const redisScenario: ScenarioModule = {
  async run(context: BenchContext): Promise<Row[]> {
    const [{ Redis }, { benchRedisAdapter }] = await Promise.all([import('ioredis'), import('./redis.js')]);
    const server = await startRedisServer();
    const client = new Redis({ host: '127.0.0.1', port: server.port });
    try {
      const requests = context.quick ? 400 : 4_000;
      const result = await benchRedisAdapter({ client, requests, concurrency: context.concurrency });
      const rows: Row[] = [{
        scenario: '6',
        label: 'authorization_code redemptions: Redis adapter / memory adapter',
        ratio: once(result.ratio),
        value: `${Math.round(result.redisPerSecond)} vs ${Math.round(result.memoryPerSecond)} req/s`,
        target: '>= 0.9 (community adapter ~0.85)',
        met: result.ratio >= 0.9,
        note: `one run each of ${requests} requests (not interleaved); per token request: ${result.adapterCallsPerRequest.toFixed(2)} adapter calls, `
          + `${result.commandsPerRequest.toFixed(2)} Redis commands, ${result.roundTripsPerRequest.toFixed(2)} round trips`,
      }];
      for (const [name, cost] of Object.entries(result.operations)) {
        rows.push({
          scenario: '6',
          label: `Redis per ${name} call`,
          value: `${cost.commandsPerCall.toFixed(2)} commands, ${cost.roundTripsPerCall.toFixed(2)} round trips (max ${cost.maxRoundTrips})`,
          target: name.endsWith('revokeByGrantId') ? '<= 2 round trips' : '1 round trip',
          met: cost.maxRoundTrips <= (name.endsWith('revokeByGrantId') ? 2 : 1),
        });
      }
      return rows;
    } finally {
      client.disconnect();
      await server.destroy();
    }
  },
};
