// Run by observability.test.ts with NODE_DEBUG=oidc-provider-mtls: one refused token request.
import { postForm, tlsFetch } from '../../support/client.js';
import { createTestPki } from '../../support/pki.js';
import { certificateClient, startTestProvider } from '../../support/provider.js';

const pki = await createTestPki();
const op = await startTestProvider({
  pki,
  clients: [certificateClient()],
});
try {
  await postForm(tlsFetch(pki.root, pki.clientB), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: 'tls-cc' });
} finally {
  await op.close();
}
