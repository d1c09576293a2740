import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Provider } from 'oidc-provider';
import { createMtls } from '../../src/index.js';
import { ConfigurationError } from '../../src/errors.js';
import { fapi1Advanced, fapi2SecurityProfile } from '../../src/fapi/index.js';
import { createTestPki, type TestPki } from '../support/pki.js';

const ISSUER = 'https://op.example.test';

/** Provider signing keys for PS256 (RSA) and ES256 (P-256), generated here. */
function signingJwks() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return { keys: [{ ...rsa, alg: 'PS256', use: 'sig' }, { ...ec, alg: 'ES256', use: 'sig' }] };
}

function refuses(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, `expected a ConfigurationError, got ${String(error)}`);
    assert.equal(error.code, 'ERR_MTLS_INVALID_OPTION');
    assert.match(error.message, message);
    return true;
  });
}

async function refusesClient(provider: Provider, metadata: Record<string, unknown>, message: RegExp): Promise<void> {
  await assert.rejects(provider.Client.validate(metadata as never), (error: { error?: string; error_description?: string }) => {
    assert.equal(error.error, 'invalid_client_metadata');
    assert.match(String(error.error_description), message);
    return true;
  });
}

describe('fapi2SecurityProfile()', () => {
  let pki: TestPki;
  before(async () => { pki = await createTestPki(); });
  const plugin = () => createMtls({ trustAnchors: [pki.root.pem], mtlsOrigin: 'https://mtls.op.example.test' });

  it('sets what FAPI 2.0 requires and leaves the rest of the configuration alone', () => {
    const user = { features: { introspection: { enabled: true } }, ttl: { AccessToken: 300 }, scopes: ['openid', 'accounts'] };
    const before = structuredClone(user);
    const config = fapi2SecurityProfile(plugin()).configure(user) as Record<string, any>;

    assert.deepEqual(config.features.fapi, { enabled: true, profile: '2.0' });
    assert.deepEqual(config.features.pushedAuthorizationRequests, { enabled: true, requirePushedAuthorizationRequests: true });
    assert.deepEqual(config.features.dPoP, { enabled: false });
    assert.equal(config.features.mTLS.certificateBoundAccessTokens, true);
    assert.deepEqual(config.features.introspection, { enabled: true });
    assert.deepEqual(config.clientAuthMethods, ['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']);
    assert.deepEqual(config.responseTypes, ['code']);
    assert.deepEqual(config.enabledJWA.idTokenSigningAlgValues, ['PS256', 'ES256', 'EdDSA', 'Ed25519']);
    assert.deepEqual(config.enabledJWA.clientAuthSigningAlgValues, ['PS256', 'ES256', 'EdDSA', 'Ed25519']);
    assert.equal(config.clientDefaults.id_token_signed_response_alg, 'PS256');
    assert.equal(config.rotateRefreshToken, false);
    assert.equal(config.pkce, undefined, 'the host\'s default pkce.required already follows features.fapi');
    assert.deepEqual(config.ttl, { AccessToken: 300 });
    assert.deepEqual(config.scopes, ['openid', 'accounts']);
    assert.deepEqual(user, before, 'the user\'s object is untouched');
  });

  it('produces a configuration the host accepts, with FAPI 2.0 discovery', async () => {
    const mtls = fapi2SecurityProfile(plugin());
    const provider = new Provider(ISSUER, mtls.configure({ jwks: signingJwks() }));
    mtls.attach(provider);
    assert.equal(mtls.profile, '2.0');
    const response = await fetchDiscovery(provider);
    assert.equal(response.require_pushed_authorization_requests, true);
    assert.deepEqual(response.response_types_supported, ['code']);
    assert.deepEqual(response.token_endpoint_auth_methods_supported, ['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']);
    assert.deepEqual(response.code_challenge_methods_supported, ['S256']);
    assert.equal(response.tls_client_certificate_bound_access_tokens, true);
    assert.equal(response.authorization_response_iss_parameter_supported, true);
    assert.equal(response.dpop_signing_alg_values_supported, undefined);
    // The host advertises only the permitted algorithms it holds keys for (here PS256 and ES256).
    assert.deepEqual(response.id_token_signing_alg_values_supported, ['PS256', 'ES256']);
    assert.equal(typeof (response.mtls_endpoint_aliases as Record<string, string>).token_endpoint, 'string');
  });

  it('refuses settings that contradict the profile, naming the setting and the fix', () => {
    const mtls = fapi2SecurityProfile(plugin());
    refuses(() => mtls.configure({ clientAuthMethods: ['private_key_jwt', 'client_secret_basic'] }), /^clientAuthMethods includes client_secret_basic, which FAPI 2.0 Security Profile does not allow; keep only tls_client_auth, self_signed_tls_client_auth, private_key_jwt$/);
    refuses(() => mtls.configure({ features: { fapi: { enabled: false } } }), /^features.fapi.enabled is false, .*remove it/);
    refuses(() => mtls.configure({ features: { fapi: { profile: '1.0 Final' } } }), /^features.fapi.profile is "1.0 Final", .*remove it/);
    refuses(() => mtls.configure({ features: { pushedAuthorizationRequests: { requirePushedAuthorizationRequests: false } } }), /^features.pushedAuthorizationRequests.requirePushedAuthorizationRequests is false/);
    refuses(() => mtls.configure({ features: { pushedAuthorizationRequests: { enabled: false } } }), /^features.pushedAuthorizationRequests.enabled is false/);
    refuses(() => mtls.configure({ responseTypes: ['code', 'code id_token'] }), /^responseTypes includes code id_token, .*keep only code$/);
    refuses(() => mtls.configure({ enabledJWA: { idTokenSigningAlgValues: ['RS256', 'PS256'] } }), /^enabledJWA.idTokenSigningAlgValues includes RS256, .*keep only PS256, ES256, EdDSA, Ed25519$/);
    refuses(() => mtls.configure({ clientDefaults: { id_token_signed_response_alg: 'RS256' } }), /^clientDefaults.id_token_signed_response_alg is "RS256"/);
    refuses(() => mtls.configure({ clientDefaults: { token_endpoint_auth_method: 'client_secret_basic' } }), /^clientDefaults.token_endpoint_auth_method is "client_secret_basic"/);
    refuses(() => mtls.configure({ pkce: { required: () => false } }), /^pkce.required is set .*remove it/);
    refuses(() => mtls.configure({ ttl: { AuthorizationCode: 600 } }), /^ttl.AuthorizationCode is 600 seconds, .*use at most 60$/);
    refuses(() => mtls.configure({ rotateRefreshToken: true }), /^rotateRefreshToken is true/);
    refuses(() => mtls.configure({ features: { dPoP: { enabled: true } } }), /^features.dPoP.enabled is true, .*fapi2SecurityProfile\(mtls, \{ dpop: true \}\)/);
    refuses(() => mtls.configure({ features: { pushedAuthorizationRequests: { allowUnregisteredRedirectUris: true } } }), /^features.pushedAuthorizationRequests.allowUnregisteredRedirectUris is true, .*remove it/);
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
    refuses(() => mtls.configure({ jwks: { keys: [{ ...short, kid: 'old', alg: 'PS256' }] } }), /^jwks key "old" \(RSA, 1024 bits\) is too short for FAPI 2.0 Security Profile; RSA keys need at least 2048 bits and EC keys a curve of at least 224 bits$/);
  });

  it('refuses a clockTolerance outside 10 to 60 seconds (5.3.2.1 item 13) and keeps the one it allows', () => {
    const mtls = fapi2SecurityProfile(plugin());
    for (const clockTolerance of [61, 120, 9, 0, 15.5, '15']) {
      refuses(() => mtls.configure({ clockTolerance }), /^clockTolerance is .+, which FAPI 2.0 Security Profile does not allow; use whole seconds from 10 .* to 60 /);
    }
    assert.equal((mtls.configure({}) as Record<string, unknown>).clockTolerance, 15, 'the host\'s default, stated');
    assert.equal((mtls.configure({ clockTolerance: 60 }) as Record<string, unknown>).clockTolerance, 60);
    assert.equal((mtls.configure({ clockTolerance: 10 }) as Record<string, unknown>).clockTolerance, 10);
  });

  it('refuses a plugin that issues no bound tokens, unless DPoP is allowed', () => {
    const unbound = createMtls({ trustAnchors: [pki.root.pem], certificateBoundAccessTokens: false });
    refuses(() => fapi2SecurityProfile(unbound).configure({}), /^certificateBoundAccessTokens is off .*turn it on, or allow DPoP/);
    const config = fapi2SecurityProfile(unbound, { dpop: true }).configure({}) as Record<string, any>;
    assert.deepEqual(config.features.dPoP, { enabled: true });
  });

  it('validates its own arguments', () => {
    refuses(() => fapi2SecurityProfile({} as never), /fapi2SecurityProfile\(\) takes the plugin returned by createMtls\(\)/);
    refuses(() => fapi2SecurityProfile(plugin(), { dpop: 'yes' as never }), /options.dpop must be a boolean/);
    refuses(() => fapi2SecurityProfile(plugin(), { DPoP: true } as never), /^DPoP is not an option of fapi2SecurityProfile \(did you mean dpop\?\)$/);
  });

  it('refuses clients without a FAPI auth method or without bound tokens, at registration', async () => {
    const mtls = fapi2SecurityProfile(plugin());
    const provider = new Provider(ISSUER, mtls.configure({ jwks: signingJwks() }));
    const base = { client_id: 'c', redirect_uris: ['https://rp.example.test/cb'], tls_client_auth_subject_dn: 'CN=c', token_endpoint_auth_method: 'tls_client_auth', tls_client_certificate_bound_access_tokens: true };
    await provider.Client.validate(base as never);
    await refusesClient(provider, { ...base, token_endpoint_auth_method: 'client_secret_basic', client_secret: 'x'.repeat(32) }, /token_endpoint_auth_method "client_secret_basic" is not allowed by FAPI 2.0 Security Profile/);
    const { token_endpoint_auth_method: _omitted, ...defaulted } = base;
    await refusesClient(provider, defaulted, /token_endpoint_auth_method "client_secret_basic" is not allowed/);
    await refusesClient(provider, { ...base, tls_client_certificate_bound_access_tokens: false }, /requires sender-constrained access tokens; register tls_client_certificate_bound_access_tokens: true$/);
    await refusesClient(provider, { ...base, dpop_bound_access_tokens: true, tls_client_certificate_bound_access_tokens: false }, /register tls_client_certificate_bound_access_tokens: true$/);
  });

  it('accepts DPoP-bound clients when DPoP is allowed', async () => {
    const mtls = fapi2SecurityProfile(plugin(), { dpop: true });
    const provider = new Provider(ISSUER, mtls.configure({ jwks: signingJwks() }));
    const base = { client_id: 'd', redirect_uris: ['https://rp.example.test/cb'], tls_client_auth_subject_dn: 'CN=d', token_endpoint_auth_method: 'tls_client_auth' };
    await provider.Client.validate({ ...base, dpop_bound_access_tokens: true } as never);
    await refusesClient(provider, base, /register tls_client_certificate_bound_access_tokens: true or dpop_bound_access_tokens: true$/);
  });
});

describe('fapi1Advanced()', () => {
  let pki: TestPki;
  before(async () => { pki = await createTestPki(); });
  const plugin = () => createMtls({ trustAnchors: [pki.root.pem] });

  it('sets the host\'s 1.0 Final profile, signed request objects, JARM and mTLS-bound tokens', async () => {
    const mtls = fapi1Advanced(plugin());
    const config = mtls.configure({ jwks: signingJwks() }) as Record<string, any>;
    assert.deepEqual(config.features.fapi, { enabled: true, profile: '1.0 Final' });
    assert.deepEqual(config.features.requestObjects, { enabled: true, requireSignedRequestObject: true });
    assert.deepEqual(config.features.jwtResponseModes, { enabled: true });
    assert.deepEqual(config.features.dPoP, { enabled: false });
    assert.equal(config.features.pushedAuthorizationRequests, undefined, 'PAR stays optional');
    assert.deepEqual(config.responseTypes, ['code id_token', 'code']);
    assert.deepEqual(config.enabledJWA.requestObjectSigningAlgValues, ['PS256', 'ES256']);
    assert.equal(config.rotateRefreshToken, undefined);
    assert.equal(config.allowOmittingSingleRegisteredRedirectUri, false, 'redirect_uri in every request (Part 1 5.2.2 item 9)');
    assert.equal(config.assertJwtClientAuthClaimsAndHeader, undefined, 'the host\'s own checks apply to client assertions');

    const provider = new Provider(ISSUER, config);
    const discovery = await fetchDiscovery(provider);
    assert.equal(discovery.require_signed_request_object, true);
    assert.deepEqual(discovery.response_types_supported, ['code id_token', 'code']);
    assert.ok((discovery.response_modes_supported as string[]).includes('jwt'));
    assert.deepEqual(discovery.authorization_signing_alg_values_supported, ['PS256', 'ES256']);
  });

  it('requires PKCE at the PAR endpoint even with the user\'s own pkce.required', () => {
    const config = fapi1Advanced(plugin()).configure({ pkce: { required: () => false } }) as Record<string, any>;
    const required = config.pkce.required as (ctx: unknown, client: unknown) => boolean;
    assert.equal(required({ oidc: { route: 'pushed_authorization_request' } }, {}), true);
    assert.equal(required({ oidc: { route: 'authorization' } }, {}), false);
  });

  it('refuses DPoP, EdDSA, plain code without JARM, and a 2.0 profile', () => {
    const mtls = fapi1Advanced(plugin());
    refuses(() => mtls.configure({ features: { dPoP: { enabled: true } } }), /^features.dPoP.enabled is true, .*binds tokens to certificates \(mTLS\) only$/);
    refuses(() => mtls.configure({ enabledJWA: { clientAuthSigningAlgValues: ['PS256', 'EdDSA'] } }), /includes EdDSA, which FAPI 1.0 Advanced does not allow/);
    refuses(() => mtls.configure({ features: { jwtResponseModes: { enabled: false } } }), /^features.jwtResponseModes.enabled is false while responseTypes includes "code"/);
    refuses(() => mtls.configure({ features: { requestObjects: { requireSignedRequestObject: false } } }), /^features.requestObjects.requireSignedRequestObject is false/);
    refuses(() => mtls.configure({ features: { fapi: { profile: '2.0' } } }), /^features.fapi.profile is "2.0"/);
    refuses(() => mtls.configure({ allowOmittingSingleRegisteredRedirectUri: true }), /^allowOmittingSingleRegisteredRedirectUri is true .*, which FAPI 1.0 Advanced does not allow; remove it or set it to false$/);
    refuses(() => mtls.configure({ features: { pushedAuthorizationRequests: { enabled: true, allowUnregisteredRedirectUris: true } } }), /^features.pushedAuthorizationRequests.allowUnregisteredRedirectUris is true/);
    const hybridOnly = mtls.configure({ responseTypes: ['code id_token'], features: { jwtResponseModes: { enabled: false } } }) as Record<string, any>;
    assert.deepEqual(hybridOnly.features.jwtResponseModes, { enabled: false }, 'code id_token alone does not need JARM');
  });
});

/** The discovery document, through the provider's own request handling. */
async function fetchDiscovery(provider: Provider): Promise<Record<string, unknown>> {
  const server = createServer(provider.callback());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    // The provider derives URLs from its issuer, so the plain-http loopback hop does not matter here.
    const response = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    assert.equal(response.status, 200);
    return await response.json() as Record<string, unknown>;
  } finally {
    server.close();
  }
}
