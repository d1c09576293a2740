// TLS 1.2 client-initiated renegotiation on the mTLS listener, with a real TLS client: refused
// on that connection (the server's clientError says why), and the listener keeps serving. A plain
// https server, the control, lets the same client renegotiate.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { createMtlsServer } from '../../src/index.js';
import { createTestPki, type TestPki } from '../support/pki.js';

describe('createMtlsServer: no TLS renegotiation', () => {
  let pki: TestPki;
  before(async () => {
    pki = await createTestPki();
  });

  async function start(server: Server): Promise<{ port: number; clientErrors: string[] }> {
    const clientErrors: string[] = [];
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      clientErrors.push(error.code ?? error.message);
      socket.destroy();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { port: (server.address() as AddressInfo).port, clientErrors };
  }

  async function tls12(port: number): Promise<TLSSocket> {
    const socket = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.root.pem, cert: pki.clientA.pem, key: pki.clientA.keyPem, maxVersion: 'TLSv1.2' });
    await once(socket, 'secureConnect');
    assert.equal(socket.getProtocol(), 'TLSv1.2');
    return socket;
  }

  /** One HTTP/1.1 request on `socket`; resolves to the status line. */
  async function get(socket: TLSSocket): Promise<string> {
    socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const [chunk] = await once(socket, 'data') as [Buffer];
    return chunk.toString('latin1').split('\r\n')[0]!;
  }

  /** Asks for renegotiation; resolves to whether the connection survived it. */
  async function renegotiate(socket: TLSSocket): Promise<'renegotiated' | 'closed'> {
    socket.on('error', () => undefined); // the server's refusal may reach the client as a reset
    const closed = once(socket, 'close').then(() => 'closed' as const);
    const done = new Promise<'renegotiated' | 'closed'>((resolve) => {
      socket.renegotiate({ rejectUnauthorized: false }, (error) => resolve(error ? 'closed' : 'renegotiated'));
    });
    const first = await Promise.race([done, closed]);
    if (first === 'closed') return first;
    // The callback can report success as the connection goes: a request settles it.
    return Promise.race([get(socket).then(() => 'renegotiated' as const), closed]);
  }

  it('refuses a TLS 1.2 client-initiated renegotiation and keeps serving new connections', async () => {
    const server = createMtlsServer({ key: pki.server.keyPem, cert: pki.server.pem }, (_req, res) => res.end('ok'));
    const { port, clientErrors } = await start(server);
    try {
      const socket = await tls12(port);
      assert.equal(await get(socket), 'HTTP/1.1 200 OK');
      assert.equal(await renegotiate(socket), 'closed');
      assert.deepEqual(clientErrors, ['ERR_TLS_RENEGOTIATION_DISABLED']);
      const again = await tls12(port);
      assert.equal(await get(again), 'HTTP/1.1 200 OK');
      again.destroy();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('the control: a plain https server lets the same client renegotiate', async () => {
    const server = createServer({ key: pki.server.keyPem, cert: pki.server.pem, requestCert: true, rejectUnauthorized: false }, (_req, res) => res.end('ok'));
    const { port, clientErrors } = await start(server);
    try {
      const socket = await tls12(port);
      assert.equal(await get(socket), 'HTTP/1.1 200 OK');
      assert.equal(await renegotiate(socket), 'renegotiated');
      assert.deepEqual(clientErrors, []);
      socket.destroy();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
