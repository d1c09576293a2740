// Messages between the benchmark's orchestrator (run.ts) and its child processes.

export interface ServerStats {
  connections: number;
  /** TLS connections that resumed a session. */
  resumed: number;
  requests: number;
  statuses: Record<string, number>;
  /** process.cpuUsage() user + system, microseconds. */
  cpuMicros: number;
  /** performance.now() in the server process, milliseconds. */
  at: number;
  heapUsed: number;
  /** client_credentials tokens issued, and how many of them are certificate-bound (`x5t#S256`); bench/server.ts counts them. */
  tokens?: number;
  boundTokens?: number;
}

export type ServerMessage = { type: 'stats' } | { type: 'stop' };
export type ServerReply = { type: 'ready'; port: number } | { type: 'stats'; stats: ServerStats };

/** How the load generator opens connections. */
export type ConnectionMode = 'keep-alive' | 'new-connection' | 'resumed';

/** One measured round: a fixed number of requests in flight for a fixed time. */
export interface LoadJob {
  url: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  /**
   * Headers for one request each, taken in order and merged over `headers`, for values a server
   * accepts only once (DPoP proofs). Running out is an error: size the list for the whole run.
   */
  headersPerRequest?: readonly Record<string, string>[];
  body?: string;
  /** Client certificate chain (PEM, leaf first) and key, or none. */
  cert?: string;
  key?: string;
  mode: ConnectionMode;
  concurrency: number;
  /** Untimed requests first, so connections and JIT are warm before the clock starts. */
  warmupMs: number;
  durationMs: number;
  /** Status every response must have; any other counts as an error. */
  expectStatus: number;
}

export interface LoadResult {
  /** Responses with the expected status completed inside the timed window. */
  completed: number;
  errors: number;
  /** First error seen, for the report. */
  firstError?: string;
  elapsedMs: number;
  /** Latency percentiles of the timed window, milliseconds. */
  p50: number;
  p99: number;
}

export type LoadMessage = { type: 'run'; id: number; job: LoadJob } | { type: 'stop' };
export type LoadReply = { type: 'done'; id: number; result: LoadResult };
