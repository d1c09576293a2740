import { AsyncLocalStorage } from 'node:async_hooks';
import type { Cluster, Redis } from 'ioredis';
import type { Adapter, AdapterFactory } from 'oidc-provider';

/*
 * Counts what each adapter call sends to Redis, for the round-trip tests and `npm run bench`: every
 * command, and every sequential round trip, i.e. each time a command leaves while no other command of
 * the same call awaits its answer. A round trip none of whose answers had arrived when the call
 * resolved was not waited for (a clean-up sent on the way out); it is counted apart. Instruments the
 * client's `sendCommand` (a spy; the adapter itself is untouched) and wraps the adapter factory.
 */

/** Totals of one kind of adapter call, keyed `Model.method`. */
export interface CallCost {
  calls: number;
  commands: number;
  /** Round trips the calls waited for. */
  roundTrips: number;
  /** The most round trips one call waited for. */
  maxRoundTrips: number;
  /** Commands sent in round trips the call did not wait for. */
  unawaited: number;
}

interface Trip {
  pending: number;
  answered: boolean;
}

interface Trace {
  trips: Trip[];
  pending: number;
  commands: number;
}

export interface RoundTripCounter {
  /** `factory` with every adapter call counted in {@link RoundTripCounter.costs}. */
  traced: AdapterFactory;
  costs: Map<string, CallCost>;
  /** Puts the client's `sendCommand` back. */
  restore(): void;
}

export function countRoundTrips(client: Redis | Cluster, factory: AdapterFactory): RoundTripCounter {
  const current = new AsyncLocalStorage<Trace>();
  const costs = new Map<string, CallCost>();
  const target = client as unknown as { sendCommand(command: { promise: Promise<unknown> }, ...rest: unknown[]): unknown };
  const send = target.sendCommand;
  target.sendCommand = function sendCommand(command, ...rest) {
    const trace = current.getStore();
    if (trace) {
      if (trace.pending === 0) trace.trips.push({ pending: 0, answered: false });
      const trip = trace.trips.at(-1)!;
      trip.pending += 1;
      trace.pending += 1;
      trace.commands += 1;
      const settle = () => {
        trip.pending -= 1;
        trip.answered = true;
        trace.pending -= 1;
      };
      command.promise.then(settle, settle);
    }
    return send.call(this, command, ...rest);
  };

  const record = (name: string, trace: Trace) => {
    const cost = costs.get(name) ?? { calls: 0, commands: 0, roundTrips: 0, maxRoundTrips: 0, unawaited: 0 };
    const awaited = trace.trips.filter((trip) => trip.answered);
    cost.calls += 1;
    cost.commands += trace.commands;
    cost.roundTrips += awaited.length;
    cost.maxRoundTrips = Math.max(cost.maxRoundTrips, awaited.length);
    cost.unawaited += trace.trips.filter((trip) => !trip.answered).reduce((sum, trip) => sum + trip.pending, 0);
    costs.set(name, cost);
  };

  const traced: AdapterFactory = (model) => {
    const adapter = factory(model);
    return new Proxy(adapter, {
      get(object, property: keyof Adapter) {
        const method = object[property] as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => {
          const trace: Trace = { trips: [], pending: 0, commands: 0 };
          return current.run(trace, async () => {
            try {
              return await method.apply(object, args);
            } finally {
              record(`${model}.${String(property)}`, trace);
            }
          });
        };
      },
    });
  };
  return {
    traced,
    costs,
    restore: () => {
      target.sendCommand = send;
    },
  };
}
