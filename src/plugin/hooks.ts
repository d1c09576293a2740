import type { X509Certificate } from 'node:crypto';
import { offeredSubjectValues, subjectMatches, type SubjectProperty } from '../certificate/subject.js';
import {
  CertificateMissingError,
  CertificateRejectedError,
  HeaderMalformedError,
  type MtlsError,
  SubjectMismatchError,
} from '../errors.js';
import { ANCHOR_PINS, CERTIFICATE_POLICIES, clientPathRefusal } from './client-trust.js';
import { emitRefusal } from './events.js';
import { toOAuthError, type OAuthErrorKind } from './oauth-errors.js';
import { getRequestState } from './request-state.js';
import type { HostContext } from './host.js';

const TLS_METHODS = new Set(['tls_client_auth', 'self_signed_tls_client_auth']);
/** Routes that validate an access token the way the host's userinfo does. */
const RESOURCE_ROUTES = new Set(['userinfo', 'credential']);

/**
 * Which OAuth error a refusal becomes at this point of the request. The host calls
 * `getCertificate` from client authentication, from grant handlers (binding) and from its
 * resource endpoints, and each expects its own error.
 */
function errorKind(ctx: HostContext, cause: MtlsError): OAuthErrorKind {
  if (RESOURCE_ROUTES.has(ctx.oidc.route)) return 'invalid_token';
  if (cause instanceof HeaderMalformedError) return 'invalid_request';
  // A certificate-authenticated client cannot have passed client authentication without a
  // certificate, so a missing one here is always a client authentication failure.
  if (TLS_METHODS.has(ctx.oidc.client?.clientAuthMethod ?? '')) return 'invalid_client';
  return 'invalid_grant';
}

function refuse(ctx: HostContext, kind: OAuthErrorKind, error: MtlsError): never {
  emitRefusal(ctx.oidc.provider, ctx, error);
  throw toOAuthError(kind, error);
}

/**
 * `features.mTLS.getCertificate`. The host calls it only where a certificate is required (client
 * authentication, issuing or using a bound token), so an absent one is refused here with our code.
 */
export function getCertificate(ctx: HostContext): X509Certificate {
  const state = getRequestState(ctx.req);
  if (state?.certificate) {
    // The host matches a self-signed certificate by thumbprint alone; this is where its dates count.
    if (state.selfSignedRefusal && ctx.oidc.client?.clientAuthMethod === 'self_signed_tls_client_auth' && !RESOURCE_ROUTES.has(ctx.oidc.route)) {
      return refuse(ctx, 'invalid_client', state.selfSignedRefusal);
    }
    return state.certificate.leaf.x509;
  }
  // A refusal at intake was reported there already; here it only decides the answer.
  if (state?.refusal) throw toOAuthError(errorKind(ctx, state.refusal), state.refusal);
  const missing = new CertificateMissingError('client certificate was not provided');
  return refuse(ctx, errorKind(ctx, missing), missing);
}

/** `features.mTLS.certificateAuthorized`: reads the verdict the intake middleware computed. */
export function certificateAuthorized(ctx: HostContext): boolean {
  const verdict = getRequestState(ctx.req)?.verdict;
  if (verdict === undefined) {
    return refuse(ctx, 'invalid_client', new CertificateRejectedError('ERR_MTLS_CHAIN_UNTRUSTED', 'the client certificate was not verified'));
  }
  if (!verdict.valid) {
    return refuse(ctx, 'invalid_client', new CertificateRejectedError(verdict.code, verdict.message));
  }
  // Extra client metadata keeps its registered name on the host's client (metadata() would copy them all).
  const client = ctx.oidc.client;
  const refusal = clientPathRefusal(verdict, client?.[ANCHOR_PINS], client?.[CERTIFICATE_POLICIES]);
  if (refusal) return refuse(ctx, 'invalid_client', refusal);
  return true;
}

/** `features.mTLS.certificateSubjectMatches` (RFC 8705 section 2.1.2). */
export function certificateSubjectMatches(ctx: HostContext, property: string, expected: string): boolean {
  const leaf = getRequestState(ctx.req)?.certificate?.leaf;
  if (leaf === undefined) return false;
  const prop = property as SubjectProperty;
  if (subjectMatches(leaf, prop, expected)) return true;
  const offered = offeredSubjectValues(leaf, prop);
  const described = offered.length ? offered.map((value) => JSON.stringify(value)).join(', ') : 'none';
  return refuse(ctx, 'invalid_client', new SubjectMismatchError(
    property,
    offered,
    `the certificate does not match the registered ${property}; the certificate offers: ${described}`,
  ));
}
