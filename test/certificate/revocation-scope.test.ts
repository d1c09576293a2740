// RFC 5280 section 6.3.3 against a real CRL server on loopback: a CRL proves a certificate good
// only when the scope it claims (issuingDistributionPoint) is the distribution point it was
// fetched for and includes the certificate, and the CRLs used together cover every reason.
// Each rule has its control: the same CRL with the right scope is accepted.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import * as x509 from '@peculiar/x509';
import { verifyCertificateChain, type ChainVerdict, type RevocationOptions } from '../../src/certificate/index.js';
import { issue, type TestCertificate } from '../support/pki.js';
import {
  certificateIssuer, createCrl, crlDistributionPoint, crlDistributionPoints, directoryName, issuingDistributionPoint, startRevocationServer,
  type RevocationServer,
} from '../support/revocation.js';
import { GeneralName } from '@peculiar/asn1-x509';

const outcome = (verdict: ChainVerdict): string => (verdict.valid ? 'valid' : verdict.code);
const message = (verdict: ChainVerdict): string => (verdict.valid ? '' : verdict.message);
const UNKNOWN = 'ERR_MTLS_REVOCATION_UNKNOWN';
const REVOKED = 'ERR_MTLS_CERT_REVOKED';
// A critical extension no CRL profile defines (an arbitrary private OID).
const unknownExtension = (critical: boolean) => new x509.Extension('1.3.6.1.4.1.55555.9.1', critical, new Uint8Array([0x05, 0x00]));

describe('certificate/revocation: CRL scope (RFC 5280 6.3.3)', () => {
  let server: RevocationServer;
  let root: TestCertificate;
  let ica: TestCertificate;
  let url: (path: string) => string;

  before(async () => {
    server = await startRevocationServer();
    url = (path) => `${server.origin}${path}`;
    root = await issue({ subject: 'CN=Scope Root', ca: true });
    ica = await issue({ subject: 'CN=Scope CA,O=Example', ca: true, issuer: root });
  });
  after(() => server.close());
  beforeEach(() => {
    server.crls = {};
  });

  const verify = (cert: TestCertificate, revocation: RevocationOptions = {}) => verifyCertificateChain(cert.pem, {
    trustAnchors: [root.pem], intermediates: [ica.pem], revocation: { methods: ['crl'], scope: 'leaf', timeout: 1, ...revocation },
  });
  /** A good and a revoked leaf whose one distribution point is `path`. */
  async function pair(path: string, extensions = [crlDistributionPoint(url(path))]) {
    return {
      good: await issue({ subject: `CN=good ${path}`, issuer: ica, extensions }),
      revoked: await issue({ subject: `CN=revoked ${path}`, issuer: ica, extensions }),
    };
  }

  describe('issuingDistributionPoint names the distribution point (6.3.3 b.2.i)', () => {
    it('a CRL for another shard proves nothing: unknown; the shard\'s own CRL is used', async () => {
      const { good, revoked } = await pair('/crl/shard-1');
      // Genuinely signed by the CA, current, but the CRL of shard 2, which does not list shard 1's revocations.
      server.crls['/crl/shard-1'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ urls: [url('/crl/shard-2')] })] });
      for (const cert of [good, revoked]) {
        const verdict = await verify(cert);
        assert.equal(outcome(verdict), UNKNOWN);
        assert.match(message(verdict), /names another distribution point/);
      }
      assert.equal(outcome(await verify(revoked, { mode: 'soft-fail' })), 'valid', 'soft-fail lets an unknown status pass, as configured');

      server.crls['/crl/shard-1'] = await createCrl(ica, { revoked: [revoked], extensions: [issuingDistributionPoint({ urls: [url('/crl/shard-1')] })] });
      assert.equal(outcome(await verify(good)), 'valid');
      assert.equal(outcome(await verify(revoked)), REVOKED);
    });

    it('compares URIs as RFC 5280 7.4 says: scheme and host ignore case, the path does not', async () => {
      const { good } = await pair('/crl/case');
      server.crls['/crl/case'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ urls: [url('/crl/case').replace('http://127.0.0.1', 'HTTP://127.0.0.1')] })] });
      assert.equal(outcome(await verify(good)), 'valid');
      server.crls['/crl/case'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ urls: [url('/CRL/case')] })] });
      assert.equal(outcome(await verify(good)), UNKNOWN);
    });

    it('any name of the point may match any name of the scope; directory names compare by distinguishedNameMatch', async () => {
      const extensions = [crlDistributionPoints([{ urls: [url('/crl/dn')], directoryNames: ['CN=CRL Partition 7,O=Example'] }])];
      const { good } = await pair('/crl/dn', extensions);
      server.crls['/crl/dn'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ urls: [url('/crl/elsewhere')], directoryNames: ['CN=CRL Partition 8,O=Example'] })] });
      assert.equal(outcome(await verify(good)), UNKNOWN);
      server.crls['/crl/dn'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ urls: ['ldap://ldap.example/cn=crl', url('/crl/dn')] })] });
      assert.equal(outcome(await verify(good)), 'valid');
      // caseIgnoreMatch with insignificant spaces (RFC 4518): the same directory name.
      server.crls['/crl/dn'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ directoryNames: ['CN=crl  partition 7,O=EXAMPLE'] })] });
      assert.equal(outcome(await verify(good)), 'valid');
    });

    it('nameRelativeToCRLIssuer, in the certificate or in the CRL, is not implemented: unknown', async () => {
      const relativePoint = await issue({ subject: 'CN=relative point', issuer: ica, extensions: [crlDistributionPoints([{ relativeName: 'CN=partition 1' }])] });
      const verdict = await verify(relativePoint);
      assert.equal(outcome(verdict), UNKNOWN);
      assert.match(message(verdict), /nameRelativeToCRLIssuer/);

      const { good } = await pair('/crl/relative-scope');
      server.crls['/crl/relative-scope'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ relativeName: 'CN=partition 1' })] });
      assert.equal(outcome(await verify(good)), UNKNOWN);
      server.crls['/crl/relative-scope'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ urls: [url('/crl/relative-scope')] })] });
      assert.equal(outcome(await verify(good)), 'valid');
    });
  });

  describe('the kinds of certificate a CRL covers (6.3.3 b.2.ii-iv)', () => {
    it('a CRL of CA certificates only (onlyContainsCACerts) says nothing about a leaf: unknown; onlyContainsUserCerts is used', async () => {
      const { good, revoked } = await pair('/crl/kinds');
      server.crls['/crl/kinds'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ urls: [url('/crl/kinds')], onlyContainsCACerts: true })] });
      for (const cert of [good, revoked]) {
        const verdict = await verify(cert);
        assert.equal(outcome(verdict), UNKNOWN);
        assert.match(message(verdict), /onlyContainsCACerts/);
      }
      server.crls['/crl/kinds'] = await createCrl(ica, { revoked: [revoked], extensions: [issuingDistributionPoint({ urls: [url('/crl/kinds')], onlyContainsUserCerts: true })] });
      assert.equal(outcome(await verify(good)), 'valid');
      assert.equal(outcome(await verify(revoked)), REVOKED);
    });

    it('a CRL of end-entity certificates only (onlyContainsUserCerts) says nothing about an intermediate CA: unknown', async () => {
      const pointed = await issue({ subject: 'CN=Pointed CA', ca: true, issuer: root, extensions: [crlDistributionPoint(url('/crl/root-users'))] });
      const leaf = await issue({ subject: 'CN=under pointed', issuer: pointed });
      const chain = (revocation: RevocationOptions) => verifyCertificateChain(leaf.pem, {
        trustAnchors: [root.pem], intermediates: [pointed.pem], revocation: { methods: ['crl'], scope: 'chain', timeout: 1, ...revocation },
      });
      // The leaf has no distribution point: only the intermediate's status is wanted, so soft-fail the leaf's unknown.
      server.crls['/crl/root-users'] = await createCrl(root, { extensions: [issuingDistributionPoint({ urls: [url('/crl/root-users')], onlyContainsUserCerts: true })] });
      const events: string[] = [];
      await chain({ mode: 'soft-fail', onEvent: (event) => events.push(`${event.subject}: ${event.reason}`) });
      assert.ok(events.some((event) => event.startsWith('CN=Pointed CA') && /onlyContainsUserCerts/.test(event)), events.join('\n'));

      server.crls['/crl/root-users'] = await createCrl(root, { extensions: [issuingDistributionPoint({ urls: [url('/crl/root-users')], onlyContainsCACerts: true })] });
      events.length = 0;
      await chain({ mode: 'soft-fail', onEvent: (event) => events.push(`${event.subject}: ${event.reason}`) });
      assert.ok(!events.some((event) => event.startsWith('CN=Pointed CA')), events.join('\n'));
    });

    it('a CRL of attribute certificates (onlyContainsAttributeCerts) is never used for a public-key certificate', async () => {
      const { good } = await pair('/crl/attribute');
      server.crls['/crl/attribute'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ urls: [url('/crl/attribute')], onlyContainsAttributeCerts: true })] });
      assert.equal(outcome(await verify(good)), UNKNOWN);
      server.crls['/crl/attribute'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ urls: [url('/crl/attribute')] })] });
      assert.equal(outcome(await verify(good)), 'valid');
    });
  });

  describe('reasons (6.3.3 d, e, l): distribution points are consulted until every reason is covered', () => {
    const splitPoints = () => crlDistributionPoints([
      { urls: [url('/crl/key-compromise')], reasons: ['keyCompromise', 'cACompromise'] },
      { urls: [url('/crl/routine')], reasons: ['affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn', 'aACompromise'] },
    ]);
    const keyCompromiseScope = () => issuingDistributionPoint({ urls: [url('/crl/key-compromise')], onlySomeReasons: ['keyCompromise', 'cACompromise'] });
    const routineScope = () => issuingDistributionPoint({
      urls: [url('/crl/routine')], onlySomeReasons: ['affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn', 'aACompromise'],
    });

    it('a certificate revoked as superseded on the second point\'s CRL is revoked; listed nowhere, it is good', async () => {
      const { good, revoked } = await pair('split', [splitPoints()]);
      server.crls['/crl/key-compromise'] = await createCrl(ica, { extensions: [keyCompromiseScope()] });
      server.crls['/crl/routine'] = await createCrl(ica, { entries: [{ cert: revoked, reason: x509.X509CrlReason.superseded }], extensions: [routineScope()] });
      const verdict = await verify(revoked);
      assert.equal(outcome(verdict), REVOKED);
      assert.match(message(verdict), /superseded/);
      assert.equal(outcome(await verify(good)), 'valid');
    });

    it('when the second point\'s CRL cannot be had, the reasons it covers are not: unknown', async () => {
      const { good } = await pair('split', [splitPoints()]);
      server.crls['/crl/key-compromise'] = await createCrl(ica, { extensions: [keyCompromiseScope()] });
      const verdict = await verify(good);
      assert.equal(outcome(verdict), UNKNOWN);
      assert.match(message(verdict), /cover only the reasons keyCompromise, cACompromise/);
    });

    it('a CRL that claims only some reasons does not prove a certificate with one all-reasons point good', async () => {
      const { good, revoked } = await pair('/crl/some');
      server.crls['/crl/some'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ urls: [url('/crl/some')], onlySomeReasons: ['keyCompromise'] })] });
      assert.equal(outcome(await verify(good)), UNKNOWN);
      assert.equal(outcome(await verify(revoked)), UNKNOWN);
      server.crls['/crl/some'] = await createCrl(ica, { revoked: [revoked], extensions: [issuingDistributionPoint({ urls: [url('/crl/some')] })] });
      assert.equal(outcome(await verify(good)), 'valid');
      assert.equal(outcome(await verify(revoked)), REVOKED);
    });

    it('a point listing every reason, and the unused flag too, covers every reason', async () => {
      const every = ['unused', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation', 'certificateHold', 'privilegeWithdrawn', 'aACompromise'] as const;
      const { good } = await pair('every', [crlDistributionPoints([{ urls: [url('/crl/every')], reasons: [...every] }])]);
      server.crls['/crl/every'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ urls: [url('/crl/every')], onlySomeReasons: [...every] })] });
      assert.equal(outcome(await verify(good)), 'valid');
      server.crls['/crl/every'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ urls: [url('/crl/every')], onlySomeReasons: every.filter((reason) => reason !== 'aACompromise') })] });
      assert.equal(outcome(await verify(good)), UNKNOWN);
    });

    it('two points without reasons whose CRLs split the reasons between them together cover every reason', async () => {
      const extensions = [crlDistributionPoints([{ urls: [url('/crl/key-compromise')] }, { urls: [url('/crl/routine')] }])];
      const { good, revoked } = await pair('split-by-crl', extensions);
      server.crls['/crl/key-compromise'] = await createCrl(ica, { extensions: [keyCompromiseScope()] });
      server.crls['/crl/routine'] = await createCrl(ica, { entries: [{ cert: revoked, reason: x509.X509CrlReason.cessationOfOperation }], extensions: [routineScope()] });
      assert.equal(outcome(await verify(good)), 'valid');
      assert.equal(outcome(await verify(revoked)), REVOKED);
    });
  });

  describe('CRL issuers (6.3.3 b.1) and indirect CRLs (5.3.3 certificateIssuer)', () => {
    it('a point naming a separate CRL issuer (cRLIssuer) is not supported: unknown; the same point without it is used', async () => {
      const { good } = await pair('cRLIssuer', [crlDistributionPoints([{ urls: [url('/crl/indirect')], crlIssuer: 'CN=Scope CA,O=Example' }])]);
      server.crls['/crl/indirect'] = await createCrl(ica, { extensions: [issuingDistributionPoint({ urls: [url('/crl/indirect')], indirectCRL: true })] });
      const verdict = await verify(good);
      assert.equal(outcome(verdict), UNKNOWN);
      assert.match(message(verdict), /cRLIssuer/);
      const { good: direct } = await pair('/crl/indirect');
      assert.equal(outcome(await verify(direct)), 'valid');
    });

    it('an indirect CRL\'s entries belong to the issuer its certificateIssuer extensions name, never to another', async () => {
      const { good, revoked } = await pair('/crl/indirect');
      const other = 'CN=Other CA,O=Example';
      server.crls['/crl/indirect'] = await createCrl(ica, {
        entries: [
          // The other CA's entries: the first names it, the second inherits it (5.3.3). Neither is the Scope CA's.
          { cert: good, extensions: [certificateIssuer([directoryName(other)])] },
          { cert: revoked },
        ],
        extensions: [issuingDistributionPoint({ urls: [url('/crl/indirect')], indirectCRL: true })],
      });
      assert.equal(outcome(await verify(good)), 'valid');
      assert.equal(outcome(await verify(revoked)), 'valid');

      server.crls['/crl/indirect'] = await createCrl(ica, {
        entries: [
          { cert: good, extensions: [certificateIssuer([directoryName(other)])] },
          { cert: revoked, extensions: [certificateIssuer([directoryName(ica)])] },
        ],
        extensions: [issuingDistributionPoint({ urls: [url('/crl/indirect')], indirectCRL: true })],
      });
      assert.equal(outcome(await verify(good)), 'valid');
      assert.equal(outcome(await verify(revoked)), REVOKED);
    });

    it('an entry whose certificateIssuer names no directoryName cannot be attributed: unknown for that serial', async () => {
      const { good, revoked } = await pair('/crl/indirect');
      server.crls['/crl/indirect'] = await createCrl(ica, {
        entries: [{ cert: revoked, extensions: [certificateIssuer([new GeneralName({ uniformResourceIdentifier: 'https://ca.example/' })])] }],
        extensions: [issuingDistributionPoint({ urls: [url('/crl/indirect')], indirectCRL: true })],
      });
      assert.equal(outcome(await verify(revoked)), UNKNOWN);
      assert.equal(outcome(await verify(good)), 'valid');
    });

    it('a certificateIssuer entry in a CRL that is not indirect makes the CRL unusable', async () => {
      const { good } = await pair('/crl/not-indirect');
      server.crls['/crl/not-indirect'] = await createCrl(ica, { entries: [{ cert: good, extensions: [certificateIssuer([directoryName('CN=Other CA')])] }] });
      const verdict = await verify(good);
      assert.equal(outcome(verdict), UNKNOWN);
      assert.match(message(verdict), /not indirect/);
    });
  });

  describe('extensions and completeness (RFC 5280 5.2, 5.3)', () => {
    it('a critical CRL extension it does not process makes the CRL unusable; the same extension non-critical does not', async () => {
      const { good, revoked } = await pair('/crl/extension');
      server.crls['/crl/extension'] = await createCrl(ica, { revoked: [revoked], extensions: [unknownExtension(true)] });
      assert.equal(outcome(await verify(good)), UNKNOWN);
      assert.match(message(await verify(good)), /unrecognized critical extension 1\.3\.6\.1\.4\.1\.55555\.9\.1/);
      server.crls['/crl/extension'] = await createCrl(ica, { revoked: [revoked], extensions: [unknownExtension(false)] });
      assert.equal(outcome(await verify(good)), 'valid');
      assert.equal(outcome(await verify(revoked)), REVOKED);
    });

    it('a critical CRL entry extension it does not process makes the whole CRL unusable, even for other serials', async () => {
      const { good, revoked } = await pair('/crl/entry-extension');
      server.crls['/crl/entry-extension'] = await createCrl(ica, { entries: [{ cert: revoked, extensions: [unknownExtension(true)] }] });
      assert.equal(outcome(await verify(good)), UNKNOWN);
      assert.equal(outcome(await verify(revoked)), UNKNOWN);
      server.crls['/crl/entry-extension'] = await createCrl(ica, { entries: [{ cert: revoked, extensions: [unknownExtension(false)] }] });
      assert.equal(outcome(await verify(good)), 'valid');
      assert.equal(outcome(await verify(revoked)), REVOKED);
    });

    it('a delta CRL (deltaCRLIndicator) is not a complete CRL: unknown; the same CRL without the indicator is used', async () => {
      const { good } = await pair('/crl/delta');
      const deltaIndicator = new x509.Extension('2.5.29.27', true, new Uint8Array([0x02, 0x01, 0x01]));
      server.crls['/crl/delta'] = await createCrl(ica, { extensions: [deltaIndicator] });
      const verdict = await verify(good);
      assert.equal(outcome(verdict), UNKNOWN);
      assert.match(message(verdict), /delta CRL/);
      server.crls['/crl/delta'] = await createCrl(ica);
      assert.equal(outcome(await verify(good)), 'valid');
    });
  });
});
