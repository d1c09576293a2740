import { ClientCertificate } from '../certificate/certificate.js';
import { profileOf } from '../certificate/profile.js';

const DAY = 86_400_000;

interface ExpiringCertificate {
  readonly clientId: unknown;
  readonly 'x5t#S256': string;
  readonly subject: string;
  readonly notAfter: string;
  /** Whole days left; negative once expired. */
  readonly daysLeft: number;
}

interface ExpiringReport {
  readonly days: number;
  readonly expiring: readonly ExpiringCertificate[];
  /** Clients whose keys are at a `jwks_uri`, which this command does not fetch. */
  readonly notChecked: readonly unknown[];
}

/**
 * The registered certificates (`jwks` keys' `x5c[0]`, what self-signed clients authenticate with)
 * that expire within `days` of `now`, soonest first; expired ones included.
 */
export function expiringCertificates(clients: readonly Record<string, unknown>[], days: number, now: number): ExpiringReport {
  const expiring: ExpiringCertificate[] = [];
  const notChecked: unknown[] = [];
  for (const client of clients) {
    if (typeof client.jwks_uri === 'string') notChecked.push(client.client_id);
    const keys = (client.jwks as { keys?: unknown } | undefined)?.keys;
    for (const key of Array.isArray(keys) ? keys : []) {
      const first = Array.isArray(key?.x5c) ? key.x5c[0] : undefined;
      if (typeof first !== 'string') continue;
      let certificate: ClientCertificate;
      try {
        certificate = ClientCertificate.from(Buffer.from(first, 'base64'));
      } catch {
        continue; // registration refuses such keys; a stored one cannot authenticate anyway
      }
      const { notAfter } = profileOf(certificate);
      if (notAfter - now > days * DAY) continue;
      expiring.push({
        clientId: client.client_id,
        'x5t#S256': certificate.thumbprint,
        subject: certificate.subjectDn,
        notAfter: new Date(notAfter).toISOString(),
        daysLeft: Math.floor((notAfter - now) / DAY),
      });
    }
  }
  expiring.sort((a, b) => a.notAfter.localeCompare(b.notAfter));
  return { days, expiring, notChecked };
}

export function expiringText(report: ExpiringReport): string {
  const lines = report.expiring.length
    ? report.expiring.map((entry) => `${String(entry.clientId)}  ${entry.daysLeft < 0 ? 'EXPIRED' : `${entry.daysLeft} days`}  ${entry.notAfter}  ${entry.subject}  x5t#S256 ${entry['x5t#S256']}`)
    : [`no registered certificate expires within ${report.days} days`];
  if (report.notChecked.length) lines.push(`not checked (keys at jwks_uri): ${report.notChecked.map(String).join(', ')}`);
  return lines.join('\n');
}
