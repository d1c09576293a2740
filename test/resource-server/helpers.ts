// Real local servers for the verifier tests: a JWKS / metadata / introspection server on port 0,
// a signer of access tokens, and an https client that presents a client certificate.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { createHash, type KeyObject } from 'node:crypto';
import assert from 'node:assert/strict';
import { MtlsError } from '../../src/errors.js';
import type { TokenVerifier } from '../../src/resource-server/index.js';
import type { TestCertificate } from '../support/pki.js';

export interface JsonServer {
  readonly origin: string;
  readonly server: Server;
  /** Requests received, in order, with their bodies. */
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

/** An http server on 127.0.0.1 port 0 whose answers come from `route`. */
export async function startJsonServer(
  route: (req: IncomingMessage, body: string) => Promise<{ status: number; json?: unknown }> | { status: number; json?: unknown },
): Promise<JsonServer> {
  const requests: JsonServer['requests'] = [];
  const listener: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      Promise.resolve(route(req, body)).then(({ status, json }) => respond(res, status, json), (error: Error) => respond(res, 500, { error: error.message }));
    });
  };
  return wrap(createServer(listener), requests);
}

export async function wrap(server: Server, requests: JsonServer['requests'] = []): Promise<JsonServer> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    server,
    requests,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}

function respond(res: ServerResponse, status: number, json: unknown): void {
  res.statusCode = status;
  if (json === undefined) {
    res.end();
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(json));
}

export interface SigningKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
}

export async function signingKey(kid: string, alg = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...await exportJWK(publicKey), kid, alg, use: 'sig' };
  return { kid, alg, privateKey: privateKey as unknown as KeyObject, publicJwk };
}

export const ISSUER = 'https://as.example.test';
export const AUDIENCE = 'https://api.example.test';

/** A JWT access token (RFC 9068) with every required claim, overridable. */
export async function accessToken(
  key: SigningKey,
  claims: JWTPayload & Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    client_id: 'client-a',
    iat: now,
    exp: now + 300,
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    scope: 'api:read',
    ...claims,
  }).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header }).sign(key.privateKey);
}

export interface HttpsResult {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One https request to `origin` trusting `ca`, presenting `cert` if given. */
export function callHttps(
  origin: string,
  path: string,
  options: { ca: TestCertificate; cert?: TestCertificate; authorization?: string; headers?: Record<string, string | string[]> },
): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, origin), {
      ca: options.ca.pem,
      ...(options.cert ? { cert: options.cert.pem, key: options.cert.keyPem } : {}),
      headers: { ...options.headers, ...(options.authorization ? { authorization: options.authorization } : {}) },
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs a verification that must fail and returns the coded error and its RFC 6750 answer. */
export async function refusal(verifier: TokenVerifier, input: Parameters<TokenVerifier['verify']>[0]) {
  const error = await verifier.verify(input).then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof MtlsError, `expected a refusal, got ${String(error)}`);
  return { code: error.code, message: error.message, challenge: verifier.challenge(error) };
}

/** RFC 7638 section 3.2: the required members in lexicographic order, no whitespace; written here, apart from the code under test. */
export function jwkThumbprint(jwk: JWK): string {
  const members: Record<string, readonly string[]> = { EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'], OKP: ['crv', 'kty', 'x'] };
  const required = members[jwk.kty ?? ''];
  if (!required) throw new Error(`no thumbprint members for kty ${jwk.kty}`);
  const canonical = `{${required.map((name) => `"${name}":"${String(jwk[name as keyof JWK])}"`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/** A client's DPoP key pair, with its public JWK and RFC 7638 thumbprint (`cnf.jkt`). */
export interface DpopKey {
  readonly alg: string;
  readonly privateKey: KeyObject;
  readonly publicJwk: JWK;
  readonly jkt: string;
}

export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey: privateKey as unknown as KeyObject, publicJwk, jkt: jwkThumbprint(publicJwk) };
}

/** RFC 9449 section 4.2 `ath`, computed independently of the code under test. */
export function ath(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

let proofCounter = 0;

/**
 * A DPoP proof (RFC 9449 section 4.2) for `htm` and `htu`, bound to `token` through `ath`; every claim
 * and header member can be overridden (`undefined` drops it), and `signWith` signs with another key.
 */
export async function dpopProof(
  key: DpopKey,
  request: { htm: string; htu: string; token?: string },
  overrides: { claims?: Record<string, unknown>; header?: Record<string, unknown>; signWith?: DpopKey } = {},
): Promise<string> {
  proofCounter += 1;
  const claims = Object.fromEntries(Object.entries({
    jti: `proof-${process.pid}-${proofCounter}-${Math.random().toString(36).slice(2)}`,
    htm: request.htm,
    htu: request.htu,
    iat: Math.floor(Date.now() / 1000),
    ...(request.token === undefined ? {} : { ath: ath(request.token) }),
    ...overrides.claims,
  }).filter(([, value]) => value !== undefined));
  const header = Object.fromEntries(Object.entries({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk, ...overrides.header })
    .filter(([, value]) => value !== undefined));
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign((overrides.signWith ?? key).privateKey);
}
