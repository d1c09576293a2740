import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KeyObject } from 'node:crypto';

/** TLS material for one outbound call. */
export interface HttpTls {
  /** PEM trust anchors replacing Node's defaults, for a server with a private CA. */
  readonly ca?: readonly string[];
  /** Client certificate (PEM) and key for mutual TLS. */
  readonly cert?: string;
  readonly key?: string | KeyObject;
}

export interface HttpRequest {
  /** Default: `GET`. */
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  /** Sent with its `content-length`. */
  readonly body?: string | Buffer;
  /** Milliseconds for the whole exchange: connection, TLS, request and the last byte of the body. */
  readonly timeout: number;
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
  /** When set, any other status rejects without the body being read. */
  readonly expectStatus?: number;
  /**
   * TLS options for an https URL. When given, the call gets a connection of its own, so that a
   * session made with one client certificate is never reused by a caller with other credentials.
   */
  readonly tls?: HttpTls;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * The package's one HTTP client, on node:http(s) so that a client certificate and a private CA
 * can be used without a dependency. The deadline covers the whole exchange, whatever the server
 * is doing: a server that drips bytes must not hold a login or a resource request. Redirects are
 * not followed: an endpoint that redirects is misconfigured, and following it could send a client
 * secret elsewhere.
 * @throws {Error} for an invalid or non-http(s) URL, a network failure, the deadline, a body over
 *   `maxBytes`, an unexpected status, or an abort.
 */
export function httpExchange(target: URL | string, init: HttpRequest): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    // Messages name the URL as the caller gave it.
    const shown = typeof target === 'string' ? target : target.href;
    let url: URL;
    try {
      url = typeof target === 'string' ? new URL(target) : target;
    } catch {
      reject(new Error(`invalid URL ${JSON.stringify(shown)}`));
      return;
    }
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') {
      reject(new Error(`unsupported URL scheme in ${JSON.stringify(shown)}`));
      return;
    }
    const headers = init.body === undefined
      ? init.headers ?? {}
      : { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) };
    const req = (secure ? httpsRequest : httpRequest)(url, {
      method: init.method ?? 'GET',
      headers,
      ...(init.tls ? { ...(secure ? tlsOptions(init.tls) : {}), agent: false as const } : {}),
    });
    const { maxBytes } = init;
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer from ${shown} within ${init.timeout} ms`)), init.timeout);
    const abort = (): void => { req.destroy(new Error('the request was aborted')); };
    const done = (): void => {
      clearTimeout(timer);
      init.signal?.removeEventListener('abort', abort);
    };
    if (init.signal?.aborted) abort();
    else init.signal?.addEventListener('abort', abort, { once: true });
    req.on('error', (error) => {
      done();
      reject(error);
    });
    req.on('close', done);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (init.expectStatus !== undefined && status !== init.expectStatus) {
        res.resume();
        req.destroy(new Error(`${shown} answered HTTP ${status}`));
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (declared > maxBytes) {
        req.destroy(new Error(`${shown} answered ${declared} bytes, more than the ${maxBytes} allowed`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          req.destroy(new Error(`${shown} answered more than the ${maxBytes} bytes allowed`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        done();
        resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.end(init.body);
  });
}

function tlsOptions(tls: HttpTls): Record<string, unknown> {
  return {
    ...(tls.ca ? { ca: [...tls.ca] } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
  };
}
