// The same small protected resource in Koa, Express and Fastify, each behind this package's
// middleware, as node request listeners that the tests serve over real TLS (or behind nginx).
import { createServer, type RequestListener } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import {
  expressBoundToken,
  fastifyBoundToken,
  koaBoundToken,
  type MiddlewareOptions,
  type MtlsKoaState,
  type TokenVerifier,
  type VerifiedToken,
} from '../../../src/resource-server/index.js';

export type Framework = 'koa' | 'express' | 'fastify';
export const FRAMEWORKS: readonly Framework[] = ['koa', 'express', 'fastify'];

/** What every app answers to a request its middleware let through. */
export function describeToken(mtls: VerifiedToken) {
  return {
    sub: mtls.claims.sub,
    scheme: mtls.scheme,
    boundTo: mtls.boundTo ?? null,
    jkt: mtls.jkt ?? null,
    scopes: mtls.scopes,
    subject: mtls.certificate?.x509.subject ?? null,
  };
}

function koaApp(verifier: TokenVerifier, options?: MiddlewareOptions): RequestListener {
  const app = new Koa<MtlsKoaState>();
  app.use(koaBoundToken(verifier, options));
  app.use((ctx) => {
    ctx.body = describeToken(ctx.state.mtls);
  });
  app.silent = true;
  return app.callback();
}

function expressApp(verifier: TokenVerifier, options?: MiddlewareOptions): RequestListener {
  const app = express();
  app.use(expressBoundToken(verifier, options));
  app.use((req, res) => {
    const mtls = req.mtls!;
    if (res.locals.mtls !== mtls) throw new Error('res.locals.mtls is not req.mtls');
    res.json(describeToken(mtls));
  });
  app.use(((error, _req, res, _next) => {
    res.status(500).json({ error: 'server_error', message: (error as Error).message });
  }) as express.ErrorRequestHandler);
  return app as unknown as RequestListener;
}

/**
 * Fastify builds its own server; the factory hands its request handler out so that the tests serve
 * it with the same TLS listener as the other frameworks.
 */
async function fastifyApp(verifier: TokenVerifier, options?: MiddlewareOptions): Promise<RequestListener> {
  let handler: RequestListener | undefined;
  const app = Fastify({
    serverFactory: (fastifyHandler) => {
      handler = fastifyHandler as RequestListener;
      return createServer();
    },
  });
  await app.register(fastifyBoundToken, { verifier, ...options });
  // `request.mtls` is typed by the plugin's declaration merging.
  app.all('/*', async (request) => describeToken(request.mtls!));
  await app.ready();
  return handler!;
}

/** The protected resource in `framework`, as a request listener. */
export async function appFor(framework: Framework, verifier: TokenVerifier, options?: MiddlewareOptions): Promise<RequestListener> {
  switch (framework) {
    case 'koa': return koaApp(verifier, options);
    case 'express': return expressApp(verifier, options);
    case 'fastify': return fastifyApp(verifier, options);
  }
}
