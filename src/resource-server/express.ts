import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequestCheck, type MiddlewareOptions } from './request.js';
import type { TokenVerifier, VerifiedToken } from './verifier.js';

declare global {
  // Declaration merging with @types/express: `req.mtls` and `res.locals.mtls` are typed as soon
  // as this module is imported.
  namespace Express {
    interface Request {
      /** Set by `expressBoundToken` on requests it lets through. */
      mtls?: VerifiedToken;
    }
    interface Locals {
      /** Set by `expressBoundToken` on requests it lets through. */
      mtls?: VerifiedToken;
    }
  }
}

/**
 * Express (or plain `node:http`) middleware: verifies the request's access token and its sender
 * constraints (certificate, DPoP proof), puts the result on `req.mtls` and `res.locals.mtls` and calls `next()`; otherwise answers
 * per RFC 6750 / RFC 9449 and ends the response. Unexpected errors go to `next(error)`.
 * @throws {ConfigurationError} for invalid options, at creation.
 */
export function expressBoundToken(
  verifier: TokenVerifier,
  options?: MiddlewareOptions,
): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  const check = createRequestCheck(verifier, options);
  return (req, res, next) => {
    check(req).then((outcome) => {
      if (outcome.ok) {
        (req as { mtls?: VerifiedToken }).mtls = outcome.token;
        for (const [name, value] of Object.entries(outcome.headers)) res.setHeader(name, value);
        const { locals } = res as { locals?: { mtls?: VerifiedToken } };
        if (locals) locals.mtls = outcome.token;
        next();
        return;
      }
      const { challenge } = outcome;
      res.statusCode = challenge.status;
      for (const [name, value] of Object.entries(challenge.headers)) res.setHeader(name, value);
      if (challenge.body) {
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(JSON.stringify(challenge.body));
      } else {
        res.end();
      }
    }, next);
  };
}
