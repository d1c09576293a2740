// RFC 8705 section 2: both client authentication methods end to end, over real TLS, with
// openid-client as the relying party, through the mTLS endpoint aliases.
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { createTestPki, issue, type TestPki } from '../../support/pki.js';
import { x5t } from '../../support/thumbprint.js';
import { discover, tlsFetch } from '../../support/client.js';
import { certificateClient, jwkWithCertificate, RESOURCE_JWT, startTestProvider, type TestProvider } from '../../support/provider.js';

describe('plugin: mTLS client authentication (RFC 8705 section 2)', () => {
  let pki: TestPki;
  let op: TestProvider;

  before(async () => {
    pki = await createTestPki();
    op = await startTestProvider({
      pki,
      clients: [
        certificateClient('tls-client', { tls_client_certificate_bound_access_tokens: true }),
        {
          client_id: 'tls-client-san',
          token_endpoint_auth_method: 'tls_client_auth',
          tls_client_auth_san_dns: 'CLIENT-A.example.com',
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: 'self-signed-client',
          token_endpoint_auth_method: 'self_signed_tls_client_auth',
          tls_client_certificate_bound_access_tokens: true,
          jwks: { keys: [jwkWithCertificate(pki.selfSigned)] },
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
      ] as never,
    });
  });

  after(() => op.close());

  it('advertises both methods, bound tokens and the mTLS aliases in discovery (RFC 8705 sections 2.3, 3.3, 5)', async () => {
    const response = await tlsFetch(pki.root)(`${op.issuer}/.well-known/openid-configuration`);
    const body = await response.json() as Record<string, unknown>;
    for (const key of ['token_endpoint_auth_methods_supported', 'introspection_endpoint_auth_methods_supported', 'revocation_endpoint_auth_methods_supported']) {
      assert.ok((body[key] as string[]).includes('tls_client_auth'), key);
      assert.ok((body[key] as string[]).includes('self_signed_tls_client_auth'), key);
    }
    assert.equal(body.tls_client_certificate_bound_access_tokens, true);
    assert.deepEqual(body.mtls_endpoint_aliases, {
      token_endpoint: `${op.mtlsOrigin}/token`,
      revocation_endpoint: `${op.mtlsOrigin}/token/revocation`,
      introspection_endpoint: `${op.mtlsOrigin}/token/introspection`,
      userinfo_endpoint: `${op.mtlsOrigin}/me`,
      pushed_authorization_request_endpoint: `${op.mtlsOrigin}/request`,
    });
  });

  it('tls_client_auth: a certificate chaining to the anchor with the registered subject DN gets a bound JWT access token', async () => {
    const fetch = tlsFetch(pki.root, pki.clientA);
    const config = await discover(op.issuer, 'tls-client', { use_mtls_endpoint_aliases: true }, oidc.TlsClientAuth(), fetch);
    const tokens = await oidc.clientCredentialsGrant(config, { resource: RESOURCE_JWT, scope: 'api:read' });
    const claims = decodeJwt(tokens.access_token);
    assert.deepEqual(claims.cnf, { 'x5t#S256': x5t(pki.clientA) });
    assert.equal(claims.client_id, 'tls-client');
  });

  it('tls_client_auth: matches a registered SAN dNSName case-insensitively (RFC 8705 section 2.1.2)', async () => {
    const fetch = tlsFetch(pki.root, pki.clientA);
    const config = await discover(op.issuer, 'tls-client-san', { use_mtls_endpoint_aliases: true }, oidc.TlsClientAuth(), fetch);
    const tokens = await oidc.clientCredentialsGrant(config);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  });

  it('self_signed_tls_client_auth: the certificate registered in jwks gets a bound opaque token shown in introspection', async () => {
    const fetch = tlsFetch(pki.root, pki.selfSigned);
    const config = await discover(op.issuer, 'self-signed-client', { use_mtls_endpoint_aliases: true }, oidc.TlsClientAuth(), fetch);
    const tokens = await oidc.clientCredentialsGrant(config);
    const introspection = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(introspection.active, true);
    assert.deepEqual(introspection.cnf, { 'x5t#S256': x5t(pki.selfSigned) });
  });

  it('self_signed_tls_client_auth: a certificate not registered in jwks is refused with ERR_MTLS_CERT_UNREGISTERED (RFC 8705 section 2.2)', async () => {
    const other = await issue({ subject: 'CN=self-signed' });
    const config = await discover(op.issuer, 'self-signed-client', { use_mtls_endpoint_aliases: true }, oidc.TlsClientAuth(), tlsFetch(pki.root, other));
    await assert.rejects(oidc.clientCredentialsGrant(config), (error: oidc.ResponseBodyError) => {
      assert.equal(error.error, 'invalid_client');
      assert.match(error.error_description ?? '', /not registered in the client's jwks/);
      return true;
    });
    assert.equal(op.refusals.at(-1)?.code, 'ERR_MTLS_CERT_UNREGISTERED');
  });
});
