import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { channels } from '../../util/channels.js';

/** Limits on one revocation fetch. */
export interface FetchLimits {
  /** Milliseconds for the whole exchange, connection to last byte. */
  readonly timeout: number;
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
}

/**
 * GETs (or POSTs `body` to) `url` and resolves to the response body. Rejects on a non-200 status,
 * on a body larger than `maxBytes`, and when `timeout` passes, whatever the server is doing:
 * a responder that hangs must not hold a client's login.
 */
function fetchBytes(url: string, limits: FetchLimits, body?: { contentType: string; bytes: Buffer }): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new Error(`invalid URL ${JSON.stringify(url)}`));
      return;
    }
    const request = (parsed.protocol === 'https:' ? httpsRequest : parsed.protocol === 'http:' ? httpRequest : undefined);
    if (request === undefined) {
      reject(new Error(`unsupported URL scheme in ${JSON.stringify(url)}`));
      return;
    }
    const req = request(parsed, {
      method: body ? 'POST' : 'GET',
      headers: body ? { 'content-type': body.contentType, 'content-length': body.bytes.length } : {},
    });
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer from ${url} within ${limits.timeout} ms`)), limits.timeout);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    req.on('error', fail);
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        req.destroy(new Error(`${url} answered HTTP ${res.statusCode}`));
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (declared > limits.maxBytes) {
        req.destroy(new Error(`${url} answered ${declared} bytes, more than the ${limits.maxBytes} allowed`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxBytes) {
          req.destroy(new Error(`${url} answered more than the ${limits.maxBytes} bytes allowed`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      });
      res.on('error', fail);
    });
    req.end(body?.bytes);
  });
}

/**
 * {@link fetchBytes} for a CRL or an OCSP response, published on the `revocationFetch` channel
 * with its outcome and latency so operators can see responders that are slow or failing.
 */
export async function fetchRevocationData(method: 'crl' | 'ocsp', url: string, limits: FetchLimits, body?: { contentType: string; bytes: Buffer }): Promise<Buffer> {
  if (!channels.revocationFetch.hasSubscribers) return fetchBytes(url, limits, body);
  const started = performance.now();
  const durationMs = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    const bytes = await fetchBytes(url, limits, body);
    channels.revocationFetch.publish({ method, url, outcome: 'ok', durationMs: durationMs(), bytes: bytes.length });
    return bytes;
  } catch (error) {
    channels.revocationFetch.publish({ method, url, outcome: 'failed', durationMs: durationMs(), error: (error as Error).message });
    throw error;
  }
}
