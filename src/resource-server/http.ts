import { httpExchange, type HttpRequest, type HttpResponse } from '../util/http.js';

/** The largest response body read from the provider (discovery, JWKS, introspection). */
const MAX_BODY = 1024 * 1024;

/**
 * One exchange with the provider through the package's HTTP client, bodies capped at 1 MiB.
 * @throws {Error} on network failure, timeout, or a body over 1 MiB.
 */
export function send(url: URL, init: Omit<HttpRequest, 'maxBytes'>): Promise<HttpResponse> {
  return httpExchange(url, { ...init, maxBytes: MAX_BODY });
}

/**
 * Parses a JSON object body.
 * @throws {Error} when the body is not a JSON object.
 */
export function jsonObject(response: HttpResponse, what: string): Record<string, unknown> {
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
