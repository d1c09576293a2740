// The resource server process of scenario 7: `tsx bench/resource-server-host.ts <pki.json>`, forked
// by bench/scenarios/resource-server.ts. One keep-alive TLS listener that asks for client certificates, with
// this package's verifier in front of two paths: `/jwt` (JWT access tokens, local JWKS server) and
// `/opaque` (introspection at a local endpoint, cache warm after the first request). The tokens are
// signed here and handed to the parent, so bound, DPoP-bound and bearer requests differ only in
// `cnf` (and the scheme and proof of the DPoP ones); the parent gets the DPoP key to sign proofs.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { ClientCertificate } from '../src/certificate/certificate.js';
import { createTokenVerifier, expressBoundToken } from '../src/resource-server/index.js';
import { loadPki } from './pki.js';

export interface ResourceHostReady {
  type: 'ready';
  port: number;
  tokens: { bound: string; bearer: string; dpop: string; opaque: string };
  /** The private JWK (ES256) the `dpop` token is bound to, for the parent to sign proofs with. */
  dpopKey: JWK;
}
export interface ResourceHostStats {
  type: 'stats';
  cpuMicros: number;
  at: number;
  introspections: number;
}
export type ResourceHostMessage = { type: 'stats' } | { type: 'stop' };

const ISSUER = 'https://as.bench.test';
const AUDIENCE = 'https://api.bench.test';
const SECRET = 'bench-introspection-secret-not-secret';

const pki = await loadPki(process.argv[2] ?? '');
const thumbprint = ClientCertificate.from(pki.client.pem).thumbprint;
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const now = Math.floor(Date.now() / 1000);
const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', client_id: 'tls', iat: now, exp: now + 3600, jti: 'bench', scope: 'api:read' };
const sign = (extra: Record<string, unknown>) =>
  new SignJWT({ ...claims, ...extra }).setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'at+jwt' }).sign(privateKey);
const dpopKeys = await generateKeyPair('ES256', { extractable: true });
const dpopKey = await exportJWK(dpopKeys.privateKey);
const tokens = {
  bound: await sign({ cnf: { 'x5t#S256': thumbprint } }),
  bearer: await sign({}),
  dpop: await sign({ cnf: { jkt: await calculateJwkThumbprint(await exportJWK(dpopKeys.publicKey)) } }),
  opaque: randomBytes(32).toString('base64url'),
};

let introspections = 0;
const provider = createHttpServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.url === '/jwks') {
    res.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'ES256', use: 'sig' }] }));
    return;
  }
  introspections += 1;
  req.resume();
  req.on('end', () => res.end(JSON.stringify({ ...claims, active: true, token_type: 'Bearer', cnf: { 'x5t#S256': thumbprint } })));
});
provider.listen(0, '127.0.0.1');
await once(provider, 'listening');
const providerOrigin = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;

// One verifier for bearer, certificate-bound and DPoP-bound JWTs, with its default options.
const jwt = expressBoundToken(createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, discovery: false, jwt: { jwks: `${providerOrigin}/jwks` } }));
const opaque = expressBoundToken(createTokenVerifier({
  issuer: ISSUER,
  audience: AUDIENCE,
  discovery: false,
  jwt: false,
  introspection: {
    endpoint: `${providerOrigin}/introspect`,
    clientId: 'resource-server',
    auth: { method: 'client_secret_basic', secret: SECRET },
    cache: { maxAge: 3600 },
  },
}));

function handle(req: IncomingMessage, res: ServerResponse): void {
  const check = req.url === '/opaque' ? opaque : jwt;
  check(req, res, (error) => {
    res.statusCode = error === undefined ? 200 : 500;
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
}

const server = createHttpsServer({ key: pki.server.keyPem, cert: pki.server.pem, requestCert: true, rejectUnauthorized: false }, handle);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1');
await once(server, 'listening');

process.on('message', (message: ResourceHostMessage) => {
  if (message.type === 'stats') {
    const cpu = process.cpuUsage();
    process.send!({ type: 'stats', cpuMicros: cpu.user + cpu.system, at: performance.now(), introspections } satisfies ResourceHostStats);
  } else {
    server.closeAllConnections();
    provider.closeAllConnections();
    server.close(() => provider.close(() => process.exit(0)));
  }
});
process.send!({ type: 'ready', port: (server.address() as AddressInfo).port, tokens, dpopKey } satisfies ResourceHostReady);
