// A slow-loris revocation responder: it accepts the connection, answers 200 at once, then sends
// one byte at a time and never finishes. The fetch timeout covers the whole exchange (connection
// to last byte), so the token request is answered within it, the configured policy decides, and
// our side closes the connection instead of holding it open.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tlsFetch, postForm } from '../../support/client.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { startTestProvider } from '../../support/provider.js';
import { crlDistributionPoint, ocspAccess } from '../../support/revocation.js';

/** The revocation fetch timeout, in milliseconds here; the option takes seconds. */
const TIMEOUT = 300;

describe('attacks: a slow-loris CRL or OCSP responder', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let responder: Server;
  let origin: string;
  let leaf: TestCertificate;
  let closed = 0; // responder connections that ended

  before(async () => {
    responder = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/pkix-crl' });
      const drip = setInterval(() => res.write(Buffer.from([0x30])), 50);
      res.socket!.once('close', () => {
        clearInterval(drip);
        closed += 1;
      });
    });
    responder.listen(0, '127.0.0.1');
    await once(responder, 'listening');
    origin = `http://127.0.0.1:${(responder.address() as AddressInfo).port}`;
    pki = await createTestPki();
    leaf = await issue({
      subject: 'CN=slow,O=Example Bank,C=GB',
      issuer: pki.intermediate,
      extensions: [ocspAccess(`${origin}/ocsp`), crlDistributionPoint(`${origin}/crl`)],
    });
  });

  after(async () => {
    responder.closeAllConnections();
    responder.close();
  });

  for (const [method, mode, status] of [['crl', 'hard-fail', 401], ['ocsp', 'hard-fail', 401], ['crl', 'soft-fail', 200]] as const) {
    it(`${method.toUpperCase()}, ${mode}: answered ${status} within the timeout, the dripping connection closed by us`, async () => {
      closed = 0;
      const op = await startTestProvider({
        pki,
        clients: [{ client_id: 'slow', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=slow,O=Example Bank,C=GB', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }] as never,
        mtls: { revocation: { methods: [method], mode, timeout: TIMEOUT / 1000, scope: 'leaf' } },
      });
      try {
        // The responder never finishes: an answer at all (within mocha's timeout) shows the fetch
        // timeout ended the exchange. How fast is for test:load and the bench, not this suite.
        const response = await postForm(tlsFetch(pki.root, { ...leaf, pem: leaf.pem + pki.intermediate.pem }), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: 'slow' });
        assert.equal(response.status, status, JSON.stringify(response.body));
        if (status === 401) {
          assert.equal(response.body.error, 'invalid_client');
          assert.deepEqual(op.refusals.map((error) => error.code), ['ERR_MTLS_REVOCATION_UNKNOWN']);
          assert.match(op.refusals[0]!.message, new RegExp(`within ${TIMEOUT} ms`));
        }
        // The responder saw its connection closed by the fetch timeout, not left dripping.
        for (let wait = 0; wait < 40 && closed === 0; wait += 1) await new Promise((resolve) => setTimeout(resolve, 25));
        assert.equal(closed, 1, 'one fetch, closed');
      } finally {
        await op.close();
      }
    });
  }
});
