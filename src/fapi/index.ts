export { fapi2SecurityProfile, fapi1Advanced, type Fapi2Options, type FapiMtls } from './create.js';
export { fapiTlsOptions, type FapiTlsPolicyOptions, type FapiTlsSettings } from './tls.js';
export { FAPI_CLIENT_AUTH_METHODS, type FapiProfileName } from './profiles.js';
