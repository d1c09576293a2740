// The long-lived validator: options checked once, verdicts cached, anchors reloaded from files.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sinon from 'sinon';
import { ConfigurationError } from '../../src/errors.js';
import { ClientCertificate, createCertificateValidator, type ChainVerdict } from '../../src/certificate/index.js';
import { issue, type TestCertificate } from '../support/pki.js';

const code = (verdict: ChainVerdict): string => (verdict.valid ? 'valid' : verdict.code);

describe('certificate/validator', () => {
  let root: TestCertificate;
  let ica: TestCertificate;
  let leaf: ClientCertificate;
  let chain: ClientCertificate[];
  let dir: string;

  before(async () => {
    root = await issue({ subject: 'CN=Validator Root', ca: true });
    ica = await issue({ subject: 'CN=Validator CA', ca: true, issuer: root });
    leaf = ClientCertificate.from((await issue({ subject: 'CN=client', issuer: ica, notAfter: new Date(Date.now() + 3600_000) })).pem);
    chain = [ClientCertificate.from(ica.pem)];
    dir = await mkdtemp(join(tmpdir(), 'mtls-anchors-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  afterEach(() => sinon.restore());

  it('refuses bad options at construction with the dotted option path', () => {
    assert.throws(() => createCertificateValidator({ trustAnchors: [] }), (e: Error) => e instanceof ConfigurationError && /^trustAnchors must be a non-empty array/.test(e.message));
    assert.throws(() => createCertificateValidator({ trustAnchors: [{ file: join(dir, 'missing.pem') }] }), /trustAnchors\[0\]\.file .* could not be read/);
    assert.throws(() => createCertificateValidator({ trustAnchors: [root.pem], cache: { max: -1 } }), /cache\.max must be a non-negative integer/);
    assert.throws(() => createCertificateValidator({ trustAnchors: [root.pem], revocation: { methods: ['ldap' as never] } }), /revocation\.methods/);
    assert.throws(() => createCertificateValidator({ trustAnchors: [root.pem], revocation: { anchors: { short: 'off' } } }), /revocation\.anchors keys/);
  });

  it('returns the cached verdict for the same leaf, chain and anchors', async () => {
    const validator = createCertificateValidator({ trustAnchors: [root.pem] });
    const first = await validator.verify(leaf, chain);
    assert.equal(code(first), 'valid');
    assert.equal(await validator.verify(leaf, chain), first, 'the same verdict object comes from the cache');
    assert.equal(code(await validator.verify(leaf, [])), 'ERR_MTLS_CHAIN_UNTRUSTED', 'another chain is another cache entry');
  });

  it('expires a cached verdict with the certificate (notAfter)', async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const validator = createCertificateValidator({ trustAnchors: [root.pem] });
    assert.equal(code(await validator.verify(leaf, chain)), 'valid');
    clock.tick(2 * 3600_000);
    assert.equal(code(await validator.verify(leaf, chain)), 'ERR_MTLS_CERT_EXPIRED');
  });

  it('uses per-call allowedAnchors as part of the cache key', async () => {
    const validator = createCertificateValidator({ trustAnchors: [root.pem] });
    assert.equal(code(await validator.verify(leaf, chain)), 'valid');
    const other = ClientCertificate.from((await issue({ subject: 'CN=x', ca: true })).pem).spkiSha256;
    assert.equal(code(await validator.verify(leaf, chain, { allowedAnchors: [other] })), 'ERR_MTLS_ANCHOR_NOT_ALLOWED');
  });

  it('reloads anchor files without a restart', async () => {
    const file = join(dir, 'anchors.pem');
    const unrelated = await issue({ subject: 'CN=Unrelated', ca: true });
    await writeFile(file, unrelated.pem);
    const validator = createCertificateValidator({ trustAnchors: [{ file }], intermediates: [ica.pem] });
    assert.equal(code(await validator.verify(leaf, [])), 'ERR_MTLS_CHAIN_UNTRUSTED');
    await writeFile(file, unrelated.pem + root.pem);
    await validator.reload();
    assert.equal(validator.anchors.certificates.length, 2);
    assert.equal(code(await validator.verify(leaf, [])), 'valid');
  });

  it('accepts a DER anchor file', async () => {
    const file = join(dir, 'root.der');
    await writeFile(file, root.der);
    const validator = createCertificateValidator({ trustAnchors: [{ file }] });
    assert.equal(code(await validator.verify(leaf, chain)), 'valid');
  });
});
