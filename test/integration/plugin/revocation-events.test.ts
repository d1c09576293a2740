// The revocation policy at the token endpoint: an unknown status passes under soft-fail with an
// `mtls.warning` event, and is refused under hard-fail with ERR_MTLS_REVOCATION_UNKNOWN. Each
// fetch is published on the revocationFetch diagnostics channel.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { EventEmitter } from 'node:events';
import { CHANNELS, type RevocationEvent, type RevocationFetchMessage } from '../../../src/index.js';
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
        mtls: { revocation: { mode, scope: 'leaf', methods: ['ocsp'], timeout: 2, onEvent: (event) => observed.push(event) } },
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

  it('publishes each fetch on the revocationFetch channel: a complete answer as ok, an HTTP 404 as failed, with its latency', async () => {
    const messages: RevocationFetchMessage[] = [];
    const listener = (message: unknown) => messages.push(message as RevocationFetchMessage);
    subscribe(CHANNELS.revocationFetch, listener);
    const missing = await issue({ subject: 'CN=checked,O=Example Bank', issuer: pki.intermediate, extensions: [ocspAccess(`${responder.origin}/missing`)] });
    const op = await startTestProvider({ pki, clients: [client] as never, mtls: { revocation: { mode: 'soft-fail', scope: 'leaf', methods: ['ocsp'], timeout: 2 } } });
    try {
      // A 200 (garbage, which the checker then finds unusable), then a 404 once the responder answers properly.
      for (const [cert, behaviour] of [[leaf, 'garbage'], [missing, 'answer']] as const) {
        responder.behaviour = behaviour;
        const { status } = await postForm(tlsFetch(pki.root, cert), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: 'tls-client' });
        assert.equal(status, 200);
      }
      assert.equal(messages.length, 2, JSON.stringify(messages));
      const [answered, failed] = messages as [RevocationFetchMessage, RevocationFetchMessage];
      assert.deepEqual({ ...answered, durationMs: 0 }, { method: 'ocsp', url: responder.ocspUrl, outcome: 'ok', durationMs: 0, bytes: 35 });
      assert.equal(failed.method, 'ocsp');
      assert.equal(failed.url, `${responder.origin}/missing`);
      assert.equal(failed.outcome, 'failed');
      assert.match(failed.error!, /HTTP 404/);
      for (const message of messages) assert.ok(message.durationMs >= 0 && Number.isFinite(message.durationMs));
    } finally {
      responder.behaviour = 'garbage';
      unsubscribe(CHANNELS.revocationFetch, listener);
      await op.close();
    }
  });
});
