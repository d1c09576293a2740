import { satisfiesPolicies } from '../certificate/policies.js';
import type { ChainVerdict, ValidChain } from '../certificate/verify.js';
import { CertificateRejectedError } from '../errors.js';

/** Client metadata pinning the trust anchors a `tls_client_auth` client may chain to. */
export const ANCHOR_PINS = 'tls_client_auth_anchor_pins';
/** Client metadata naming the certificate policies a `tls_client_auth` client's path must be valid for. */
export const CERTIFICATE_POLICIES = 'tls_client_auth_certificate_policies';

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.length > 0 && value.every((entry) => typeof entry === 'string');
}

/**
 * Whether one of the verdict's valid paths (the first one built, then those to other anchors the
 * intake found for cross-signed CAs) suits the client's registration: it ends at an anchor in
 * `pins` and is valid for one of `policies` (RFC 5280 6.1 with that user-initial-policy-set and
 * an explicit policy required). Returns the refusal when none does. Only reads: every path and
 * its policy set were computed by the intake middleware.
 */
export function clientPathRefusal(
  verdict: Extract<ChainVerdict, { valid: true }>,
  pins: unknown,
  policies: unknown,
): CertificateRejectedError | undefined {
  const paths: readonly ValidChain[] = [verdict, ...(verdict.alternatives ?? [])];
  const pinned = isStringList(pins) ? paths.filter((path) => pins.includes(path.anchor.spkiSha256)) : paths;
  if (pinned.length === 0) {
    return new CertificateRejectedError(
      'ERR_MTLS_ANCHOR_NOT_ALLOWED',
      `the certificate chains only to trust anchors this client is not pinned to (${ANCHOR_PINS})`,
    );
  }
  if (isStringList(policies) && !pinned.some((path) => satisfiesPolicies(path.policies, policies))) {
    const offered = [...new Set(pinned.flatMap((path) => path.policies))];
    return new CertificateRejectedError(
      'ERR_MTLS_POLICY',
      `the certificate path is valid for none of the client's certificate policies (${CERTIFICATE_POLICIES}: ${policies.join(', ')}); it is valid for: ${offered.length ? offered.join(', ') : 'no policy'}`,
    );
  }
  return undefined;
}
