import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { summarize } from '../certificate/summary.js';
import { ConfigurationError } from '../errors.js';
import { AddressSet } from '../intake/proxy/addresses.js';
import { onlyKnownKeys } from '../util/options.js';
import type { RequestCertificateState } from './request-state.js';

/**
 * The opt-in route that tells a caller what the intake saw for its own request ("did my
 * certificate even arrive?"). Off unless configured, and then answered only to the listed
 * addresses or to the bearer secret; anyone else gets a plain 404.
 */
export interface DiagnosticsOptions {
  /** Path on both origins. @default '/.well-known/mtls-diagnostics' */
  path?: string;
  /** Networks (CIDR strings) whose requests are answered, e.g. `['127.0.0.1/32', '10.0.0.0/8']`. @default none */
  addresses?: readonly string[];
  /** A secret sent as `Authorization: Bearer <secret>` (at least 32 characters). @default none */
  bearerSecret?: string;
}

export interface DiagnosticsSettings {
  readonly path: string;
  readonly addresses: AddressSet | undefined;
  readonly secretDigest: Buffer | undefined;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Validates `diagnostics` once. @throws {ConfigurationError} naming the option. */
export function resolveDiagnostics(option: DiagnosticsOptions | undefined): DiagnosticsSettings | undefined {
  if (option === undefined) return undefined;
  if (option === null || typeof option !== 'object') throw new ConfigurationError('diagnostics must be an object ({ addresses, bearerSecret, path })');
  onlyKnownKeys(option, ['addresses', 'bearerSecret', 'path'], 'diagnostics');
  const path = option.path ?? '/.well-known/mtls-diagnostics';
  if (typeof path !== 'string' || !/^\/[\w./-]*$/.test(path)) throw new ConfigurationError('diagnostics.path must be an absolute URL path such as /.well-known/mtls-diagnostics');
  const { addresses, bearerSecret } = option;
  if (addresses === undefined && bearerSecret === undefined) {
    throw new ConfigurationError('diagnostics needs addresses or bearerSecret: the route is never answered to anyone');
  }
  if (bearerSecret !== undefined && (typeof bearerSecret !== 'string' || bearerSecret.length < 32 || /\s/.test(bearerSecret))) {
    throw new ConfigurationError('diagnostics.bearerSecret must be a string of at least 32 characters without spaces');
  }
  return Object.freeze({
    path,
    addresses: addresses === undefined ? undefined : new AddressSet(addresses, 'diagnostics.addresses'),
    // Digests have a fixed length, so the comparison is constant-time whatever was sent.
    secretDigest: bearerSecret === undefined ? undefined : sha256(bearerSecret),
  });
}

/** Whether this request is for the route (whoever sent it). */
export function isDiagnosticsRequest(req: IncomingMessage, settings: DiagnosticsSettings): boolean {
  return req.method === 'GET' && (req.url ?? '').split('?')[0] === settings.path;
}

/** Whether the caller may see the answer: an allowed address, or the bearer secret. */
export function diagnosticsAllowed(req: IncomingMessage, settings: DiagnosticsSettings): boolean {
  if (settings.addresses?.has(req.socket.remoteAddress)) return true;
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  return settings.secretDigest !== undefined && match !== null && timingSafeEqual(sha256(match[1]!), settings.secretDigest);
}

/**
 * What the intake saw for this request: the source, the proxy trust decision and its reason,
 * the leaf's public facts, the chain length and the verdict code. Only this request's own
 * certificate: no headers, secrets or other clients' data.
 */
export function diagnosticsReport(state: RequestCertificateState | undefined): Record<string, unknown> {
  const certificate = state?.certificate;
  const refusal = state?.refusal;
  let proxy: Record<string, unknown> = { decision: 'not-used' };
  if (refusal?.code === 'ERR_MTLS_PROXY_UNTRUSTED') proxy = { decision: 'untrusted', reason: refusal.message };
  else if (certificate !== undefined && certificate.source !== 'socket') proxy = { decision: 'trusted', header: certificate.source };
  const verdict = state?.verdict;
  return {
    source: certificate?.source ?? 'none',
    proxy,
    ...(refusal ? { refusal: { code: refusal.code, message: refusal.message } } : {}),
    certificate: certificate === undefined ? null : { ...summarize(certificate.leaf), chainLength: certificate.chain.length },
    verdict: verdict === undefined
      ? (certificate === undefined ? null : { checked: false, note: 'tls_client_auth is off: the chain is not validated' })
      : verdict.valid ? { valid: true, anchor: verdict.anchor.subjectDn } : { valid: false, code: verdict.code, message: verdict.message },
  };
}
