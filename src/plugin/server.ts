import { createServer, type Server, type ServerOptions } from 'node:https';
import type { RequestListener } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ConfigurationError } from '../errors.js';

/** One year: the HSTS policy sent when the option is left unset. */
const DEFAULT_HSTS = 'max-age=31536000';

/** Options of {@link createMtlsServer}: those of `https.createServer`, plus the one below. */
export interface MtlsServerOptions extends ServerOptions {
  /**
   * The `Strict-Transport-Security` header (RFC 6797) sent on every response of this listener, so
   * browsers never downgrade to plain http (FAPI 2.0 Security Profile 5.2.3 item 1, FAPI 1.0 Part 1
   * section 7.1). `false` sends none, e.g. when a proxy in front adds it.
   * @default 'max-age=31536000'
   */
  strictTransportSecurity?: string | false;
}

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
export function createMtlsServer(options: MtlsServerOptions, listener?: RequestListener): Server {
  const { strictTransportSecurity = DEFAULT_HSTS, ...tlsOptions } = options;
  if (strictTransportSecurity !== false && (typeof strictTransportSecurity !== 'string' || !/(?:^|;)\s*max-age="?\d+"?\s*(?:;|$)/i.test(strictTransportSecurity))) {
    throw new ConfigurationError('createMtlsServer() options.strictTransportSecurity must be false or a Strict-Transport-Security value with a max-age=<seconds> directive');
  }
  if (options.requestCert === false) {
    throw new ConfigurationError('createMtlsServer() options.requestCert must not be false: the mTLS origin exists to ask for certificates');
  }
  if (options.rejectUnauthorized === true) {
    throw new ConfigurationError('createMtlsServer() options.rejectUnauthorized must not be true: a rejected certificate would end in a TLS alert instead of an OAuth error');
  }
  const server = createServer({ ...tlsOptions, requestCert: true, rejectUnauthorized: false }, listener);
  // TLS 1.2 client-initiated renegotiation: a handshake's CPU cost on the server, paid as often as
  // the client asks, for nothing this origin needs (the certificate is asked for in the first
  // handshake). Refused per connection; the attempt ends that connection with an error.
  server.on('secureConnection', disableRenegotiation);
  // First in line, so the header is on every response whoever handles the request.
  if (strictTransportSecurity !== false) server.prependListener('request', (_req, res) => res.setHeader('Strict-Transport-Security', strictTransportSecurity));
  return server;
}

/** Disables TLS renegotiation on one accepted connection (TLS 1.3 has none to disable). */
function disableRenegotiation(socket: TLSSocket): void {
  socket.disableRenegotiation();
}
