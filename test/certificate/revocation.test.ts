// Revocation against real responders on loopback: an OCSP responder and a CRL server written
// with the ASN.1 libraries (test/support/revocation.ts), including the failures that matter.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import sinon from 'sinon';
import { createCertificateValidator, verifyCertificateChain, type ChainVerdict, type RevocationEvent, type RevocationOptions, ClientCertificate } from '../../src/certificate/index.js';
import { issue, OID, type TestCertificate } from '../support/pki.js';
import { createCrl, crlDistributionPoint, ocspAccess, startRevocationServer, type RevocationServer } from '../support/revocation.js';

const code = (verdict: ChainVerdict): string => (verdict.valid ? 'valid' : verdict.code);

describe('certificate/revocation (RFC 5280 6.3, RFC 6960)', () => {
  let server: RevocationServer;
  let root: TestCertificate;
  let ica: TestCertificate;
  let leaf: TestCertificate;
  let revokedLeaf: TestCertificate;
  const serial = (cert: TestCertificate) => cert.cert.serialNumber.toLowerCase();

  before(async () => {
    server = await startRevocationServer();
    root = await issue({ subject: 'CN=Revocation Root', ca: true });
    ica = await issue({ subject: 'CN=Revocation CA', ca: true, issuer: root });
    const pointers = [ocspAccess(server.ocspUrl), crlDistributionPoint(server.crlUrl)];
    leaf = await issue({ subject: 'CN=good client', issuer: ica, extensions: pointers });
    revokedLeaf = await issue({ subject: 'CN=revoked client', issuer: ica, extensions: pointers });
  });
  after(() => server.close());
  beforeEach(() => {
    server.behaviour = 'answer';
    server.crl = undefined;
    server.ocsp = undefined;
  });

  const verify = (cert: TestCertificate, revocation: RevocationOptions) => verifyCertificateChain(cert.pem, {
    trustAnchors: [root.pem], intermediates: [ica.pem], revocation: { scope: 'leaf', timeout: 0.5, ...revocation },
  });

  describe('OCSP (RFC 6960)', () => {
    it('accepts a good status and refuses a revoked one with ERR_MTLS_CERT_REVOKED', async () => {
      server.ocsp = { issuer: ica, answer: { statuses: { [serial(revokedLeaf)]: 'revoked' } } };
      assert.equal(code(await verify(leaf, { methods: ['ocsp'] })), 'valid');
      assert.equal(code(await verify(revokedLeaf, { methods: ['ocsp'] })), 'ERR_MTLS_CERT_REVOKED');
    });

    it('accepts a delegated responder with id-kp-OCSPSigning (4.2.2.2) and refuses one without', async () => {
      const delegated = await issue({ subject: 'CN=OCSP Responder', issuer: ica, eku: [OID.ocspSigning] });
      server.ocsp = { issuer: ica, answer: { signer: delegated } };
      assert.equal(code(await verify(leaf, { methods: ['ocsp'] })), 'valid');
      const notDelegated = await issue({ subject: 'CN=Not a responder', issuer: ica, eku: [OID.clientAuth] });
      server.ocsp = { issuer: ica, answer: { signer: notDelegated } };
      const verdict = await verify(revokedLeaf, { methods: ['ocsp'] });
      assert.equal(code(verdict), 'ERR_MTLS_REVOCATION_UNKNOWN');
      assert.match(verdict.valid ? '' : verdict.message, /OCSPSigning/);
    });

    it('refuses a response signed by an unrelated key (4.2.2.2)', async () => {
      const stranger = await issue({ subject: 'CN=Revocation CA', ca: true });
      server.ocsp = { issuer: ica, answer: { signer: stranger } };
      assert.equal(code(await verify(leaf, { methods: ['ocsp'] })), 'ERR_MTLS_REVOCATION_UNKNOWN');
    });

    describe('ocspMaxResponseAge: the age of a response is bounded whatever its nextUpdate (3.2 item 5)', () => {
      let clock: sinon.SinonFakeTimers;
      let monthRoot: TestCertificate;
      let monthCa: TestCertificate;
      let month: TestCertificate;
      const DAY = 86_400_000;
      // Whole seconds: certificate and response times have no fractions.
      const start = Math.floor(Date.now() / 1000) * 1000;
      // A PKI valid for two months, so only the response ages as the clock moves.
      before(async () => {
        const validity = { notBefore: new Date(start - DAY), notAfter: new Date(start + 60 * DAY) };
        monthRoot = await issue({ subject: 'CN=Month Root', ca: true, ...validity });
        monthCa = await issue({ subject: 'CN=Month CA', ca: true, issuer: monthRoot, ...validity });
        month = await issue({ subject: 'CN=month client', issuer: monthCa, ...validity, extensions: [ocspAccess(server.ocspUrl)] });
      });
      // Only Date is faked: the sockets to the real responder keep their real timers.
      beforeEach(() => {
        clock = sinon.useFakeTimers({ now: start, toFake: ['Date'] });
        // Signed at the start, then served unchanged, with a nextUpdate a year away.
        server.ocsp = { issuer: monthCa, answer: { thisUpdate: new Date(start), producedAt: new Date(start), nextUpdate: new Date(start + 365 * DAY) } };
      });
      afterEach(() => clock.restore());
      const verifyMonth = (revocation: RevocationOptions) => verifyCertificateChain(month.pem, {
        trustAnchors: [monthRoot.pem], intermediates: [monthCa.pem], revocation: { scope: 'leaf', timeout: 0.5, methods: ['ocsp'], ...revocation },
      });

      it('accepts a response younger than the bound and refuses it once older (default 10 days): unknown', async () => {
        clock.tick(9 * DAY);
        assert.equal(code(await verifyMonth({})), 'valid');
        clock.tick(DAY + 16_000); // past the bound and the default 15 s clockTolerance
        const verdict = await verifyMonth({});
        assert.equal(code(verdict), 'ERR_MTLS_REVOCATION_UNKNOWN');
        assert.match(verdict.valid ? '' : verdict.message, /older than ocspMaxResponseAge/);
        assert.equal(code(await verifyMonth({ ocspMaxResponseAge: 30 * 86_400 })), 'valid');
      });

      it('bounds producedAt as well as thisUpdate', async () => {
        server.ocsp!.answer.thisUpdate = new Date(start + 20 * DAY);
        clock.tick(20 * DAY + 60_000);
        assert.equal(code(await verifyMonth({ ocspMaxResponseAge: 3600 })), 'ERR_MTLS_REVOCATION_UNKNOWN');
        server.ocsp!.answer.producedAt = new Date(start + 20 * DAY);
        assert.equal(code(await verifyMonth({ ocspMaxResponseAge: 3600 })), 'valid');
      });

      it('an old "revoked" still proves the revocation (RFC 5280 5.3.1: it is permanent); an old hold does not', async () => {
        server.ocsp!.answer.statuses = { [serial(month)]: 'revoked' };
        clock.tick(30 * DAY);
        assert.equal(code(await verifyMonth({ mode: 'soft-fail' })), 'ERR_MTLS_CERT_REVOKED');
        server.ocsp!.answer.statuses = { [serial(month)]: 'on-hold' };
        assert.equal(code(await verifyMonth({})), 'ERR_MTLS_REVOCATION_UNKNOWN');
        assert.equal(code(await verifyMonth({ ocspMaxResponseAge: 60 * 86_400 })), 'ERR_MTLS_CERT_REVOKED', 'control: a hold within the bound');
      });

      it('a cached good response expires at the bound, not at nextUpdate', async () => {
        const validator = createCertificateValidator({ trustAnchors: [monthRoot.pem], intermediates: [monthCa.pem], cache: false, revocation: { methods: ['ocsp'], scope: 'leaf', timeout: 0.5, ocspMaxResponseAge: 3600 } });
        const cert = ClientCertificate.from(month.pem);
        assert.equal(code(await validator.verify(cert, [])), 'valid');
        const before = server.hits['/ocsp'] ?? 0;
        clock.tick(30 * 60_000);
        assert.equal(code(await validator.verify(cert, [])), 'valid');
        assert.equal((server.hits['/ocsp'] ?? 0) - before, 0, 'answered from the cache');
        clock.tick(35 * 60_000);
        assert.equal(code(await validator.verify(cert, [])), 'ERR_MTLS_REVOCATION_UNKNOWN');
        assert.equal((server.hits['/ocsp'] ?? 0) - before, 1, 'asked the responder again');
      });

      it('is validated once, with a message naming the option', async () => {
        for (const bad of [0, -1, Number.NaN, '3600']) {
          await assert.rejects(verifyMonth({ ocspMaxResponseAge: bad as number }), {
            name: 'ConfigurationError', message: /revocation\.ocspMaxResponseAge must be a positive number of seconds/,
          });
        }
      });
    });

    it('treats a stale response (nextUpdate passed, 3.2 item 6) as unknown', async () => {
      server.ocsp = { issuer: ica, answer: { thisUpdate: new Date(Date.now() - 7200_000), nextUpdate: new Date(Date.now() - 3600_000) } };
      assert.equal(code(await verify(revokedLeaf, { methods: ['ocsp'] })), 'ERR_MTLS_REVOCATION_UNKNOWN');
    });
  });

  describe('CRL (RFC 5280 5, 6.3)', () => {
    it('refuses a certificate listed on the CRL, accepts one that is not', async () => {
      server.crl = await createCrl(ica, { revoked: [revokedLeaf] });
      assert.equal(code(await verify(revokedLeaf, { methods: ['crl'] })), 'ERR_MTLS_CERT_REVOKED');
      assert.equal(code(await verify(leaf, { methods: ['crl'] })), 'valid');
    });

    it('treats a stale CRL (nextUpdate passed) as unknown: hard-fail refuses, soft-fail passes with an event', async () => {
      server.crl = await createCrl(ica, { thisUpdate: new Date(Date.now() - 7200_000), nextUpdate: new Date(Date.now() - 3600_000) });
      assert.equal(code(await verify(leaf, { methods: ['crl'] })), 'ERR_MTLS_REVOCATION_UNKNOWN');
      const events: RevocationEvent[] = [];
      assert.equal(code(await verify(leaf, { methods: ['crl'], mode: 'soft-fail', onEvent: (e) => events.push(e) })), 'valid');
      assert.equal(events.length, 1);
      assert.equal(events[0]!.name, 'revocation.unknown');
      assert.equal(events[0]!.mode, 'soft-fail');
      assert.match(events[0]!.reason, /stale/);
    });

    it('refuses a CRL signed by another CA', async () => {
      const other = await issue({ subject: 'CN=Revocation CA', ca: true });
      server.crl = await createCrl(other, { revoked: [] });
      assert.equal(code(await verify(leaf, { methods: ['crl'] })), 'ERR_MTLS_REVOCATION_UNKNOWN');
    });

    it('caches a CRL until nextUpdate: one fetch for several checks', async () => {
      const cachedLeaf = await issue({ subject: 'CN=cached', issuer: ica, extensions: [crlDistributionPoint(`${server.origin}/crl?cache`)] });
      server.crl = await createCrl(ica, { revoked: [] });
      const before = server.hits['/crl'] ?? 0;
      const options: RevocationOptions = { methods: ['crl'], scope: 'leaf', timeout: 0.5 };
      // one checker instance, as a long-lived validator holds it
      const validator = createCertificateValidator({ trustAnchors: [root.pem], intermediates: [ica.pem], revocation: options, cache: false });
      const leafCert = ClientCertificate.from(cachedLeaf.pem);
      const first = await validator.verify(leafCert, []);
      assert.equal(code(first), 'valid', first.valid ? '' : first.message);
      assert.equal(code(await validator.verify(leafCert, [])), 'valid');
      assert.equal((server.hits['/crl'] ?? 0) - before, 1);
    });

    it('refreshes a cached CRL in the background before nextUpdate, answering from the cache meanwhile', async () => {
      const refreshed = await issue({ subject: 'CN=refreshed', issuer: ica, extensions: [crlDistributionPoint(`${server.origin}/crl?refresh`)] });
      const nextUpdate = new Date(Date.now() + 10 * 60_000);
      server.crl = await createCrl(ica, { revoked: [], nextUpdate });
      const validator = createCertificateValidator({
        trustAnchors: [root.pem], intermediates: [ica.pem], cache: false,
        // Within an hour of nextUpdate the CRL is refetched in the background: here, at once.
        revocation: { methods: ['crl'], scope: 'leaf', timeout: 0.5, crlRefreshBefore: 3600 },
      });
      const cert = ClientCertificate.from(refreshed.pem);
      const before = server.hits['/crl'] ?? 0;
      assert.equal(code(await validator.verify(cert, [])), 'valid');

      // The CA revokes the certificate; the next check still answers from the cached CRL...
      server.crl = await createCrl(ica, { revoked: [refreshed] });
      assert.equal(code(await validator.verify(cert, [])), 'valid');
      // ...while the refetch it started runs; once that lands, the revocation is seen.
      for (let i = 0; i < 50 && (server.hits['/crl'] ?? 0) - before < 2; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal((server.hits['/crl'] ?? 0) - before, 2);
      let verdict = await validator.verify(cert, []);
      for (let i = 0; i < 50 && verdict.valid; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        verdict = await validator.verify(cert, []);
      }
      assert.equal(code(verdict), 'ERR_MTLS_CERT_REVOKED');
    });
  });

  describe('CRL rollback', () => {
    it('never replaces a cached CRL with an older one (an earlier thisUpdate served again)', async () => {
      const cert = await issue({ subject: 'CN=rollback', issuer: ica, extensions: [crlDistributionPoint(`${server.origin}/crl?rollback`)] });
      const validator = createCertificateValidator({
        trustAnchors: [root.pem], intermediates: [ica.pem], cache: false,
        // Every check within an hour of nextUpdate refetches in the background: here, every check.
        revocation: { methods: ['crl'], scope: 'leaf', timeout: 0.5, crlRefreshBefore: 3600 },
      });
      const leafCert = ClientCertificate.from(cert.pem);
      const older = await createCrl(ica, { thisUpdate: new Date(Date.now() - 120_000), nextUpdate: new Date(Date.now() + 50 * 60_000) });
      server.crl = await createCrl(ica, { revoked: [cert], thisUpdate: new Date(Date.now() - 60_000), nextUpdate: new Date(Date.now() + 50 * 60_000) });
      const before = server.hits['/crl'] ?? 0;
      assert.equal(code(await validator.verify(leafCert, [])), 'ERR_MTLS_CERT_REVOKED');
      server.crl = older;
      assert.equal(code(await validator.verify(leafCert, [])), 'ERR_MTLS_CERT_REVOKED');
      for (let i = 0; i < 50 && (server.hits['/crl'] ?? 0) - before < 2; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal((server.hits['/crl'] ?? 0) - before, 2, 'the older CRL was fetched');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(code(await validator.verify(leafCert, [])), 'ERR_MTLS_CERT_REVOKED');
    });
  });

  describe('CRL rollback, after the cached CRL expires', () => {
    it('takes whatever the CA publishes next once the cached CRL has expired, even with an earlier thisUpdate', async () => {
      const start = Math.floor(Date.now() / 1000) * 1000;
      const clock = sinon.useFakeTimers({ now: start, toFake: ['Date'] });
      try {
        const cert = await issue({ subject: 'CN=after expiry', issuer: ica, extensions: [crlDistributionPoint(`${server.origin}/crl?after-expiry`)] });
        const validator = createCertificateValidator({
          trustAnchors: [root.pem], intermediates: [ica.pem], cache: false,
          revocation: { methods: ['crl'], scope: 'leaf', timeout: 0.5, crlRefreshBefore: 3600 },
        });
        const leafCert = ClientCertificate.from(cert.pem);
        // Published with a clock that ran ahead: a short-lived CRL dated 10 seconds after the next one.
        server.crl = await createCrl(ica, { thisUpdate: new Date(start - 10_000), nextUpdate: new Date(start + 60_000) });
        assert.equal(code(await validator.verify(leafCert, [])), 'valid');
        server.crl = await createCrl(ica, { revoked: [cert], thisUpdate: new Date(start - 20_000), nextUpdate: new Date(start + 3600_000) });
        clock.tick(120_000);
        assert.equal(code(await validator.verify(leafCert, [])), 'ERR_MTLS_CERT_REVOKED');
      } finally {
        clock.restore();
      }
    });
  });

  describe('failing responders', () => {
    it('gives up on a responder that hangs after the timeout: unknown', async () => {
      server.behaviour = 'hang';
      const verdict = await verify(leaf, { methods: ['ocsp', 'crl'], timeout: 0.2 });
      assert.equal(code(verdict), 'ERR_MTLS_REVOCATION_UNKNOWN');
      assert.match(verdict.valid ? '' : verdict.message, /within 200 ms/);
    });

    it('treats a garbage answer as unknown, never as good', async () => {
      server.behaviour = 'garbage';
      assert.equal(code(await verify(leaf, { methods: ['ocsp', 'crl'] })), 'ERR_MTLS_REVOCATION_UNKNOWN');
      assert.equal(code(await verify(leaf, { methods: ['ocsp', 'crl'], mode: 'soft-fail' })), 'valid');
    });

    it('refuses an answer larger than maxResponseBytes', async () => {
      server.crl = Buffer.concat([await createCrl(ica), Buffer.alloc(4096)]);
      const verdict = await verify(leaf, { methods: ['crl'], maxResponseBytes: 1024 });
      assert.equal(code(verdict), 'ERR_MTLS_REVOCATION_UNKNOWN');
      assert.match(verdict.valid ? '' : verdict.message, /more than the 1024 allowed/);
    });

    it('still refuses a revoked certificate in soft-fail mode', async () => {
      server.ocsp = { issuer: ica, answer: { statuses: { [serial(revokedLeaf)]: 'revoked' } } };
      assert.equal(code(await verify(revokedLeaf, { methods: ['ocsp'], mode: 'soft-fail' })), 'ERR_MTLS_CERT_REVOKED');
    });

    it('applies a per-anchor mode keyed by the anchor SPKI SHA-256', async () => {
      server.behaviour = 'garbage';
      const pin = ClientCertificate.from(root.pem).spkiSha256;
      assert.equal(code(await verify(leaf, { mode: 'hard-fail', anchors: { [pin]: 'off' } })), 'valid');
      assert.equal(code(await verify(leaf, { mode: 'off', anchors: { [pin]: 'hard-fail' } })), 'ERR_MTLS_REVOCATION_UNKNOWN');
    });
  });
});
