import assert from 'node:assert/strict';
import { extendDiscovery } from '../../src/plugin/discovery.js';

describe('extendDiscovery (RFC 8705 section 5)', () => {
  it('aliases every enabled endpoint on the mTLS origin, keeping the issuer\'s path prefix', () => {
    const body: Record<string, unknown> = {
      issuer: 'https://op.example.com/oidc',
      authorization_endpoint: 'https://op.example.com/oidc/auth',
      token_endpoint: 'https://op.example.com/oidc/token',
      introspection_endpoint: 'https://op.example.com/oidc/token/introspection',
      userinfo_endpoint: 'https://op.example.com/oidc/me',
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'tls_client_auth'],
    };
    extendDiscovery(body, 'https://mtls.example.com');
    assert.deepEqual(body.mtls_endpoint_aliases, {
      token_endpoint: 'https://mtls.example.com/oidc/token',
      introspection_endpoint: 'https://mtls.example.com/oidc/token/introspection',
      userinfo_endpoint: 'https://mtls.example.com/oidc/me',
    });
    assert.deepEqual(body.introspection_endpoint_auth_methods_supported, ['private_key_jwt', 'tls_client_auth']);
    assert.equal(body.revocation_endpoint_auth_methods_supported, undefined, 'no revocation endpoint, no methods for it');
    assert.equal(body.authorization_endpoint, 'https://op.example.com/oidc/auth', 'the authorization endpoint is never aliased');
  });

  it('adds no aliases without an mTLS origin, and keeps methods the host already lists', () => {
    const body: Record<string, unknown> = {
      token_endpoint: 'https://op.example.com/token',
      revocation_endpoint: 'https://op.example.com/token/revocation',
      revocation_endpoint_auth_methods_supported: ['client_secret_basic'],
      token_endpoint_auth_methods_supported: ['tls_client_auth'],
    };
    extendDiscovery(body, undefined);
    assert.equal('mtls_endpoint_aliases' in body, false);
    assert.deepEqual(body.revocation_endpoint_auth_methods_supported, ['client_secret_basic']);
  });
});
