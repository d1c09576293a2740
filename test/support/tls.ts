import { once } from 'node:events';
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import type { TestCertificate } from './pki.js';

export interface StartedServer {
  server: Server;
  port: number;
  /** `https://localhost:PORT` */
  origin: string;
  close(): Promise<void>;
}

/** Starts an https server on 127.0.0.1, port 0, and returns its origin and a closer. */
export async function startHttps(
  listener: RequestListener,
  tls: { cert: TestCertificate; requestCert?: boolean; ca?: string[] } & ServerOptions,
): Promise<StartedServer> {
  const { cert, requestCert = false, ca, ...rest } = tls;
  const server = createServer({
    key: cert.keyPem,
    cert: cert.pem,
    requestCert,
    rejectUnauthorized: false,
    ...(ca ? { ca } : {}),
    ...rest,
  }, listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    origin: `https://localhost:${port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}
