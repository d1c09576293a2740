import { httpExchange } from '../../util/http.js';
import { channels } from '../../util/channels.js';

/** Limits on one revocation fetch. */
export interface FetchLimits {
  /** Milliseconds for the whole exchange, connection to last byte. */
  readonly timeout: number;
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
}

/**
 * GETs (or POSTs `body` to) `url` for a CRL or an OCSP response and resolves to the body; anything
 * but a 200 within the limits rejects, since a responder that hangs must not hold a client's login.
 * Each fetch is published on the `revocationFetch` channel with its outcome and latency so
 * operators can see responders that are slow or failing.
 */
export async function fetchRevocationData(method: 'crl' | 'ocsp', url: string, limits: FetchLimits, body?: { contentType: string; bytes: Buffer }): Promise<Buffer> {
  const fetchBytes = async (): Promise<Buffer> => (await httpExchange(url, {
    method: body ? 'POST' : 'GET',
    ...(body ? { headers: { 'content-type': body.contentType }, body: body.bytes } : {}),
    timeout: limits.timeout,
    maxBytes: limits.maxBytes,
    expectStatus: 200,
  })).body;
  if (!channels.revocationFetch.hasSubscribers) return fetchBytes();
  const started = performance.now();
  const durationMs = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const bytes = await fetchBytes();
    channels.revocationFetch.publish({ method, url, outcome: 'ok', durationMs: durationMs(), bytes: bytes.length });
    return bytes;
  } catch (error) {
    channels.revocationFetch.publish({ method, url, outcome: 'failed', durationMs: durationMs(), error: (error as Error).message });
    throw error;
  }
}
