import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { httpExchange } from '../../src/util/http.js';
import { createTestPki, type TestPki } from '../support/pki.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

async function listen(server: NetServer): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function withBody(handler: () => Handler) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handler()(req, res, Buffer.concat(chunks)));
  };
}

describe('util: the one HTTP client', function () {
  this.timeout(20_000);
  let handler: Handler;
  let server: Server;
  let origin: string;
  const sockets = new Set<Socket>();

  before(async () => {
    server = createServer(withBody(() => handler));
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    origin = `http://${await listen(server)}`;
  });

  after(async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  });

  it('GETs a body, and POSTs one with its content-length', async () => {
    handler = (req, res, body) => {
      res.end(JSON.stringify({ method: req.method, length: req.headers['content-length'] ?? null, type: req.headers['content-type'] ?? null, body: body.toString() }));
    };
    const get = await httpExchange(`${origin}/x`, { timeout: 5_000, maxBytes: 1_000 });
    assert.equal(get.status, 200);
    assert.deepEqual(JSON.parse(get.body.toString()), { method: 'GET', length: null, type: null, body: '' });
    const post = await httpExchange(new URL(`${origin}/x`), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'héllo', timeout: 5_000, maxBytes: 1_000 });
    assert.deepEqual(JSON.parse(post.body.toString()), { method: 'POST', length: '6', type: 'text/plain', body: 'héllo' });
  });

  it('returns any status unless one is expected; an unexpected one rejects naming it', async () => {
    handler = (_req, res) => {
      res.writeHead(404).end('missing');
    };
    const answer = await httpExchange(`${origin}/`, { timeout: 5_000, maxBytes: 1_000 });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.toString(), 'missing');
    await assert.rejects(httpExchange(`${origin}/`, { timeout: 5_000, maxBytes: 1_000, expectStatus: 200 }), /answered HTTP 404/);
  });

  it('refuses a body over the cap, whether declared or streamed', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '2000' }).end(Buffer.alloc(2000));
    };
    await assert.rejects(httpExchange(`${origin}/`, { timeout: 5_000, maxBytes: 1_000 }), /2000 bytes, more than the 1000 allowed/);
    handler = (_req, res) => {
      res.write(Buffer.alloc(600));
      setTimeout(() => res.end(Buffer.alloc(600)), 20);
    };
    await assert.rejects(httpExchange(`${origin}/`, { timeout: 5_000, maxBytes: 1_000 }), /more than the 1000 bytes allowed/);
  });

  it('holds the deadline over the whole exchange against a server that drips bytes', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      const drip = setInterval(() => res.write('x'), 20);
      res.once('close', () => clearInterval(drip));
    };
    await assert.rejects(httpExchange(`${origin}/slow`, { timeout: 200, maxBytes: 1_000_000 }), /no complete answer from .*\/slow within 200 ms/);
  });

  it('stops when its signal aborts', async () => {
    handler = () => undefined;
    const controller = new AbortController();
    const pending = httpExchange(`${origin}/`, { timeout: 5_000, maxBytes: 1_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, /aborted/);
    await assert.rejects(httpExchange(`${origin}/`, { timeout: 5_000, maxBytes: 1_000, signal: AbortSignal.abort() }), /aborted/);
  });

  it('rejects an invalid URL and a scheme other than http(s)', async () => {
    await assert.rejects(httpExchange('not a url', { timeout: 1_000, maxBytes: 1 }), /invalid URL/);
    await assert.rejects(httpExchange('ftp://127.0.0.1/crl', { timeout: 1_000, maxBytes: 1 }), /unsupported URL scheme/);
  });

  describe('over TLS', () => {
    let pki: TestPki;
    let tlsServer: ReturnType<typeof createTlsServer>;
    let tlsOrigin: string;

    before(async () => {
      pki = await createTestPki();
      tlsServer = createTlsServer({ cert: pki.server.pem, key: pki.server.keyPem, ca: [pki.root.pem, pki.intermediate.pem], requestCert: true, rejectUnauthorized: false }, (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res.end(peer.subject ? String(peer.subject.CN) : '-');
      });
      tlsOrigin = `https://${await listen(tlsServer)}`;
    });

    after(async () => {
      tlsServer.closeAllConnections();
      tlsServer.close();
      await once(tlsServer, 'close');
    });

    it('trusts the given private CA and presents the given client certificate', async () => {
      const anonymous = await httpExchange(tlsOrigin, { timeout: 5_000, maxBytes: 1_000, tls: { ca: [pki.root.pem] } });
      assert.equal(anonymous.body.toString(), '-');
      const client = await httpExchange(tlsOrigin, {
        timeout: 5_000,
        maxBytes: 1_000,
        tls: { ca: [pki.root.pem], cert: pki.clientA.pem + pki.clientA.chainPem, key: pki.clientA.keyPem },
      });
      assert.equal(client.body.toString(), 'client-a');
    });

    it('refuses a server its CA list does not vouch for', async () => {
      await assert.rejects(httpExchange(tlsOrigin, { timeout: 5_000, maxBytes: 1_000, tls: { ca: [pki.selfSigned.pem] } }));
    });
  });
});
