import type { MtlsError } from '../errors.js';

/**
 * Provider events this package emits, as `provider.on(name, (ctx, error) => ...)`:
 * - `mtls.refused`: a certificate or certificate header was refused (every refusal, with its code);
 * - `mtls.warning`: something passed under a lenient policy (e.g. revocation status unknown with
 *   `soft-fail`), worth a log line but not a refusal.
 */
export const EVENTS = Object.freeze({ refused: 'mtls.refused', warning: 'mtls.warning' } as const);

export interface EventEmitterLike {
  emit(event: string, ...args: unknown[]): boolean;
}

export function emitRefusal(provider: EventEmitterLike, ctx: unknown, error: MtlsError): void {
  provider.emit(EVENTS.refused, ctx, error);
}
