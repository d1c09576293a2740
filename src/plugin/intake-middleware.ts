import { debuglog } from 'node:util';
import type { CertificateValidator } from '../certificate/validator.js';
import { validityRefusal } from '../certificate/validity.js';
import { CertificateUnregisteredError } from '../errors.js';
import { readCertificate } from '../intake/source.js';
import { diagnosticsAllowed, diagnosticsReport, isDiagnosticsRequest } from './diagnostics-route.js';
import { extendDiscovery } from './discovery.js';
import { createExpiryWarning } from './expiry-warning.js';
import { emitRefusal } from './events.js';
import type { HostContext } from './host.js';
import type { ResolvedOptions } from './options.js';
import { observeAcceptance } from './observe.js';
import { refusalHint } from './refusal-hints.js';
import { getRequestState, setRequestState, type RequestCertificateState } from './request-state.js';

const debug = debuglog('oidc-provider-mtls');

/**
 * The asynchronous half of the plugin, installed with `provider.use`: finds the certificate,
 * parses it once, validates it once (cached across requests by the validator), and stores the
 * result for the synchronous hooks. Afterwards it completes the host's responses where the host
 * has no hook of its own (discovery additions, the reason for a self-signed refusal).
 */
export function createIntakeMiddleware(options: ResolvedOptions, validator: CertificateValidator | undefined) {
  const warnExpiry = createExpiryWarning(options.expiryWarningDays);
  return async function mtlsIntake(ctx: HostContext, next: () => Promise<unknown>): Promise<void> {
    const result = await readCertificate(options.source, ctx.req);
    let state: RequestCertificateState = {};
    if (result.kind === 'refused') {
      // ctx.oidc does not exist yet (routing has not run): ctx.app is the provider.
      emitRefusal(ctx.app, ctx, result.error);
      state = { refusal: result.error };
    } else if (result.kind === 'certificate') {
      const { certificate } = result;
      const verdict = validator === undefined
        ? undefined
        // The client is not known yet (the host reads the body later): paths to every anchor the
        // certificate reaches are kept, for the client's anchor pins to choose from.
        : await validator.verify(certificate.leaf, certificate.chain, { alternatives: true }).catch((cause: unknown) => {
          // verify() resolves every bad certificate to a verdict; a rejection is a defect. Fail
          // closed, and keep its details in the debug log rather than in a client's response.
          debug('certificate validation failed unexpectedly: %o', cause);
          return { valid: false as const, code: 'ERR_MTLS_CHAIN_UNTRUSTED' as const, message: 'the client certificate could not be verified' };
        });
      const selfSignedRefusal = options.selfSignedTlsClientAuth && options.selfSignedValidity === 'enforce'
        ? validityRefusal(certificate.leaf, Date.now(), options.clockTolerance)
        : undefined;
      state = {
        certificate,
        ...(verdict === undefined ? {} : { verdict }),
        ...(selfSignedRefusal === undefined ? {} : { selfSignedRefusal }),
      };
    }
    setRequestState(ctx.req, state);

    // A caller who may not see the route falls through to the host, whose 404 looks like the route being off.
    const { diagnostics } = options;
    if (diagnostics && isDiagnosticsRequest(ctx.req, diagnostics) && diagnosticsAllowed(ctx.req, diagnostics)) {
      ctx.set('cache-control', 'no-store');
      ctx.status = 200;
      ctx.body = diagnosticsReport(state);
      return;
    }

    await next();

    if (ctx.oidc !== undefined && observeAcceptance(ctx)) warnExpiry?.(ctx);
    if (ctx.oidc === undefined || ctx.body === null || typeof ctx.body !== 'object') return;
    if (ctx.oidc.route === 'discovery' && ctx.status === 200) {
      extendDiscovery(ctx.body as Record<string, unknown>, options.mtlsOrigin);
    } else if (ctx.status === 401) {
      explainSelfSignedRefusal(ctx);
      const hint = refusalHint(ctx, getRequestState(ctx.req), options.mtlsOrigin);
      const body = ctx.body as Record<string, unknown>;
      if (hint !== undefined && typeof body.error_description === 'string') body.error_description = `${body.error_description}; ${hint}`;
    }
  };
}

/**
 * The host compares a self-signed certificate with the client's JWKS itself and answers a generic
 * `invalid_client`. When that comparison is what failed, say so, with our code and event.
 */
function explainSelfSignedRefusal(ctx: HostContext): void {
  const { client } = ctx.oidc;
  const body = ctx.body as Record<string, unknown>;
  const state = getRequestState(ctx.req);
  const leaf = state?.certificate?.leaf;
  if (body.error !== 'invalid_client' || client?.clientAuthMethod !== 'self_signed_tls_client_auth' || leaf === undefined) return;
  // Refused for its dates before the host compared it: that refusal is the reason, already reported.
  if (state?.selfSignedRefusal) return;
  const registered = [...(client.asymmetricKeyStore ?? [])].some((key) => key['x5t#S256'] === leaf.thumbprint);
  if (registered) return;
  const error = new CertificateUnregisteredError(
    'the client certificate is not registered in the client\'s jwks (x5c) or jwks_uri',
  );
  body.error_description = error.message;
  emitRefusal(ctx.oidc.provider, ctx, error);
}
