// RFC 5280 path validation, one refusal code per rule, each citing the section it checks.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import * as x509 from '@peculiar/x509';
import { ConfigurationError } from '../../src/errors.js';
import { ClientCertificate, verifyCertificateChain, type ChainVerdict, type VerifyChainOptions } from '../../src/certificate/index.js';
import { issue, KeyUsage, OID, type TestCertificate } from '../support/pki.js';

const HOUR = 3600_000;

function expectCode(verdict: ChainVerdict, code: string): void {
  assert.equal(verdict.valid, false, 'expected a refusal');
  if (!verdict.valid) assert.equal(verdict.code, code, verdict.message);
}

function expectValid(verdict: ChainVerdict): asserts verdict is Extract<ChainVerdict, { valid: true }> {
  assert.equal(verdict.valid, true, verdict.valid ? '' : `${verdict.code}: ${verdict.message}`);
}

describe('certificate/verify', () => {
  let root: TestCertificate;
  let ica: TestCertificate;
  let leaf: TestCertificate;
  const options = (extra: Partial<VerifyChainOptions> = {}): VerifyChainOptions => ({ trustAnchors: [root.pem], intermediates: [ica.pem], ...extra });

  before(async () => {
    root = await issue({ subject: 'CN=Root,O=Tests', ca: true });
    ica = await issue({ subject: 'CN=Issuing,O=Tests', ca: true, issuer: root, pathLength: 0 });
    leaf = await issue({ subject: 'CN=leaf,O=Tests', issuer: ica });
  });

  describe('path building (RFC 5280 6.1, RFC 4158)', () => {
    it('accepts leaf -> intermediate -> anchor and returns the chain without the anchor', async () => {
      const verdict = await verifyCertificateChain(leaf.pem, options());
      expectValid(verdict);
      assert.deepEqual(verdict.chain.map((c) => c.subjectDn), ['CN=leaf,O=Tests', 'CN=Issuing,O=Tests']);
      assert.equal(verdict.anchor.subjectDn, 'CN=Root,O=Tests');
      assert.equal(verdict.anchor.spkiSha256, ClientCertificate.from(root.pem).spkiSha256);
    });

    it('refuses a chain that reaches no anchor: ERR_MTLS_CHAIN_UNTRUSTED', async () => {
      expectCode(await verifyCertificateChain(leaf.pem, options({ intermediates: [] })), 'ERR_MTLS_CHAIN_UNTRUSTED');
      const other = await issue({ subject: 'CN=Other Root', ca: true });
      expectCode(await verifyCertificateChain(leaf.pem, options({ trustAnchors: [other.pem] })), 'ERR_MTLS_CHAIN_UNTRUSTED');
    });

    it('never accepts a self-issued leaf unless it is itself an anchor', async () => {
      const self = await issue({ subject: 'CN=self' });
      expectCode(await verifyCertificateChain(self.pem, options({ intermediates: [self.pem] })), 'ERR_MTLS_CHAIN_UNTRUSTED');
      const verdict = await verifyCertificateChain(self.pem, options({ trustAnchors: [root.pem, self.pem] }));
      expectValid(verdict);
      assert.equal(verdict.anchor.subjectDn, 'CN=self');
    });

    it('refuses an issuer whose signature does not verify: ERR_MTLS_CHAIN_SIGNATURE (6.1.3 a.1)', async () => {
      const impostor = await issue({ subject: 'CN=Root,O=Tests', ca: true }); // same name, other key
      expectCode(await verifyCertificateChain(leaf.pem, options({ trustAnchors: [impostor.pem] })), 'ERR_MTLS_CHAIN_SIGNATURE');
    });

    it('tries several same-name issuers (re-keyed CA) until one verifies (RFC 4158 2.4)', async () => {
      const rekeyed = await issue({ subject: 'CN=Issuing,O=Tests', ca: true, issuer: root });
      const verdict = await verifyCertificateChain(leaf.pem, options({ intermediates: [rekeyed.pem, ica.pem] }));
      expectValid(verdict);
      assert.equal(verdict.chain[1]!.thumbprint, ClientCertificate.from(ica.pem).thumbprint);
    });

    it('refuses more intermediates than maxIntermediates: ERR_MTLS_CHAIN_TOO_LONG', async () => {
      expectCode(await verifyCertificateChain(leaf.pem, options({ maxIntermediates: 0 })), 'ERR_MTLS_CHAIN_TOO_LONG');
    });
  });

  describe('validity (RFC 5280 4.1.2.5, 6.1.3 a.2)', () => {
    it('refuses an expired leaf: ERR_MTLS_CERT_EXPIRED', async () => {
      const old = await issue({ subject: 'CN=old', issuer: ica, notBefore: new Date(Date.now() - 3 * HOUR), notAfter: new Date(Date.now() - HOUR) });
      expectCode(await verifyCertificateChain(old.pem, options()), 'ERR_MTLS_CERT_EXPIRED');
    });

    it('refuses a leaf not valid yet: ERR_MTLS_CERT_NOT_YET_VALID', async () => {
      const future = await issue({ subject: 'CN=future', issuer: ica, notBefore: new Date(Date.now() + HOUR) });
      expectCode(await verifyCertificateChain(future.pem, options()), 'ERR_MTLS_CERT_NOT_YET_VALID');
    });

    it('refuses an expired intermediate', async () => {
      expectCode(await verifyCertificateChain(leaf.pem, options({ at: new Date(Date.now() + 48 * HOUR) })), 'ERR_MTLS_CERT_EXPIRED');
    });

    it('applies clockTolerance on both ends', async () => {
      const soon = await issue({ subject: 'CN=soon', issuer: ica, notBefore: new Date(Date.now() + 30_000) });
      expectCode(await verifyCertificateChain(soon.pem, options()), 'ERR_MTLS_CERT_NOT_YET_VALID');
      expectValid(await verifyCertificateChain(soon.pem, options({ clockTolerance: 60 })));
    });
  });

  describe('CA certificates (RFC 5280 4.2.1.9, 6.1.4 k-n)', () => {
    it('refuses an issuer without basicConstraints cA: ERR_MTLS_CHAIN_NOT_CA', async () => {
      const notCa = await issue({ subject: 'CN=Not a CA', issuer: root, keyUsage: KeyUsage.keyCertSign | KeyUsage.digitalSignature, eku: null });
      const child = await issue({ subject: 'CN=child', issuer: notCa });
      expectCode(await verifyCertificateChain(child.pem, { trustAnchors: [root.pem], intermediates: [notCa.pem] }), 'ERR_MTLS_CHAIN_NOT_CA');
    });

    it('refuses a path longer than a pathLenConstraint allows: ERR_MTLS_CHAIN_PATH_LENGTH', async () => {
      const sub = await issue({ subject: 'CN=Sub CA', ca: true, issuer: ica });
      const deep = await issue({ subject: 'CN=deep', issuer: sub });
      expectCode(await verifyCertificateChain(deep.pem, options({ intermediates: [ica.pem, sub.pem] })), 'ERR_MTLS_CHAIN_PATH_LENGTH');
    });

    it('refuses a CA whose keyUsage lacks keyCertSign: ERR_MTLS_KEY_USAGE (4.2.1.3)', async () => {
      const noSign = await issue({ subject: 'CN=No keyCertSign', ca: true, issuer: root, keyUsage: KeyUsage.cRLSign });
      const child = await issue({ subject: 'CN=child', issuer: noSign });
      expectCode(await verifyCertificateChain(child.pem, { trustAnchors: [root.pem], intermediates: [noSign.pem] }), 'ERR_MTLS_KEY_USAGE');
    });
  });

  describe('end-entity usage (RFC 5280 4.2.1.3, 4.2.1.12)', () => {
    it('refuses a leaf whose keyUsage does not allow digitalSignature: ERR_MTLS_KEY_USAGE', async () => {
      const encipher = await issue({ subject: 'CN=encipher', issuer: ica, keyUsage: KeyUsage.keyEncipherment, keyAlgorithm: 'RSA-2048' });
      expectCode(await verifyCertificateChain(encipher.pem, options()), 'ERR_MTLS_KEY_USAGE');
    });

    it('refuses a CA certificate as a client certificate, even one allowed to sign handshakes (RFC 5280 4.2.1.9)', async () => {
      const signingCa = await issue({
        subject: 'CN=signing CA', issuer: root, ca: true, keyUsage: KeyUsage.keyCertSign | KeyUsage.digitalSignature, eku: [OID.clientAuth],
      });
      expectCode(await verifyCertificateChain(signingCa.pem, options()), 'ERR_MTLS_KEY_USAGE');
      expectValid(await verifyCertificateChain(signingCa.pem, options({ purpose: 'any' })));
    });

    it('refuses a leaf whose EKU lacks clientAuth: ERR_MTLS_EKU', async () => {
      const server = await issue({ subject: 'CN=server', issuer: ica, eku: [OID.serverAuth] });
      expectCode(await verifyCertificateChain(server.pem, options()), 'ERR_MTLS_EKU');
      expectValid(await verifyCertificateChain(server.pem, options({ purpose: 'any' })));
    });

    it('accepts anyExtendedKeyUsage and a leaf without EKU', async () => {
      expectValid(await verifyCertificateChain((await issue({ subject: 'CN=any', issuer: ica, eku: [OID.anyExtendedKeyUsage] })).pem, options()));
      expectValid(await verifyCertificateChain((await issue({ subject: 'CN=none', issuer: ica, eku: null })).pem, options()));
    });

    it('refuses a leaf under an intermediate whose EKU excludes clientAuth: ERR_MTLS_EKU', async () => {
      const serverCa = await issue({ subject: 'CN=Server CA', ca: true, issuer: root, eku: [OID.serverAuth] });
      const child = await issue({ subject: 'CN=child', issuer: serverCa });
      expectCode(await verifyCertificateChain(child.pem, { trustAnchors: [root.pem], intermediates: [serverCa.pem] }), 'ERR_MTLS_EKU');
    });
  });

  describe('name constraints (RFC 5280 4.2.1.10, 6.1.3 b-c)', () => {
    async function constrained(permitted: x509.JsonGeneralName[], excluded: x509.JsonGeneralName[] = []) {
      const value = new x509.Extension('2.5.29.30', true, encodeNameConstraints(permitted, excluded));
      return issue({ subject: 'CN=Constrained CA', ca: true, issuer: root, extensions: [value] });
    }

    it('accepts names inside the permitted subtrees, refuses others: ERR_MTLS_NAME_CONSTRAINTS', async () => {
      const nc = await constrained([{ type: 'dns', value: 'example.com' }, { type: 'email', value: 'example.com' }]);
      const inside = await issue({ subject: 'CN=in', issuer: nc, sans: [{ type: 'dns', value: 'api.example.com' }] });
      const outside = await issue({ subject: 'CN=out', issuer: nc, sans: [{ type: 'dns', value: 'example.org' }] });
      const mail = await issue({ subject: 'CN=mail', issuer: nc, sans: [{ type: 'email', value: 'a@other.com' }] });
      expectValid(await verifyCertificateChain(inside.pem, { trustAnchors: [root.pem], intermediates: [nc.pem] }));
      expectCode(await verifyCertificateChain(outside.pem, { trustAnchors: [root.pem], intermediates: [nc.pem] }), 'ERR_MTLS_NAME_CONSTRAINTS');
      expectCode(await verifyCertificateChain(mail.pem, { trustAnchors: [root.pem], intermediates: [nc.pem] }), 'ERR_MTLS_NAME_CONSTRAINTS');
    });

    it('refuses names in excluded subtrees, IP ranges and directory names included', async () => {
      const nc = await constrained([], [{ type: 'ip', value: '10.0.0.0/8' } as never, { type: 'dn', value: 'O=Evil' } as never]);
      const ip = await issue({ subject: 'CN=ip', issuer: nc, sans: [{ type: 'ip', value: '10.1.2.3' }] });
      const evil = await issue({ subject: 'CN=x,O=Evil', issuer: nc });
      const fine = await issue({ subject: 'CN=x,O=Good', issuer: nc, sans: [{ type: 'ip', value: '192.0.2.1' }] });
      expectCode(await verifyCertificateChain(ip.pem, { trustAnchors: [root.pem], intermediates: [nc.pem] }), 'ERR_MTLS_NAME_CONSTRAINTS');
      expectCode(await verifyCertificateChain(evil.pem, { trustAnchors: [root.pem], intermediates: [nc.pem] }), 'ERR_MTLS_NAME_CONSTRAINTS');
      expectValid(await verifyCertificateChain(fine.pem, { trustAnchors: [root.pem], intermediates: [nc.pem] }));
    });
  });

  describe('extensions and algorithms', () => {
    it('refuses an unrecognized critical extension: ERR_MTLS_CRITICAL_EXTENSION (4.2)', async () => {
      const odd = await issue({ subject: 'CN=odd', issuer: ica, extensions: [new x509.Extension('1.3.6.1.4.1.55738.666.1', true, new Uint8Array([0x05, 0x00]))] });
      expectCode(await verifyCertificateChain(odd.pem, options()), 'ERR_MTLS_CRITICAL_EXTENSION');
      const fine = await issue({ subject: 'CN=fine', issuer: ica, extensions: [new x509.Extension('1.3.6.1.4.1.55738.666.1', false, new Uint8Array([0x05, 0x00]))] });
      expectValid(await verifyCertificateChain(fine.pem, options()));
    });

    it('refuses SHA-1 signatures unless allowed: ERR_MTLS_WEAK_ALGORITHM', async () => {
      const sha1 = await issue({ subject: 'CN=sha1', issuer: ica, hash: 'SHA-1' });
      expectCode(await verifyCertificateChain(sha1.pem, options()), 'ERR_MTLS_WEAK_ALGORITHM');
      expectValid(await verifyCertificateChain(sha1.pem, options({ algorithms: { allowSha1: true } })));
    });

    it('refuses RSA keys under 2048 bits: ERR_MTLS_WEAK_ALGORITHM', async () => {
      const small = await issue({ subject: 'CN=small', issuer: ica, keyAlgorithm: 'RSA-1024' });
      expectCode(await verifyCertificateChain(small.pem, options()), 'ERR_MTLS_WEAK_ALGORITHM');
      expectValid(await verifyCertificateChain(small.pem, options({ algorithms: { minRsaBits: 1024 } })));
    });

    it('accepts RSA-2048 and Ed25519 chains', async () => {
      const rsaCa = await issue({ subject: 'CN=RSA CA', ca: true, issuer: root, keyAlgorithm: 'RSA-2048' });
      const edLeaf = await issue({ subject: 'CN=ed', issuer: rsaCa, keyAlgorithm: 'Ed25519' });
      expectValid(await verifyCertificateChain(edLeaf.pem, { trustAnchors: [root.pem], intermediates: [rsaCa.pem] }));
    });

    it('returns ERR_MTLS_CERT_MALFORMED for bytes that are not a certificate, and skips such intermediates', async () => {
      expectCode(await verifyCertificateChain(Buffer.from('garbage'), options()), 'ERR_MTLS_CERT_MALFORMED');
      expectValid(await verifyCertificateChain(leaf.pem, options({ intermediates: [Buffer.from([0x30, 0x00]), ica.pem] })));
    });
  });

  describe('per-client anchors (pinned by SPKI SHA-256)', () => {
    it('refuses a chain to an anchor outside allowedAnchors: ERR_MTLS_ANCHOR_NOT_ALLOWED', async () => {
      const other = await issue({ subject: 'CN=Other', ca: true });
      expectCode(await verifyCertificateChain(leaf.pem, options({ trustAnchors: [root.pem, other.pem], allowedAnchors: [ClientCertificate.from(other.pem).spkiSha256] })), 'ERR_MTLS_ANCHOR_NOT_ALLOWED');
      expectValid(await verifyCertificateChain(leaf.pem, options({ allowedAnchors: [ClientCertificate.from(root.pem).spkiSha256] })));
    });
  });

  describe('options', () => {
    it('throws ConfigurationError naming the option', async () => {
      await assert.rejects(verifyCertificateChain(leaf.pem, options({ clockTolerance: -1 })), (e: Error) => e instanceof ConfigurationError && /clockTolerance/.test(e.message));
      await assert.rejects(verifyCertificateChain(leaf.pem, options({ purpose: 'serverAuth' as never })), /purpose/);
      await assert.rejects(verifyCertificateChain(leaf.pem, options({ trustAnchors: ['not pem'] })), /trustAnchors\[0\]/);
      await assert.rejects(verifyCertificateChain(leaf.pem, options({ revocation: { mode: 'sometimes' as never } })), /revocation\.mode/);
      await assert.rejects(verifyCertificateChain(leaf.pem, options({ revocation: { timeout: 0 } })), /revocation\.timeout must be a positive number of seconds/);
    });
  });
});

// NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees OPTIONAL, excludedSubtrees [1] ... }
function encodeNameConstraints(permitted: x509.JsonGeneralName[], excluded: x509.JsonGeneralName[]): ArrayBuffer {
  const tlv = (tag: number, content: Buffer): Buffer => {
    const length = content.length < 128 ? Buffer.from([content.length]) : Buffer.from([0x81, content.length]);
    return Buffer.concat([Buffer.from([tag]), length, content]);
  };
  const subtree = (name: x509.JsonGeneralName): Buffer => {
    if (name.type === 'ip' && name.value.includes('/')) {
      const [address, bits] = name.value.split('/') as [string, string];
      const bytes = Buffer.from(address.split('.').map(Number));
      const mask = Buffer.alloc(4);
      for (let i = 0; i < Number(bits); i += 1) mask[i >> 3]! |= 0x80 >> (i & 7);
      return tlv(0x30, tlv(0x87, Buffer.concat([bytes, mask])));
    }
    if (name.type === 'dn') {
      const encoded = Buffer.from(new x509.Name(name.value).toArrayBuffer());
      return tlv(0x30, tlv(0xa4, encoded));
    }
    const tag = name.type === 'dns' ? 0x82 : name.type === 'email' ? 0x81 : 0x86;
    return tlv(0x30, tlv(tag, Buffer.from(name.value, 'ascii')));
  };
  const parts: Buffer[] = [];
  if (permitted.length) parts.push(tlv(0xa0, Buffer.concat(permitted.map(subtree))));
  if (excluded.length) parts.push(tlv(0xa1, Buffer.concat(excluded.map(subtree))));
  const der = tlv(0x30, Buffer.concat(parts));
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.length) as ArrayBuffer;
}
