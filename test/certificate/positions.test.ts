// The positions docs/validation.md ("Positions") takes on RFC 5280, one test each, both settings
// where an option makes the package stricter than the RFC.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import * as x509 from '@peculiar/x509';
import { verifyCertificateChain, type ChainVerdict, type VerifyChainOptions } from '../../src/certificate/index.js';
import { issue, KeyUsage, type TestCertificate } from '../support/pki.js';

const DAY = 24 * 3600_000;

function expectValid(verdict: ChainVerdict): void {
  assert.equal(verdict.valid, true, verdict.valid ? '' : `${verdict.code}: ${verdict.message}`);
}

function expectCode(verdict: ChainVerdict, code: string): void {
  assert.equal(verdict.valid, false, 'expected a refusal');
  if (!verdict.valid) assert.equal(verdict.code, code, verdict.message);
}

describe('certificate/positions (RFC 5280 readings)', () => {
  let root: TestCertificate;
  let ica: TestCertificate;

  before(async () => {
    root = await issue({ subject: 'CN=Positions Root,O=Tests', ca: true });
    ica = await issue({ subject: 'CN=Positions CA,O=Tests', ca: true, issuer: root });
  });

  const verify = (leaf: TestCertificate, extra: Partial<VerifyChainOptions> = {}, anchors = [root], intermediates = [ica]): Promise<ChainVerdict> =>
    verifyCertificateChain(leaf.pem, { trustAnchors: anchors.map((c) => c.pem), intermediates: intermediates.map((c) => c.pem), ...extra });

  describe('client keys prove possession by signing (RFC 8446 4.4.3, RFC 8422)', () => {
    it('refuses an EC leaf whose keyUsage allows only keyAgreement', async () => {
      const agreement = await issue({ subject: 'CN=ecdh only', issuer: ica, keyUsage: KeyUsage.keyAgreement });
      expectCode(await verify(agreement), 'ERR_MTLS_KEY_USAGE');
    });

    it('refuses an RSA leaf whose keyUsage allows only keyEncipherment, and an Ed25519 one with only nonRepudiation', async () => {
      expectCode(await verify(await issue({ subject: 'CN=rsa kex', issuer: ica, keyAlgorithm: 'RSA-2048', keyUsage: KeyUsage.keyEncipherment })), 'ERR_MTLS_KEY_USAGE');
      expectCode(await verify(await issue({ subject: 'CN=ed nr', issuer: ica, keyAlgorithm: 'Ed25519', keyUsage: KeyUsage.nonRepudiation })), 'ERR_MTLS_KEY_USAGE');
    });

    it('accepts digitalSignature with keyAgreement, and a leaf without keyUsage', async () => {
      expectValid(await verify(await issue({ subject: 'CN=dual', issuer: ica, keyUsage: KeyUsage.digitalSignature | KeyUsage.keyAgreement })));
      expectValid(await verify(await issue({ subject: 'CN=no ku', issuer: ica, keyUsage: null })));
    });

    it('leaves keyUsage alone when no purpose is asked for', async () => {
      const agreement = await issue({ subject: 'CN=ecdh only', issuer: ica, keyUsage: KeyUsage.keyAgreement });
      expectValid(await verify(agreement, { purpose: 'any' }));
    });
  });

  describe('an intermediate whose basicConstraints (cA true) is not critical', () => {
    let lenient: TestCertificate;
    let leaf: TestCertificate;

    before(async () => {
      lenient = await issue({
        subject: 'CN=Non-critical BC CA,O=Tests',
        issuer: root,
        keyUsage: KeyUsage.keyCertSign | KeyUsage.cRLSign,
        eku: null,
        extensions: [new x509.BasicConstraintsExtension(true, undefined, false)],
      });
      leaf = await issue({ subject: 'CN=below non-critical', issuer: lenient });
    });

    it('is a CA by default: 6.1.4 (k) checks that basicConstraints is present with cA true', async () => {
      expectValid(await verify(leaf, {}, [root], [lenient]));
    });

    it('is refused with requireCriticalBasicConstraints (4.2.1.9)', async () => {
      expectCode(await verify(leaf, { requireCriticalBasicConstraints: true }, [root], [lenient]), 'ERR_MTLS_CHAIN_NOT_CA');
    });

    it('a non-critical basicConstraints with cA false is never a CA', async () => {
      const notCa = await issue({
        subject: 'CN=Not a CA,O=Tests', issuer: root, keyUsage: KeyUsage.keyCertSign, eku: null,
        extensions: [new x509.BasicConstraintsExtension(false, undefined, false)],
      });
      expectCode(await verify(await issue({ subject: 'CN=below', issuer: notCa }), {}, [root], [notCa]), 'ERR_MTLS_CHAIN_NOT_CA');
    });
  });

  describe('an expired trust anchor', () => {
    let expiredRoot: TestCertificate;
    let issuing: TestCertificate;
    let leaf: TestCertificate;

    before(async () => {
      expiredRoot = await issue({
        subject: 'CN=Expired Root,O=Tests', ca: true,
        notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY),
      });
      issuing = await issue({ subject: 'CN=Under Expired Root,O=Tests', ca: true, issuer: expiredRoot });
      leaf = await issue({ subject: 'CN=client', issuer: issuing });
    });

    it('still anchors a path with checkAnchorValidity: false, as 6.1.1 (d) trusts the anchor\'s name and key', async () => {
      expectValid(await verify(leaf, { checkAnchorValidity: false }, [expiredRoot], [issuing]));
    });

    it('is refused by default (checkAnchorValidity, stricter than 6.1.1 (d))', async () => {
      expectCode(await verify(leaf, {}, [expiredRoot], [issuing]), 'ERR_MTLS_CERT_EXPIRED');
    });

    it('an anchor not yet valid behaves the same', async () => {
      const future = await issue({ subject: 'CN=Future Root,O=Tests', ca: true, notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 30 * DAY) });
      const below = await issue({ subject: 'CN=client', issuer: future });
      expectValid(await verify(below, { checkAnchorValidity: false }, [future], []));
      expectCode(await verify(below, {}, [future], []), 'ERR_MTLS_CERT_NOT_YET_VALID');
    });

    it('intermediates and the leaf are always checked', async () => {
      const expiredCa = await issue({ subject: 'CN=Expired CA,O=Tests', ca: true, issuer: root, notAfter: new Date(Date.now() - DAY), notBefore: new Date(Date.now() - 30 * DAY) });
      expectCode(await verify(await issue({ subject: 'CN=client', issuer: expiredCa }), {}, [root], [expiredCa]), 'ERR_MTLS_CERT_EXPIRED');
      const expiredLeaf = await issue({ subject: 'CN=client', issuer: issuing, notAfter: new Date(Date.now() - DAY), notBefore: new Date(Date.now() - 30 * DAY) });
      expectCode(await verify(expiredLeaf, {}, [expiredRoot], [issuing]), 'ERR_MTLS_CERT_EXPIRED');
    });

    it('a leaf that is itself an anchor is the certificate being authenticated: its validity is checked', async () => {
      const direct = await issue({ subject: 'CN=direct', notAfter: new Date(Date.now() - DAY), notBefore: new Date(Date.now() - 30 * DAY) });
      expectCode(await verify(direct, {}, [direct], []), 'ERR_MTLS_CERT_EXPIRED');
    });

    it('validates the options', async () => {
      await assert.rejects(verify(leaf, { checkAnchorValidity: 1 as unknown as boolean }, [expiredRoot], [issuing]), /checkAnchorValidity must be a boolean/);
      await assert.rejects(verify(leaf, { requireCriticalBasicConstraints: 'no' as unknown as boolean }), /requireCriticalBasicConstraints must be a boolean/);
    });
  });
});
