// The revocation policy at the token endpoint: an unknown status passes under soft-fail with an
// `mtls.warning` event, and is refused under hard-fail with ERR_MTLS_REVOCATION_UNKNOWN.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import type { RevocationEvent } from '../../../src/index.js';
import { postForm, tlsFetch } from '../../support/client.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { ocspAccess, startRevocationServer, type RevocationServer } from '../../support/revocation.js';
import { startTestProvider, type TestProvider } from '../../support/provider.js';

const client = {
  client_id: 'tls-client',
  token_endpoint_auth_method: 'tls_client_auth',
  tls_client_auth_subject_dn: 'CN=checked,O=Example Bank',
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
};

describe('plugin: revocation policy and mtls.warning (RFC 5280 section 6.3, RFC 6960)', () => {
  let pki: TestPki;
  let responder: RevocationServer;
  let leaf: TestCertificate;

  before(async () => {
    pki = await createTestPki();
    responder = await startRevocationServer();
    responder.behaviour = 'garbage';
    leaf = await issue({ subject: 'CN=checked,O=Example Bank', issuer: pki.intermediate, extensions: [ocspAccess(responder.ocspUrl)] });
  });

  after(() => responder.close());

  for (const mode of ['soft-fail', 'hard-fail'] as const) {
    it(`${mode}: a responder answering garbage ${mode === 'soft-fail' ? 'lets the client in with a warning event' : 'refuses with ERR_MTLS_REVOCATION_UNKNOWN'}`, async () => {
      const observed: RevocationEvent[] = [];
      const op: TestProvider = await startTestProvider({
        pki,
        clients: [client] as never,
        mtls: { revocation: { mode, scope: 'leaf', methods: ['ocsp'], timeout: 2000, onEvent: (event) => observed.push(event) } },
      });
      const warnings: RevocationEvent[] = [];
      (op.provider as unknown as EventEmitter).on('mtls.warning', (event: RevocationEvent) => warnings.push(event));
      try {
        const { status, body } = await postForm(tlsFetch(pki.root, leaf), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: 'tls-client' });
        if (mode === 'soft-fail') {
          assert.equal(status, 200, JSON.stringify(body));
        } else {
          assert.equal(status, 401);
          assert.equal(body.error, 'invalid_client');
          assert.deepEqual(op.refusals.map((error) => error.code), ['ERR_MTLS_REVOCATION_UNKNOWN']);
        }
        assert.equal(warnings.length, 1, 'the provider heard the warning');
        assert.equal(warnings[0]!.name, 'revocation.unknown');
        assert.equal(warnings[0]!.mode, mode);
        assert.deepEqual(observed, warnings, 'the user\'s own onEvent still runs');
      } finally {
        await op.close();
      }
    });
  }
});
