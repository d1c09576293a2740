import type { IncomingMessage } from 'node:http';
import { debuglog } from 'node:util';
import type { MtlsError } from '../errors.js';
import { channels, type AuthenticationMessage } from '../util/channels.js';
import type { HostContext } from './host.js';
import { getRequestState } from './request-state.js';

const debug = debuglog('oidc-provider-mtls');
const TLS_METHODS = new Set(['tls_client_auth', 'self_signed_tls_client_auth']);

// Requests with a refusal reported: an accepted outcome is published only for the others.
const refused = new WeakSet<IncomingMessage>();

/** The part of a Koa context available before the host's routing ran (no `ctx.oidc` yet). */
type EarlyContext = Pick<HostContext, 'req'> & { readonly oidc?: HostContext['oidc'] };

function message(ctx: EarlyContext, outcome: AuthenticationMessage['outcome'], code?: string): AuthenticationMessage {
  const client = ctx.oidc?.client;
  return {
    outcome,
    method: client?.clientAuthMethod,
    clientId: client?.clientId,
    ...(code === undefined ? {} : { code }),
    source: getRequestState(ctx.req)?.certificate?.source ?? 'none',
    route: ctx.oidc?.route,
  };
}

/**
 * Makes a refusal visible without code: `NODE_DEBUG=oidc-provider-mtls` logs it with its code, and
 * the authentication and untrusted-proxy channels carry it.
 */
export function observeRefusal(ctx: EarlyContext, error: MtlsError): void {
  refused.add(ctx.req);
  const client = ctx.oidc?.client;
  debug('refused %s: %s (client %s, route %s)', error.code, error.message, client?.clientId ?? '-', ctx.oidc?.route ?? '-');
  if (channels.authentication.hasSubscribers) channels.authentication.publish(message(ctx, 'refused', error.code));
  if (error.code === 'ERR_MTLS_PROXY_UNTRUSTED' && channels.proxyUntrusted.hasSubscribers) {
    channels.proxyUntrusted.publish({ remoteAddress: ctx.req.socket.remoteAddress, reason: error.message });
  }
}

/**
 * After the host answered: a certificate-authenticated client whose request reported no
 * refusal and was not answered 401 passed client authentication.
 */
export function observeAcceptance(ctx: HostContext): boolean {
  const method = ctx.oidc.client?.clientAuthMethod;
  if (method === undefined || !TLS_METHODS.has(method) || refused.has(ctx.req) || ctx.status === 401) return false;
  if (getRequestState(ctx.req)?.certificate === undefined) return false;
  if (channels.authentication.hasSubscribers) channels.authentication.publish(message(ctx, 'accepted'));
  return true;
}
