import { once } from 'node:events';
import type { RequestListener } from 'node:http';
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createMtlsServer } from '../src/index.js';

export async function listen(server: Server, port: number): Promise<number> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

export interface ProviderListeners {
  main: Server;
  alias: Server;
  issuer: string;
  mtlsOrigin: string;
  /** Routes both listeners to the provider once it exists. */
  serve(listener: RequestListener): void;
}

/**
 * The provider's two listeners: the main origin (no certificate request) and the mTLS alias.
 * They listen first because the issuer URL needs the bound port, and the provider needs the issuer.
 */
export async function startProviderListeners(tls: ServerOptions, ports: { issuer: number; mtls: number }): Promise<ProviderListeners> {
  let handle: RequestListener = (_req, res) => { res.statusCode = 503; res.end(); };
  const dispatch: RequestListener = (req, res) => handle(req, res);
  const main = createServer(tls, dispatch);
  // createMtlsServer refuses TLS 1.2 client-initiated renegotiation; the main origin has no use for it either.
  main.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());
  const alias = createMtlsServer(tls, dispatch);
  return {
    main,
    alias,
    issuer: `https://localhost:${await listen(main, ports.issuer)}`,
    mtlsOrigin: `https://localhost:${await listen(alias, ports.mtls)}`,
    serve(listener) { handle = listener; },
  };
}

/** Stops the servers at once, open keep-alive connections included. */
export function closeServers(...servers: Server[]): void {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
}
