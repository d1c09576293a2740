// A bare TLS handshake against a listener, reporting what was negotiated or how it failed on both
// sides, so tests can assert on the server's reason and not only on the client's symptom.
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { connect, type ConnectionOptions } from 'node:tls';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';

export type Handshake =
  | { ok: true; protocol: string | null; cipher: string }
  | { ok: false; clientCode: string | undefined; serverCode: string | undefined };

export async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

export async function handshake(server: Server, options: ConnectionOptions): Promise<Handshake> {
  const { port } = server.address() as AddressInfo;
  let onServerError: (error: NodeJS.ErrnoException) => void = () => undefined;
  const serverError = new Promise<string | undefined>((resolve) => {
    onServerError = (error) => resolve(error.code);
    server.once('tlsClientError', onServerError);
  });
  try {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
    const outcome = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      socket.once('secureConnect', () => resolve(undefined));
      socket.once('error', resolve);
    });
    if (outcome === undefined) {
      const result: Handshake = { ok: true, protocol: socket.getProtocol(), cipher: socket.getCipher().name };
      socket.end();
      return result;
    }
    socket.destroy();
    // The server reports its side of a failed handshake; the bound only keeps a broken test from hanging.
    const serverCode = await Promise.race([serverError, delay(2000).then(() => undefined)]);
    return { ok: false, clientCode: outcome.code, serverCode };
  } finally {
    server.off('tlsClientError', onServerError);
  }
}
