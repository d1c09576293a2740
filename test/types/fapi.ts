// Type-level test of `oidc-provider-mtls/fapi` (FAPI presets and the TLS policy).
import { FAPI_CLIENT_AUTH_METHODS, fapi1Advanced, fapi2SecurityProfile, fapiTlsOptions, type FapiProfileName } from 'oidc-provider-mtls/fapi';

const profile: FapiProfileName = '2.0';
void [profile, FAPI_CLIENT_AUTH_METHODS, fapi1Advanced, fapi2SecurityProfile, fapiTlsOptions];

// @ts-expect-error no such profile
const other: FapiProfileName = '3.0';
void other;
