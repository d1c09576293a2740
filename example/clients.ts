import { X509Certificate } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import type { ExamplePki } from './pki.js';

export const RESOURCE = 'https://api.example.test';

/** The resource server's own registration, for introspecting opaque tokens (a demo-only secret). */
export const RESOURCE_SERVER_CLIENT = {
  client_id: 'demo-resource-server',
  client_secret: 'demo-only-introspection-secret-not-for-production',
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: [],
  response_types: [],
  redirect_uris: [],
} as const satisfies ClientMetadata;

/** The demo clients: one per authentication method, both with certificate-bound tokens, and the resource server. */
export function exampleClients(pki: ExamplePki): ClientMetadata[] {
  const selfSignedJwk = new X509Certificate(pki.selfSigned.pem).publicKey.export({ format: 'jwk' });
  return [
    { ...RESOURCE_SERVER_CLIENT, grant_types: [], response_types: [], redirect_uris: [] },
    {
      client_id: 'demo-tls',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB',
      tls_client_certificate_bound_access_tokens: true,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: 'demo-self-signed',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [{ ...selfSignedJwk, x5c: [pki.selfSigned.der.toString('base64')] } as never] },
      tls_client_certificate_bound_access_tokens: true,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
  ];
}
