// A bare HTTP/1.1 request over node:tls with explicit control of TLS session resumption: undici
// and fetch hide whether a session was resumed, and the resumption tests must know.
import { once } from 'node:events';
import { connect } from 'node:tls';
import type { TestCertificate } from './pki.js';

export interface SessionRequest {
  /** `https://localhost:PORT` */
  origin: string;
  path: string;
  ca: TestCertificate;
  /** Client certificate chain as PEM (leaf first) and its key; none for an anonymous client. */
  cert?: { pem: string; keyPem: string };
  /** A session from an earlier response, to resume. */
  session?: Buffer;
  form: Record<string, string>;
  /** Cap the protocol version, e.g. `TLSv1.2`. @default the highest both sides support */
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface SessionResponse {
  status: number;
  body: Record<string, unknown>;
  /** Whether the server resumed the offered session (no certificate was sent in this handshake). */
  resumed: boolean;
  /** The session ticket the server issued on this connection, for the next request. */
  session: Buffer | undefined;
  protocol: string | null;
}

/** POSTs a form on a new TLS connection (closed after the response), optionally resuming a session. */
export async function postOnNewConnection(request: SessionRequest): Promise<SessionResponse> {
  const url = new URL(request.path, request.origin);
  const socket = connect({
    host: '127.0.0.1',
    port: Number(url.port),
    servername: url.hostname,
    ca: request.ca.pem,
    ...(request.cert ? { cert: request.cert.pem, key: request.cert.keyPem } : {}),
    ...(request.session ? { session: request.session } : {}),
    ...(request.maxVersion ? { maxVersion: request.maxVersion } : {}),
  });
  let session: Buffer | undefined;
  // TLS 1.3 tickets arrive after the handshake, in their own records.
  socket.on('session', (ticket: Buffer) => {
    session = ticket;
  });
  await once(socket, 'secureConnect');
  // Read before the connection closes: a destroyed socket answers null.
  const resumed = socket.isSessionReused();
  const protocol = socket.getProtocol();
  const body = new URLSearchParams(request.form).toString();
  // write, not end: the server closes the connection after its response (Connection: close).
  socket.write([
    `POST ${url.pathname} HTTP/1.1`,
    `Host: ${url.host}`,
    'Content-Type: application/x-www-form-urlencoded',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n'));
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  const raw = Buffer.concat(chunks).toString('utf8');
  const [head = '', payload = ''] = raw.split('\r\n\r\n', 2);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const text = /transfer-encoding: chunked/i.test(head) ? dechunk(payload) : payload;
  return { status, body: text ? JSON.parse(text) as Record<string, unknown> : {}, resumed, session, protocol };
}

function dechunk(payload: string): string {
  let out = '';
  let rest = payload;
  for (;;) {
    const end = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, end), 16);
    if (!size) return out;
    out += rest.slice(end + 2, end + 2 + size);
    rest = rest.slice(end + 2 + size + 2);
  }
}
