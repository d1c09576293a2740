import type { Cluster, Redis } from 'ioredis';
import type { ScriptCommands } from './scripts.js';

/*
 * Every Redis command costs the provider's process a few microseconds of client work (the command
 * object, its promises, writing it out, parsing its reply), whether or not the client pipelines it.
 * Under load the host's concurrent requests ask for many steps in the same turn of the event loop,
 * so on a single server those steps leave as one script call that runs them all: one command's client
 * work for the whole turn. A Cluster cannot run steps of unrelated slots in one script; there each
 * step stays a command of its own.
 */

/** The steps the batch script knows (scripts.ts, `op_<name>`). */
export type Step = 'find' | 'upsert' | 'consume' | 'claim' | 'release';

/** Steps beyond this many leave in the next batch, which bounds one script's argument list. */
const MOST_STEPS = 256;

interface Queued {
  step: Step;
  keys: readonly string[];
  args: ReadonlyArray<string | number>;
  resolve(reply: unknown): void;
  reject(error: Error): void;
}

export interface Steps {
  /**
   * Runs `step` (in the next batch on a single server, as a command of its own on a Cluster);
   * resolves to its reply, or rejects with the error it raised. A step nobody waits for (`waited`
   * false: a claim's release) does not start a batch of its own: it leaves with the next one, at the
   * latest at the end of the turn.
   */
  run<R>(step: Step, keys: readonly string[], args: ReadonlyArray<string | number>, waited?: boolean): Promise<R>;
}

type Alone = (keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<unknown>;

/** Each step as a command of its own, for a Cluster. An upsert there is split per slot by the adapter. */
function aloneSteps(client: Redis | Cluster, scripts: ScriptCommands): Record<Step, Alone> {
  const arg = (args: ReadonlyArray<string | number>, index: number) => String(args[index]);
  return {
    find: (keys) => client.hgetall(keys[0]!),
    consume: (keys, args) => scripts.oidcMtlsConsume(keys[0]!, arg(args, 0), Number(args[1])),
    claim: (keys, args) => scripts.oidcMtlsClaim(keys[0]!, keys[1]!, arg(args, 0), Number(args[1])),
    release: (keys, args) => scripts.oidcMtlsRelease(keys[0]!, arg(args, 0)),
    upsert: () => Promise.reject(new Error('an upsert on a Cluster is split per slot, not run as one step')),
  };
}

export function createSteps(client: Redis | Cluster, scripts: ScriptCommands): Steps {
  if (client.isCluster) {
    const alone = aloneSteps(client, scripts);
    return { run: <R>(step: Step, keys: readonly string[], args: ReadonlyArray<string | number>) => alone[step](keys, args) as Promise<R> };
  }
  return createBatcher(scripts);
}

function createBatcher(scripts: ScriptCommands): Steps {
  let queue: Queued[] = [];
  let scheduled = false;
  let deferred = false;

  function flushScheduled(): void {
    scheduled = false;
    if (queue.length > 0) flush();
  }

  function flushDeferred(): void {
    deferred = false;
    if (queue.length > 0) flush();
  }

  function flush(): void {
    const batch = queue;
    queue = [];
    const keys: string[] = [];
    const argv: Array<string | number> = [batch.length];
    for (const queued of batch) {
      for (const key of queued.keys) keys.push(key);
      argv.push(queued.step, queued.keys.length, queued.args.length);
      for (const arg of queued.args) argv.push(arg);
    }
    scripts.oidcMtlsBatch(keys.length, ...keys, ...argv).then((replies) => {
      batch.forEach((queued, index) => {
        const reply = replies[index];
        if (reply === undefined) queued.reject(new Error('the batch script answered fewer steps than it was given'));
        else if (reply[0] === 1) queued.resolve(reply[1]);
        else queued.reject(new Error(reply[1]));
      });
    }, (error: Error) => {
      for (const queued of batch) queued.reject(error);
    });
  }

  return {
    run<R>(step: Step, keys: readonly string[], args: ReadonlyArray<string | number>, waited = true): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ step, keys, args, resolve: resolve as (reply: unknown) => void, reject });
        if (queue.length === MOST_STEPS) flush();
        else if (!waited) {
          if (!scheduled && !deferred) {
            deferred = true;
            setImmediate(flushDeferred);
          }
        } else if (!scheduled) {
          // Flushed once the callbacks of this I/O event have run (they resolve many calls at once),
          // not a turn later: an auto-pipelining client then writes the batches of one turn together.
          scheduled = true;
          process.nextTick(flushScheduled);
        }
      });
    },
  };
}
