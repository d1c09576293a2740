// Type-level test of `oidc-provider-mtls/errors`: the one base class, its closed union of codes.
import { ConfigurationError, MtlsError, type MtlsErrorCode } from 'oidc-provider-mtls/errors';

declare const error: unknown;
if (error instanceof MtlsError) {
  const code: MtlsErrorCode = error.code;
  void code;
}
const configuration: MtlsError = new ConfigurationError('trustAnchors must be a non-empty array');
void configuration;

// @ts-expect-error codes are a closed union
const unknown: MtlsErrorCode = 'ERR_MTLS_SOMETHING_ELSE';
void unknown;
