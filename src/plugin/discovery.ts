/** Endpoints RFC 8705 section 5 lets a server alias on its mTLS origin. */
const ALIASED = [
  'token_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'userinfo_endpoint',
  'pushed_authorization_request_endpoint',
  'device_authorization_endpoint',
  'backchannel_authentication_endpoint',
] as const;

/** Endpoints that authenticate clients the same way as the token endpoint in this host. */
const SAME_AUTH_METHODS = ['introspection', 'revocation'] as const;

/**
 * Adds to a discovery document what the host leaves out: `mtls_endpoint_aliases` for every
 * enabled endpoint (same path, the mTLS origin), and the auth methods of the introspection and
 * revocation endpoints, which the host authenticates with the token endpoint's methods.
 */
export function extendDiscovery(body: Record<string, unknown>, mtlsOrigin: string | undefined): void {
  const methods = body.token_endpoint_auth_methods_supported;
  if (Array.isArray(methods)) {
    for (const name of SAME_AUTH_METHODS) {
      if (typeof body[`${name}_endpoint`] === 'string') body[`${name}_endpoint_auth_methods_supported`] ??= [...methods];
    }
  }
  if (mtlsOrigin === undefined) return;
  const aliases: Record<string, string> = {};
  for (const name of ALIASED) {
    const value = body[name];
    if (typeof value !== 'string') continue;
    const url = new URL(value);
    aliases[name] = new URL(`${url.pathname}${url.search}`, mtlsOrigin).href;
  }
  body.mtls_endpoint_aliases = aliases;
}
