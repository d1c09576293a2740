// Storage benchmark: authorization_code redemptions per second on one oidc-provider with the host's
// memory adapter and with the Redis adapter, side by side, plus the Redis commands and round trips
// each adapter call costs. Run alone with `tsx bench/redis.ts` (REDIS_URL, default the local server,
// database 9), or call `benchRedisAdapter` from `npm run bench`.
import { AsyncLocalStorage } from 'node:async_hooks';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Redis, type Cluster } from 'ioredis';
import { Provider, type Adapter, type AdapterFactory, type ClientMetadata } from 'oidc-provider';
import { Agent, fetch } from 'undici';
import { createRedisAdapter } from '../adapters/redis/index.js';

const REDIRECT_URI = 'https://rp.example.test/cb';
const CLIENT: ClientMetadata = {
  client_id: 'bench',
  client_secret: 'bench-secret-not-secret',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [REDIRECT_URI],
};

/** Commands and sequential round trips of one kind of adapter call. */
export interface OperationCost {
  calls: number;
  commandsPerCall: number;
  roundTripsPerCall: number;
  maxRoundTrips: number;
}

export interface RedisBenchResult {
  requests: number;
  concurrency: number;
  memoryPerSecond: number;
  redisPerSecond: number;
  /** redisPerSecond / memoryPerSecond; the target is at least 0.8. */
  ratio: number;
  /** Per redeemed code (token request), Redis adapter. */
  commandsPerRequest: number;
  roundTripsPerRequest: number;
  adapterCallsPerRequest: number;
  /** Keyed `Model.method`, measured during the Redis run, plus a `revokeByGrantId` of a 3-token grant. */
  operations: Record<string, OperationCost>;
}

interface CallTrace {
  commands: number;
  roundTrips: number;
  pending: number;
}

/**
 * Counts what each adapter call sends: every command, and every time a command leaves while none
 * of the same call is awaiting an answer (a new sequential round trip). Bench-only instrumentation
 * of ioredis' `sendCommand`; the adapter itself is untouched.
 */
function instrument(client: Redis | Cluster, factory: AdapterFactory) {
  const current = new AsyncLocalStorage<CallTrace>();
  const costs = new Map<string, { calls: number; commands: number; roundTrips: number; max: number }>();
  const target = client as unknown as { sendCommand(command: { promise: Promise<unknown> }, ...rest: unknown[]): unknown };
  const send = target.sendCommand.bind(client);
  target.sendCommand = (command, ...rest) => {
    const trace = current.getStore();
    if (trace) {
      if (trace.pending === 0) trace.roundTrips += 1;
      trace.pending += 1;
      trace.commands += 1;
      command.promise.then(() => { trace.pending -= 1; }, () => { trace.pending -= 1; });
    }
    return send(command, ...rest);
  };
  const record = (name: string, trace: CallTrace) => {
    const cost = costs.get(name) ?? { calls: 0, commands: 0, roundTrips: 0, max: 0 };
    cost.calls += 1;
    cost.commands += trace.commands;
    cost.roundTrips += trace.roundTrips;
    cost.max = Math.max(cost.max, trace.roundTrips);
    costs.set(name, cost);
  };
  const traced: AdapterFactory = (model) => {
    const adapter = factory(model);
    return new Proxy(adapter, {
      get(object, property: keyof Adapter) {
        const method = object[property];
        return (...args: unknown[]) => {
          const trace: CallTrace = { commands: 0, roundTrips: 0, pending: 0 };
          return current.run(trace, async () => {
            try {
              return await (method as (...inner: unknown[]) => Promise<unknown>).apply(object, args);
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

async function startProvider(adapter: AdapterFactory) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let provider: Provider | undefined;
  const server = createServer((req, res) => provider!.callback()(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider = new Provider(issuer, {
    adapter,
    clients: [CLIENT],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'bench', use: 'sig' } as never] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    scopes: ['openid', 'offline_access'],
    pkce: { required: () => false },
    cookies: { keys: ['bench-cookie-key-not-secret'] },
    ttl: { AccessToken: 600, AuthorizationCode: 600, RefreshToken: 3600, Grant: 3600, IdToken: 600 },
    features: { devInteractions: { enabled: false } },
  });
  return { provider, issuer, close: () => { server.closeAllConnections(); server.close(); } };
}

/** What the authorization endpoint stores after consent: a Grant and a code bound to it. */
async function issueCode(provider: Provider): Promise<string> {
  const client = await provider.Client.find(CLIENT.client_id);
  const grant = new provider.Grant({ accountId: 'user-1', clientId: CLIENT.client_id });
  grant.addOIDCScope('openid offline_access');
  const grantId = await grant.save();
  const code = new provider.AuthorizationCode({
    accountId: 'user-1', client: client!, grantId, gty: 'authorization_code', redirectUri: REDIRECT_URI, scope: 'openid offline_access',
  });
  return code.save();
}

/** Redeems `codes` with `concurrency` requests in flight; returns the seconds it took. */
async function redeemAll(issuer: string, codes: string[], concurrency: number, dispatcher: Agent): Promise<number> {
  const basic = Buffer.from(`${CLIENT.client_id}:${String(CLIENT.client_secret)}`).toString('base64');
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < codes.length) {
      const code = codes[next++]!;
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }).toString(),
      });
      if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    }
  }));
  return (performance.now() - started) / 1000;
}

/**
 * Redemptions per second. Codes are issued untimed in batches small enough for the host's memory
 * adapter, an LRU of 1000 entries that would otherwise evict codes before they are redeemed.
 */
async function measure(adapter: AdapterFactory, requests: number, concurrency: number, warmup: number): Promise<number> {
  const op = await startProvider(adapter);
  const dispatcher = new Agent({ connections: concurrency });
  const batch = 200;
  try {
    let seconds = 0;
    for (let done = -warmup; done < requests; done += batch) {
      const codes = await Promise.all(Array.from({ length: batch }, () => issueCode(op.provider)));
      const elapsed = await redeemAll(op.issuer, codes, concurrency, dispatcher);
      if (done >= 0) seconds += elapsed;
    }
    return requests / seconds;
  } finally {
    await dispatcher.close();
    op.close();
  }
}

/**
 * Runs the side-by-side measurement. `client` is used under `keyPrefix` only; the keys written are
 * left to expire (TTL at most one hour).
 */
export async function benchRedisAdapter(options: {
  client: Redis | Cluster;
  keyPrefix?: string;
  requests?: number;
  concurrency?: number;
}): Promise<RedisBenchResult> {
  const { client, keyPrefix = `bench:${process.pid}:`, requests = 2000, concurrency = 32 } = options;
  if (requests % 200 !== 0) throw new RangeError('requests must be a multiple of 200');
  const specifier: string = 'oidc-provider/lib/adapters/memory_adapter.js';
  const { createMemoryAdapter } = await import(specifier) as { createMemoryAdapter(): AdapterFactory };

  const memoryPerSecond = await measure(createMemoryAdapter(), requests, concurrency, 200);
  const { traced, costs, restore } = instrument(client, createRedisAdapter({ client, keyPrefix }));
  try {
    // Warm-up calls (script loading) are traced too; they are a small share of the total.
    const redisPerSecond = await measure(traced, requests, concurrency, 200);
    const redeemed = requests + 200;
    const tokenCosts = [...costs.values()];
    const sum = (pick: (cost: { calls: number; commands: number; roundTrips: number }) => number) =>
      tokenCosts.reduce((total, cost) => total + pick(cost), 0);
    // Issuing codes happens outside the timed requests: Grant and AuthorizationCode upserts, and
    // the code-issuing Client lookups, are not part of a token request.
    const issuing = ['Grant.upsert', 'AuthorizationCode.upsert'].map((name) => costs.get(name) ?? { calls: 0, commands: 0, roundTrips: 0, max: 0 });
    const perRequest = (pick: (cost: { calls: number; commands: number; roundTrips: number }) => number) =>
      (sum(pick) - issuing.reduce((total, cost) => total + pick(cost), 0)) / redeemed;

    const grant = traced('AccessToken');
    for (const id of ['a', 'b', 'c']) await traced('RefreshToken').upsert(`revoke-${id}`, { grantId: 'bench-revoke' } as never, 60);
    await grant.revokeByGrantId('bench-revoke');

    const operations: Record<string, OperationCost> = {};
    for (const [name, cost] of [...costs].sort(([a], [b]) => a.localeCompare(b))) {
      operations[name] = {
        calls: cost.calls,
        commandsPerCall: cost.commands / cost.calls,
        roundTripsPerCall: cost.roundTrips / cost.calls,
        maxRoundTrips: cost.max,
      };
    }
    return {
      requests,
      concurrency,
      memoryPerSecond,
      redisPerSecond,
      ratio: redisPerSecond / memoryPerSecond,
      commandsPerRequest: perRequest((cost) => cost.commands),
      roundTripsPerRequest: perRequest((cost) => cost.roundTrips),
      adapterCallsPerRequest: perRequest((cost) => cost.calls),
      operations,
    };
  } finally {
    restore();
  }
}

/** A plain-text report of {@link benchRedisAdapter}. */
export function formatRedisBench(result: RedisBenchResult): string {
  const lines = [
    `authorization_code redemptions, ${result.requests} requests, ${result.concurrency} in flight`,
    `  memory adapter  ${result.memoryPerSecond.toFixed(0)} req/s`,
    `  Redis adapter   ${result.redisPerSecond.toFixed(0)} req/s  (${result.ratio.toFixed(2)}x memory; target >= 0.8x)`,
    `  per token request: ${result.adapterCallsPerRequest.toFixed(2)} adapter calls, ${result.commandsPerRequest.toFixed(2)} Redis commands, ${result.roundTripsPerRequest.toFixed(2)} round trips`,
    '  per adapter call (commands / round trips, max round trips):',
  ];
  for (const [name, cost] of Object.entries(result.operations)) {
    lines.push(`    ${name.padEnd(34)} ${cost.commandsPerCall.toFixed(2)} / ${cost.roundTripsPerCall.toFixed(2)}  (max ${cost.maxRoundTrips}, ${cost.calls} calls)`);
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9');
  try {
    console.log(formatRedisBench(await benchRedisAdapter({ client })));
  } finally {
    client.disconnect();
  }
}
