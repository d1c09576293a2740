import { debuglog } from 'node:util';
import type { AlreadyConsumedError, StoreCorruptError, StoreUnavailableError } from '../../src/errors.js';

/**
 * A store incident reported through `onEvent`. `model` is the oidc-provider model (`AccessToken`,
 * `Session`, ...) or `index` for the grant and certificate indexes; `operation` is the adapter call.
 * Token values and ids are never included: an opaque token's id is the token itself.
 */
export type RedisAdapterEvent =
  | { type: 'store.unavailable'; model: string; operation: string; error: StoreUnavailableError }
  | { type: 'store.corrupt'; model: string; operation: string; error: StoreCorruptError }
  | { type: 'consume.rejected'; model: string; operation: 'consume'; error: AlreadyConsumedError };

const debug = debuglog('mtls-redis');

/** Returns a function that delivers events to the user's listener without ever throwing. */
export function createEmitter(listener: ((event: RedisAdapterEvent) => void) | undefined) {
  return (event: RedisAdapterEvent): void => {
    if (listener === undefined) {
      debug('%s %s.%s: %s', event.type, event.model, event.operation, event.error.message);
      return;
    }
    try {
      listener(event);
    } catch {
      // A failing log sink must not turn a handled store incident into a failed request.
    }
  };
}
