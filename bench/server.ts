// A server process of the benchmark: `tsx bench/server.ts <kind> <pki.json>`, forked by the scenarios through processes.ts.
// It reports its port once listening, and on request its counters and CPU time, so that each round
// can tell whether the server (not the load generator) was the bottleneck and whether TLS sessions
// were really resumed.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ClientCredentials } from 'oidc-provider';
import { createHost, HOST_KINDS, type HostKind } from './hosts.js';
import { loadPki } from './pki.js';
import type { ServerMessage, ServerStats } from './protocol.js';

const [kind, pkiFile] = process.argv.slice(2) as [HostKind, string];
if (!HOST_KINDS.includes(kind) || !pkiFile) throw new Error('usage: server.ts <kind> <pki.json>');

const { provider, server } = await createHost(kind, await loadPki(pkiFile), 'https://localhost');
const stats = { connections: 0, resumed: 0, requests: 0, statuses: {} as Record<string, number>, tokens: 0, boundTokens: 0 };
// Opaque tokens are `saved`, JWTs `issued`: either way the token says whether it is bound.
const count = (token: ClientCredentials) => {
  stats.tokens += 1;
  if (token['x5t#S256'] !== undefined) stats.boundTokens += 1;
};
provider.on('client_credentials.saved', count);
provider.on('client_credentials.issued', count);
server.on('secureConnection', (socket: TLSSocket) => {
  stats.connections += 1;
  if (socket.isSessionReused()) stats.resumed += 1;
});
server.on('request', (_req, res) => {
  stats.requests += 1;
  res.once('finish', () => {
    stats.statuses[res.statusCode] = (stats.statuses[res.statusCode] ?? 0) + 1;
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1');
await once(server, 'listening');

function snapshot(): ServerStats {
  const cpu = process.cpuUsage();
  return {
    ...stats,
    statuses: { ...stats.statuses },
    cpuMicros: cpu.user + cpu.system,
    at: performance.now(),
    heapUsed: process.memoryUsage().heapUsed,
  };
}

process.on('message', (message: ServerMessage) => {
  if (message.type === 'stats') process.send!({ type: 'stats', stats: snapshot() });
  if (message.type === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.send!({ type: 'ready', port: (server.address() as AddressInfo).port });
