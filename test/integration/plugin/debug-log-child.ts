// Run by observability.test.ts with NODE_DEBUG=oidc-provider-mtls: one refused token request.
import { postForm, tlsFetch } from '../../support/client.js';
import { createTestPki } from '../../support/pki.js';
import { startTestProvider } from '../../support/provider.js';

const pki = await createTestPki();
const op = await startTestProvider({
  pki,
  clients: [{ client_id: 'tls-cc', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }] as never,
});
try {
  await postForm(tlsFetch(pki.root, pki.clientB), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: 'tls-cc' });
} finally {
  await op.close();
}
