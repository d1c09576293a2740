import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KeyObject } from 'node:crypto';

/** The largest response body read from the provider (discovery, JWKS, introspection). */
const MAX_BODY = 1024 * 1024;

/** TLS material for calls to the provider. */
export interface OutboundTls {
  /** PEM trust anchors replacing Node's defaults, for a provider with a private CA. */
  readonly ca?: readonly string[];
  /** Client certificate (PEM) and key for mutual TLS (`tls_client_auth`, `self_signed_tls_client_auth`). */
  readonly cert?: string;
  readonly key?: string | KeyObject;
}

export interface OutboundRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Whole-exchange deadline in milliseconds: connect, TLS, request and response body. */
  readonly timeout: number;
  readonly tls: OutboundTls;
  readonly signal?: AbortSignal;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * One HTTP exchange with the provider, on node:http(s) so that a client certificate and a private
 * CA can be used without a dependency. Redirects are not followed: a provider endpoint that
 * redirects is misconfigured, and following it could send a client secret elsewhere.
 * @throws {Error} on network failure, timeout, or a body over 1 MiB.
 */
export function send(url: URL, init: OutboundRequest): Promise<OutboundResponse> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const options = {
      method: init.method,
      headers: init.body === undefined
        ? init.headers
        : { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
      ...(secure ? tlsOptions(init.tls) : {}),
      // A fresh connection each time keeps client-certificate sessions from being shared
      // between verifiers with different credentials.
      agent: false as const,
    };
    const req = (secure ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) {
          req.destroy(new Error(`the response from ${url.origin} exceeds ${MAX_BODY} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`${url.origin} did not answer within ${init.timeout} ms`));
    }, init.timeout);
    const abort = (): void => { req.destroy(new Error('the request was aborted')); };
    init.signal?.addEventListener('abort', abort, { once: true });
    req.on('error', reject);
    req.on('close', () => {
      clearTimeout(timer);
      init.signal?.removeEventListener('abort', abort);
    });
    req.end(init.body);
  });
}

function tlsOptions(tls: OutboundTls): Record<string, unknown> {
  return {
    ...(tls.ca ? { ca: [...tls.ca] } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
  };
}

/**
 * Parses a JSON object body.
 * @throws {Error} when the body is not a JSON object.
 */
export function jsonObject(response: OutboundResponse, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(response.body.toString('utf8'));
  } catch (cause) {
    throw new Error(`the ${what} response is not JSON`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`the ${what} response is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
