import type { FastifyPluginCallback } from 'fastify';
import { ConfigurationError } from '../errors.js';
import { createRequestCheck, type MiddlewareOptions } from './request.js';
import type { TokenVerifier, VerifiedToken } from './verifier.js';

declare module 'fastify' {
  // Declaration merging: `request.mtls` is typed as soon as this module is imported.
  interface FastifyRequest {
    /** Set by `fastifyBoundToken` on requests it lets through; `undefined` where it does not run. */
    mtls?: VerifiedToken;
  }
}

/** Options of {@link fastifyBoundToken}: the verifier, and the options every middleware takes. */
export interface FastifyBoundTokenOptions extends MiddlewareOptions {
  /** The verifier made by `createTokenVerifier()`. Required. */
  verifier: TokenVerifier;
}

/**
 * Fastify plugin: an `onRequest` hook that verifies the request's access token and its sender
 * constraints (certificate, DPoP proof), puts the result on `request.mtls`, or answers per RFC 6750 /
 * RFC 9449 and stops. It applies to the context it is registered in (like a plugin wrapped in
 * fastify-plugin), so register it inside your own plugin to protect only that plugin's routes.
 * Unexpected errors go to Fastify's error handler. Fastify itself is not imported at runtime.
 * @throws {ConfigurationError} for invalid options, when registered.
 */
export const fastifyBoundToken: FastifyPluginCallback<FastifyBoundTokenOptions> = Object.assign(
  function fastifyBoundToken(...[instance, options, done]: Parameters<FastifyPluginCallback<FastifyBoundTokenOptions>>): void {
    let check: ReturnType<typeof createRequestCheck>;
    try {
      if (typeof options !== 'object' || options === null) throw new ConfigurationError('fastifyBoundToken options must be an object');
      // Fastify hands its own register() options (prefix, logging) to the plugin with ours.
      const { verifier, prefix: _prefix, logLevel: _logLevel, logSerializers: _logSerializers, ...middleware } = options as FastifyBoundTokenOptions & Record<'prefix' | 'logLevel' | 'logSerializers', unknown>;
      check = createRequestCheck(verifier, middleware);
    } catch (error) {
      // A callback plugin reports through done(): a throw would escape Fastify's boot sequence.
      done(error as Error);
      return;
    }
    if (!instance.hasRequestDecorator('mtls')) instance.decorateRequest('mtls', undefined);
    instance.addHook('onRequest', async (request, reply) => {
      const outcome = await check(request.raw);
      if (outcome.ok) {
        request.mtls = outcome.token;
        reply.headers(outcome.headers);
        return;
      }
      const { challenge } = outcome;
      return reply.code(challenge.status).headers(challenge.headers).send(challenge.body);
    });
    done();
  },
  {
    // What fastify-plugin sets: the hook applies to the registering context, not a child of it.
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'fastifyBoundToken',
  },
);
