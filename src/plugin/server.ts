import { createServer, type Server, type ServerOptions } from 'node:https';
import type { RequestListener } from 'node:http';
import { ConfigurationError } from '../errors.js';

/**
 * An https server for the mTLS origin (RFC 8705 section 5): it asks every client for a certificate
 * (`requestCert: true`) but lets the handshake complete whatever is presented
 * (`rejectUnauthorized: false`), so that a missing or bad certificate gets an OAuth error the
 * client can read instead of a TLS alert. Serve `provider.callback()` on it, next to the main
 * origin's server.
 *
 * @param options TLS options of `https.createServer` (`key`, `cert`, `minVersion`, `ciphers`, ...).
 *   `ca` only shapes the certificate request sent to clients; trust decisions are the validator's.
 */
export function createMtlsServer(options: ServerOptions, listener?: RequestListener): Server {
  if (options.requestCert === false) {
    throw new ConfigurationError('createMtlsServer() options.requestCert must not be false: the mTLS origin exists to ask for certificates');
  }
  if (options.rejectUnauthorized === true) {
    throw new ConfigurationError('createMtlsServer() options.rejectUnauthorized must not be true: a rejected certificate would end in a TLS alert instead of an OAuth error');
  }
  return createServer({ ...options, requestCert: true, rejectUnauthorized: false }, listener);
}
