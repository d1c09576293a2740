// A revoked client certificate at the token endpoint of a provider in hard-fail mode, when whoever
// sits on the plain-HTTP path to the CRL server swaps the CRL for another genuinely signed one:
// the CRL of another shard (whose scope names another distribution point) or a CRL of CA
// certificates only. Neither proves anything about the client, so the status is unknown and
// hard-fail refuses. Controls: the shard's own CRL refuses the revoked certificate and lets a
// good one in; a revocation on the second of two reason-split distribution points is found.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import * as x509 from '@peculiar/x509';
import { postForm, tlsFetch } from '../../support/client.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { startTestProvider, type TestProvider } from '../../support/provider.js';
import { createCrl, crlDistributionPoint, crlDistributionPoints, issuingDistributionPoint, startRevocationServer, type RevocationServer } from '../../support/revocation.js';

const common = { token_endpoint_auth_method: 'tls_client_auth', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };

describe('attacks: a CRL whose scope does not cover the client certificate (RFC 5280 6.3.3)', () => {
  let pki: TestPki;
  let responder: RevocationServer;
  let op: TestProvider;
  const url = (path: string) => `${responder.origin}${path}`;
  const certs: Record<string, TestCertificate> = {};

  before(async () => {
    pki = await createTestPki();
    responder = await startRevocationServer();
    const leaf = (name: string, extensions: x509.Extension[]) => issue({ subject: `CN=${name},O=Example Bank,C=GB`, issuer: pki.intermediate, extensions });
    for (const name of ['swapped-shard', 'swapped-ca-only', 'shard-revoked', 'shard-good']) {
      certs[name] = await leaf(name, [crlDistributionPoint(url(`/crl/${name}`))]);
    }
    const routine = ['affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn', 'aACompromise'] as const;
    certs['split'] = await leaf('split', [crlDistributionPoints([
      { urls: [url('/crl/split-key')], reasons: ['keyCompromise', 'cACompromise'] },
      { urls: [url('/crl/split-routine')], reasons: [...routine] },
    ])]);
    const scope = (path: string, extra: Parameters<typeof issuingDistributionPoint>[0] = {}) => issuingDistributionPoint({ urls: [url(path)], ...extra });
    const shard2 = await createCrl(pki.intermediate, { extensions: [scope('/crl/shard-2')] });
    // The attacker's substitutions: genuine, current, signed by the issuing CA, and silent about the client.
    responder.crls['/crl/swapped-shard'] = shard2;
    responder.crls['/crl/swapped-ca-only'] = await createCrl(pki.intermediate, { extensions: [scope('/crl/swapped-ca-only', { onlyContainsCACerts: true })] });
    // What the CA publishes.
    responder.crls['/crl/shard-revoked'] = await createCrl(pki.intermediate, { revoked: [certs['shard-revoked']!], extensions: [scope('/crl/shard-revoked')] });
    responder.crls['/crl/shard-good'] = await createCrl(pki.intermediate, { revoked: [certs['shard-revoked']!], extensions: [scope('/crl/shard-good')] });
    responder.crls['/crl/split-key'] = await createCrl(pki.intermediate, { extensions: [scope('/crl/split-key', { onlySomeReasons: ['keyCompromise', 'cACompromise'] })] });
    responder.crls['/crl/split-routine'] = await createCrl(pki.intermediate, {
      entries: [{ cert: certs['split']!, reason: x509.X509CrlReason.superseded }],
      extensions: [scope('/crl/split-routine', { onlySomeReasons: [...routine] })],
    });
    op = await startTestProvider({
      pki,
      clients: Object.keys(certs).map((name) => ({ client_id: name, tls_client_auth_subject_dn: `CN=${name},O=Example Bank,C=GB`, ...common })) as never,
      mtls: { revocation: { mode: 'hard-fail', methods: ['crl'], scope: 'leaf', timeout: 2 } },
    });
  });

  after(async () => {
    await op?.close();
    await responder?.close();
  });

  async function attempt(name: string) {
    const before = op.refusals.length;
    const cert = certs[name]!;
    const response = await postForm(tlsFetch(pki.root, { ...cert, pem: cert.pem + pki.intermediate.pem }), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: name });
    return { ...response, codes: op.refusals.slice(before).map((error) => error.code) };
  }

  for (const [name, what] of [['swapped-shard', 'the CRL of another shard'], ['swapped-ca-only', 'a CRL of CA certificates only']] as const) {
    it(`${what} served at the client's distribution point: 401 invalid_client, ERR_MTLS_REVOCATION_UNKNOWN`, async () => {
      const { status, body, codes } = await attempt(name);
      assert.equal(status, 401, JSON.stringify(body));
      assert.equal(body.error, 'invalid_client');
      assert.deepEqual(codes, ['ERR_MTLS_REVOCATION_UNKNOWN']);
    });
  }

  it('control: the shard\'s own CRL refuses the certificate it lists (ERR_MTLS_CERT_REVOKED) and lets another in (200)', async () => {
    const revoked = await attempt('shard-revoked');
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.error, 'invalid_client');
    assert.deepEqual(revoked.codes, ['ERR_MTLS_CERT_REVOKED']);
    const good = await attempt('shard-good');
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.equal(good.body.token_type, 'Bearer');
  });

  it('a certificate revoked as superseded on the second of two reason-split distribution points: 401, ERR_MTLS_CERT_REVOKED', async () => {
    const { status, body, codes } = await attempt('split');
    assert.equal(status, 401);
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(codes, ['ERR_MTLS_CERT_REVOKED']);
    assert.equal(responder.hits['/crl/split-routine'], 1, 'the second point\'s CRL was fetched');
  });
});
