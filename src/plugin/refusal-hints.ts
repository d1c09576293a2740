import type { HostContext } from './host.js';
import type { RequestCertificateState } from './request-state.js';

const TLS_METHODS = new Set(['tls_client_auth', 'self_signed_tls_client_auth']);

/**
 * What to do about a refusal the client or operator would otherwise have to work out: appended to
 * the `error_description` of a 401 once the host has answered.
 * - No certificate on a certificate-authenticated client's request to an origin other than the
 *   mTLS alias: the listener there never asked for one; the request belongs on the alias.
 * - No path to a trust anchor: the issuer looked for, and when the certificate came from a proxy
 *   header without its chain (nginx `$ssl_client_escaped_cert` forwards only the leaf), the
 *   `intermediates` option that supplies the issuing CA.
 */
export function refusalHint(ctx: HostContext, state: RequestCertificateState | undefined, mtlsOrigin: string | undefined): string | undefined {
  const { client } = ctx.oidc;
  if (state?.certificate === undefined) {
    if (state?.refusal !== undefined || !TLS_METHODS.has(client?.clientAuthMethod ?? '')) return undefined;
    if (mtlsOrigin === undefined || ctx.origin === mtlsOrigin) return undefined;
    return `no certificate reaches ${ctx.origin}, which does not request one: send this request to the mTLS endpoint alias on ${mtlsOrigin} (discovery: mtls_endpoint_aliases)`;
  }
  const { verdict, certificate } = state;
  if (verdict?.valid !== false || verdict.code !== 'ERR_MTLS_CHAIN_UNTRUSTED' || client?.clientAuthMethod !== 'tls_client_auth') return undefined;
  const issuer = `the issuer looked for is ${JSON.stringify(certificate.leaf.issuerDn)}`;
  if (certificate.source !== 'socket' && certificate.chain.length === 0) {
    return `${issuer}; the certificate came through the ${certificate.source} proxy header without its chain: add the issuing CA to the intermediates option`;
  }
  return `${issuer}: it must be a trust anchor, or be sent with the certificate or configured in intermediates`;
}
