// A CRL/OCSP responder that hangs or answers garbage while clients keep authenticating: the
// configured policy decides (hard-fail refuses, soft-fail lets through), every request is answered
// within the fetch timeout, and concurrent requests share fetches instead of piling up one per
// request. A working responder under the same load refuses the revoked certificate only.
import assert from 'node:assert/strict';
import type { RevocationOptions } from '../../src/certificate/index.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../support/pki.js';
import { startTestProvider, type TestProvider } from '../support/provider.js';
import { crlDistributionPoint, createCrl, ocspAccess, startRevocationServer, type RevocationServer, type ServerBehaviour } from '../support/revocation.js';
import { mtlsAgent, post, runLoad, tally } from './support.js';

const REQUESTS = 200;
const CONCURRENCY = 25;
/** The revocation fetch timeout, in milliseconds here; the option takes seconds. */
const TIMEOUT = 300;
const CLIENTS = 4;

describe('load: revocation responders that hang or answer garbage', function () {
  this.timeout(120_000);
  let pki: TestPki;
  let responder: RevocationServer;
  let leaves: TestCertificate[];

  before(async () => {
    pki = await createTestPki();
    responder = await startRevocationServer();
    const pointers = [ocspAccess(responder.ocspUrl), crlDistributionPoint(responder.crlUrl)];
    leaves = [];
    for (let index = 0; index < CLIENTS; index += 1) {
      leaves.push(await issue({ subject: `CN=rev-${index},O=Example Bank,C=GB`, issuer: pki.intermediate, extensions: pointers }));
    }
  });

  after(() => responder?.close());

  /** A provider of its own (a fresh verdict cache) with `revocation`, and a load of token requests spread over the clients. */
  async function loadWith(behaviour: ServerBehaviour, revocation: RevocationOptions) {
    responder.behaviour = behaviour;
    const hitsBefore = Object.values(responder.hits).reduce((sum, count) => sum + count, 0);
    const op: TestProvider = await startTestProvider({
      pki,
      clients: leaves.map((_, index) => ({
        client_id: `rev-${index}`,
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: `CN=rev-${index},O=Example Bank,C=GB`,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      })) as never,
      mtls: { revocation: { timeout: TIMEOUT / 1000, scope: 'leaf', methods: ['ocsp', 'crl'], ...revocation } },
    });
    const agents = leaves.map((leaf) => mtlsAgent(pki.root, { pem: leaf.pem + pki.intermediate.pem, keyPem: leaf.keyPem }, CONCURRENCY));
    try {
      const outcomes = await runLoad(REQUESTS, CONCURRENCY, (index) => post({
        agent: agents[index % CLIENTS]!,
        url: `${op.mtlsOrigin}/token`,
        form: { grant_type: 'client_credentials', client_id: `rev-${index % CLIENTS}` },
      }, index));
      const fetches = Object.values(responder.hits).reduce((sum, count) => sum + count, 0) - hitsBefore;
      const slowest = Math.max(...outcomes.map((outcome) => outcome.latency));
      return { outcomes, fetches, slowest, refusals: op.refusals.map((error) => error.code) };
    } finally {
      await Promise.all(agents.map((agent) => agent.close()));
      await op.close();
    }
  }

  /** OCSP then CRL, each bounded by the timeout, plus generous room for a loaded machine. */
  const BOUND = 2 * TIMEOUT + 2_500;
  /** One OCSP fetch per certificate and one CRL fetch per certificate at most, whatever the request count. */
  const MAX_FETCHES = 2 * CLIENTS;

  for (const behaviour of ['hang', 'garbage'] as const) {
    it(`${behaviour}, hard-fail: every request refused with ERR_MTLS_REVOCATION_UNKNOWN, within the timeout, without a fetch per request`, async () => {
      const { outcomes, fetches, slowest, refusals } = await loadWith(behaviour, { mode: 'hard-fail' });
      assert.deepEqual(tally(outcomes), { '401 invalid_client': REQUESTS });
      assert.ok(refusals.length >= REQUESTS && refusals.every((code) => code === 'ERR_MTLS_REVOCATION_UNKNOWN'), [...new Set(refusals)].join());
      assert.ok(slowest < BOUND, `slowest request ${Math.round(slowest)} ms`);
      assert.ok(fetches > 0 && fetches <= MAX_FETCHES, `${fetches} responder requests for ${REQUESTS} token requests`);
    });

    it(`${behaviour}, soft-fail: every request served, within the timeout, without a fetch per request`, async () => {
      const events: string[] = [];
      const { outcomes, fetches, slowest } = await loadWith(behaviour, { mode: 'soft-fail', onEvent: (event) => events.push(event.name) });
      assert.deepEqual(tally(outcomes), { 200: REQUESTS });
      assert.ok(slowest < BOUND, `slowest request ${Math.round(slowest)} ms`);
      assert.ok(fetches > 0 && fetches <= MAX_FETCHES, `${fetches} responder requests for ${REQUESTS} token requests`);
      assert.ok(events.length > 0 && events.every((name) => name === 'revocation.unknown'), 'each unknown status is reported');
    });
  }

  it('a working responder under the same load: the revoked certificate is refused with ERR_MTLS_CERT_REVOKED, the others served', async () => {
    const revoked = leaves[CLIENTS - 1]!;
    responder.ocsp = { issuer: pki.intermediate, answer: { statuses: { [revoked.cert.serialNumber.toLowerCase()]: 'revoked' } } };
    responder.crl = await createCrl(pki.intermediate, { revoked: [revoked] });
    const { outcomes, fetches, refusals } = await loadWith('answer', { mode: 'hard-fail' });
    const perClient = (index: number) => tally(outcomes.filter((outcome) => outcome.index % CLIENTS === index));
    for (let index = 0; index < CLIENTS - 1; index += 1) assert.deepEqual(perClient(index), { 200: REQUESTS / CLIENTS });
    assert.deepEqual(perClient(CLIENTS - 1), { '401 invalid_client': REQUESTS / CLIENTS });
    assert.deepEqual([...new Set(refusals)], ['ERR_MTLS_CERT_REVOKED']);
    assert.ok(fetches <= MAX_FETCHES, `${fetches} responder requests`);
  });
});
