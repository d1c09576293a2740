import { channel } from 'node:diagnostics_channel';

/**
 * The `node:diagnostics_channel` channels this package publishes to, one per fact, as undici and
 * Node's http do. Subscribing costs nothing to those who do not: a message is built only when a
 * channel has subscribers.
 *
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe(CHANNELS.authentication, (message) => console.log(message));
 * ```
 */
export const CHANNELS = Object.freeze({
  /** {@link AuthenticationMessage}: a certificate-authenticated request was accepted or refused. */
  authentication: 'oidc-provider-mtls:authentication',
  /** {@link VerdictCacheMessage}: the validator found a verdict in its cache, or computed one. */
  verdictCache: 'oidc-provider-mtls:verdict-cache',
  /** {@link ProxyUntrustedMessage}: a certificate header arrived from a source that is not a trusted proxy. */
  proxyUntrusted: 'oidc-provider-mtls:proxy-untrusted',
  /** {@link CertificateExpiringMessage}: a client authenticated with a certificate that expires soon. */
  certificateExpiring: 'oidc-provider-mtls:certificate-expiring',
  /** {@link RevocationFetchMessage}: a CRL or OCSP response was fetched, or the fetch failed. */
  revocationFetch: 'oidc-provider-mtls:revocation-fetch',
} as const);

/** Published on {@link CHANNELS.authentication}. */
export interface AuthenticationMessage {
  readonly outcome: 'accepted' | 'refused';
  /** The client's `token_endpoint_auth_method` (e.g. `tls_client_auth`), when the client is known. */
  readonly method: string | undefined;
  readonly clientId: string | undefined;
  /** The refusal's `ERR_MTLS_*` code; absent when accepted. */
  readonly code?: string;
  /** Where the certificate came from: `socket`, a header format such as `rfc9440`, or `none`. */
  readonly source: string;
  /** The host's route name, e.g. `token`, `introspection`, `userinfo`. */
  readonly route: string | undefined;
}

/** Published on {@link CHANNELS.verdictCache}. */
export interface VerdictCacheMessage {
  readonly result: 'hit' | 'miss';
  /** `x5t#S256` of the leaf. */
  readonly thumbprint: string;
}

/** Published on {@link CHANNELS.proxyUntrusted}. */
export interface ProxyUntrustedMessage {
  /** The peer address the request came from. */
  readonly remoteAddress: string | undefined;
  /** Why the proxy was not trusted (the refusal's message). */
  readonly reason: string;
}

/** Published on {@link CHANNELS.certificateExpiring}. */
export interface CertificateExpiringMessage {
  readonly clientId: string;
  readonly method: string;
  /** `x5t#S256` of the certificate. */
  readonly thumbprint: string;
  readonly subject: string;
  /** `notAfter`, ISO 8601. */
  readonly notAfter: string;
  /** Whole days left (0 on the last day). */
  readonly daysLeft: number;
}

/** Published on {@link CHANNELS.revocationFetch}, once per network fetch (cached answers publish nothing). */
export interface RevocationFetchMessage {
  readonly method: 'crl' | 'ocsp';
  /** The distribution point or OCSP responder. */
  readonly url: string;
  /** `ok` when a complete 200 response arrived; what it proves is the checker's to decide. */
  readonly outcome: 'ok' | 'failed';
  /** Milliseconds from the request to the last byte, or to the failure. */
  readonly durationMs: number;
  /** Body size in bytes, when `ok`. */
  readonly bytes?: number;
  /** Why the fetch failed (timeout, status, size, network), when `failed`. */
  readonly error?: string;
}

/** The channel objects, looked up once. */
export const channels = {
  authentication: channel(CHANNELS.authentication),
  verdictCache: channel(CHANNELS.verdictCache),
  proxyUntrusted: channel(CHANNELS.proxyUntrusted),
  certificateExpiring: channel(CHANNELS.certificateExpiring),
  revocationFetch: channel(CHANNELS.revocationFetch),
};
