import { profileOf } from '../certificate/profile.js';
import { channels, type CertificateExpiringMessage } from '../util/channels.js';
import { Cache } from '../util/cache.js';
import { numberOption } from '../util/options.js';
import { EVENTS } from './events.js';
import type { HostContext } from './host.js';
import { getRequestState } from './request-state.js';

const DAY = 86_400_000;
/** Certificates remembered as already reported today; a fleet larger than this reports some twice, never misses one. */
const REMEMBERED = 100_000;

/** Validates `expiryWarningDays`. @throws {ConfigurationError} naming the option. */
export function resolveExpiryWarningDays(value: unknown): number {
  return numberOption(value, 30, 'expiryWarningDays', { max: 3650, integer: true, unit: 'days' });
}

/**
 * Reports a client that authenticated with a certificate expiring within `days`: the provider event
 * `mtls.certificate_expiring` and the `certificate-expiring` channel, at most once per certificate
 * per UTC day (per process), so a busy client is one line a day, not one per request.
 */
export function createExpiryWarning(days: number): ((ctx: HostContext) => void) | undefined {
  if (days === 0) return undefined;
  const reported = new Cache<true>(REMEMBERED);
  return (ctx) => {
    const leaf = getRequestState(ctx.req)?.certificate?.leaf;
    const client = ctx.oidc.client;
    if (leaf === undefined || client === undefined) return;
    const now = Date.now();
    const { notAfter } = profileOf(leaf);
    if (notAfter - now > days * DAY) return;
    const today = Math.floor(now / DAY);
    const key = `${leaf.thumbprint}|${today}`;
    if (reported.get(key, now) !== undefined) return;
    reported.set(key, true, (today + 1) * DAY, now);
    const message: CertificateExpiringMessage = {
      clientId: client.clientId,
      method: client.clientAuthMethod,
      thumbprint: leaf.thumbprint,
      subject: leaf.subjectDn,
      notAfter: new Date(notAfter).toISOString(),
      daysLeft: Math.max(0, Math.floor((notAfter - now) / DAY)),
    };
    ctx.oidc.provider.emit(EVENTS.certificateExpiring, message);
    if (channels.certificateExpiring.hasSubscribers) channels.certificateExpiring.publish(message);
  };
}
