import type { MtlsError } from '../errors.js';
import { observeRefusal } from './observe.js';

/**
 * Provider events this package emits:
 * - `mtls.refused`, `(ctx, error: MtlsError)`: a certificate or certificate header was refused
 *   (every refusal, with its code);
 * - `mtls.warning`, `(event: RevocationEvent)`: the revocation status of a certificate could not
 *   be established (passed under `soft-fail`, refused under `hard-fail`), worth a log line;
 * - `mtls.certificate_expiring`, `(message: CertificateExpiringMessage)`: a client authenticated
 *   with a certificate expiring within `expiryWarningDays` (once per certificate per day).
 */
export const EVENTS = Object.freeze({ refused: 'mtls.refused', warning: 'mtls.warning', certificateExpiring: 'mtls.certificate_expiring' } as const);

export interface EventEmitterLike {
  emit(event: string, ...args: unknown[]): boolean;
}

export function emitRefusal(provider: EventEmitterLike, ctx: unknown, error: MtlsError): void {
  provider.emit(EVENTS.refused, ctx, error);
  observeRefusal(ctx as Parameters<typeof observeRefusal>[0], error);
}
