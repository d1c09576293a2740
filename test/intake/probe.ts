// A real server that reads each request through one certificate source and answers with what it
// found, and a client that sends raw headers (duplicates included) with or without a certificate.
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as http2Connect, createSecureServer as createHttp2Server, type OutgoingHttpHeaders as Http2Headers } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { CertificateSource } from '../../src/intake/index.js';
import { startHttps } from '../support/tls.js';
import type { TestCertificate } from '../support/pki.js';

export interface ProbeAnswer {
  kind: 'certificate' | 'none' | 'refused';
  code?: string;
  message?: string;
  thumbprint?: string;
  chain?: string[];
  source?: string;
}

export interface Probe {
  origin: string;
  close(): Promise<void>;
}

function listener(source: CertificateSource) {
  return (req: IncomingMessage, res: ServerResponse) => {
    void Promise.resolve(source.read(req)).then((result) => {
      const answer: ProbeAnswer = result.kind === 'certificate'
        ? {
          kind: 'certificate',
          thumbprint: result.certificate.leaf.thumbprint,
          chain: result.certificate.chain.map((c) => c.thumbprint),
          source: result.certificate.source,
        }
        : result.kind === 'refused'
          ? { kind: 'refused', code: result.error.code, message: result.error.message }
          : { kind: 'none' };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    });
  };
}

/** An https probe that asks for (but does not require) client certificates. */
export async function httpsProbe(source: CertificateSource, server: TestCertificate): Promise<Probe> {
  const started = await startHttps(listener(source), { cert: server, requestCert: true } as Parameters<typeof startHttps>[1]);
  return { origin: `https://127.0.0.1:${started.port}`, close: started.close };
}

/** A plain http probe on `host` (127.0.0.1 or ::1). */
export async function httpProbe(source: CertificateSource, host = '127.0.0.1'): Promise<Probe> {
  const server = createServer(listener(source));
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** An HTTP/2-only probe over TLS: Node hands its handler a request without `headersDistinct`. */
export async function http2Probe(source: CertificateSource, server: TestCertificate): Promise<Probe> {
  const h2 = createHttp2Server({ cert: server.pem, key: server.keyPem }, listener(source) as never);
  h2.listen(0, '127.0.0.1');
  await once(h2, 'listening');
  const { port } = h2.address() as AddressInfo;
  const sessions = new Set<{ destroy(): void }>();
  h2.on('session', (session) => sessions.add(session));
  return {
    origin: `https://127.0.0.1:${port}`,
    async close() {
      for (const session of sessions) session.destroy();
      h2.close();
      await once(h2, 'close');
    },
  };
}

/** Sends GET `/` over HTTP/2 with `headers` (an array value sends one header line per member). */
export async function askHttp2(origin: string, headers: Http2Headers, ca: TestCertificate): Promise<ProbeAnswer> {
  const session = http2Connect(origin, { ca: ca.pem });
  try {
    const stream = session.request({ ':path': '/', ...headers });
    let body = '';
    stream.setEncoding('utf8');
    for await (const chunk of stream) body += chunk;
    return JSON.parse(body) as ProbeAnswer;
  } finally {
    session.close();
  }
}

/** Sends GET `/` with `headers`; over https, trusts `ca` and presents `cert` when given. */
export async function ask(
  origin: string,
  headers: OutgoingHttpHeaders = {},
  tls: { ca?: TestCertificate; cert?: TestCertificate } = {},
): Promise<ProbeAnswer> {
  const url = new URL(origin);
  const options = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port,
    path: '/',
    headers,
    agent: false as const,
    ...(tls.ca ? { ca: tls.ca.pem } : {}),
    ...(tls.cert ? { cert: tls.cert.pem, key: tls.cert.keyPem } : {}),
  };
  const req = url.protocol === 'https:' ? httpsRequest(options) : httpRequest(options);
  req.end();
  const [res] = await once(req, 'response') as [IncomingMessage];
  let body = '';
  for await (const chunk of res) body += chunk;
  return JSON.parse(body) as ProbeAnswer;
}
