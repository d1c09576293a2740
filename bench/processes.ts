// Child processes of the benchmark: one per server kind and one load generator, each a separate
// Node process (so on 2 cores the server and the load generator each get one).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { HostKind } from './hosts.js';
import type { LoadJob, LoadReply, LoadResult, ServerReply, ServerStats } from './protocol.js';

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function start(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  // execArgv is inherited: the tsx loader the orchestrator runs under loads the child too.
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'], env: { ...process.env, ...env } });
  // The host's start-up warnings (Node 20, the in-memory adapter) are expected here: keep the
  // output to what the benchmark says.
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (!line.startsWith('oidc-provider WARNING')) process.stderr.write(`${line}\n`);
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function reply<T>(child: ChildProcess, accept: (message: unknown) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      const value = accept(message);
      if (value === undefined) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(value);
    };
    const onExit = (code: number | null) => reject(new Error(`benchmark child exited with ${code}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Asks a child to stop and waits for it to exit. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.send({ type: 'stop' });
  await exited;
}

export interface ServerProcess {
  kind: HostKind;
  port: number;
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

export async function startServer(kind: HostKind, pkiFile: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = start('./server.ts', [kind, pkiFile], env);
  const port = await reply(child, (m) => ((m as ServerReply).type === 'ready' ? (m as { port: number }).port : undefined));
  return {
    kind,
    port,
    async stats() {
      const pending = reply(child, (m) => ((m as ServerReply).type === 'stats' ? (m as { stats: ServerStats }).stats : undefined));
      child.send({ type: 'stats' });
      return pending;
    },
    stop: () => stopChild(child),
  };
}

export interface LoadGenerator {
  run(job: LoadJob): Promise<LoadResult>;
  stop(): Promise<void>;
}

export async function startLoadGenerator(): Promise<LoadGenerator> {
  const child = start('./load.ts', []);
  await reply(child, (m) => ((m as { type: string }).type === 'ready' ? true : undefined));
  let next = 0;
  return {
    async run(job) {
      const id = next++;
      const pending = reply(child, (m) => ((m as LoadReply).type === 'done' && (m as LoadReply).id === id ? (m as LoadReply).result : undefined));
      child.send({ type: 'run', id, job });
      return pending;
    },
    stop: () => stopChild(child),
  };
}
