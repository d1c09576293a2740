// Paths to every anchor a cross-signed CA reaches: the validator's `alternatives`, which per-client
// anchor pins choose from without validating again.
import assert from 'node:assert/strict';
import { ClientCertificate, createCertificateValidator, type ChainVerdict } from '../../src/certificate/index.js';
import { crossSign } from '../support/cross-sign.js';
import { issue, type TestCertificate } from '../support/pki.js';
import { certificatePolicies } from '../support/policies.js';

const A = '1.3.6.1.4.1.55555.4.1';
const pin = (pem: string) => ClientCertificate.from(pem).spkiSha256;

function valid(verdict: ChainVerdict): Extract<ChainVerdict, { valid: true }> {
  assert.equal(verdict.valid, true, verdict.valid ? '' : `${verdict.code}: ${verdict.message}`);
  return verdict as Extract<ChainVerdict, { valid: true }>;
}

describe('certificate/validator alternatives (cross-signed CAs)', () => {
  let rootA: TestCertificate;
  let rootB: TestCertificate;
  let unrelated: TestCertificate;
  let leaf: ClientCertificate;
  let chain: ClientCertificate[];

  before(async () => {
    rootA = await issue({ subject: 'CN=Alt Root A,O=Tests', ca: true });
    rootB = await issue({ subject: 'CN=Alt Root B,O=Tests', ca: true });
    unrelated = await issue({ subject: 'CN=Alt Unrelated,O=Tests', ca: true });
    const issuing = await issue({ subject: 'CN=Alt Issuing,O=Tests', ca: true, issuer: rootA, extensions: [certificatePolicies([A])] });
    leaf = ClientCertificate.from((await issue({ subject: 'CN=alt client', issuer: issuing, extensions: [certificatePolicies([A])] })).pem);
    chain = [ClientCertificate.from(issuing.pem), ClientCertificate.from(await crossSign(rootA, rootB))];
  });

  const validator = () => createCertificateValidator({ trustAnchors: [rootA.pem, rootB.pem, unrelated.pem] });

  it('returns the first path only, unless alternatives are asked for', async () => {
    const verdict = valid(await validator().verify(leaf, chain));
    assert.equal(verdict.anchor.spkiSha256, pin(rootA.pem));
    assert.equal(verdict.alternatives, undefined);
  });

  it('with alternatives, returns the path to the other anchor of the pair, with its own policy set', async () => {
    const verdict = valid(await validator().verify(leaf, chain, { alternatives: true }));
    assert.equal(verdict.anchor.spkiSha256, pin(rootA.pem));
    assert.deepEqual(verdict.policies, [A]);
    assert.deepEqual(verdict.alternatives?.map((path) => path.anchor.spkiSha256), [pin(rootB.pem)]);
    assert.equal(verdict.alternatives?.[0]?.chain.length, 3, 'leaf, issuing CA, Root A certified by Root B');
    // The cross certificate asserts no policy: that path is valid for none (RFC 5280 6.1.3 e).
    assert.deepEqual(verdict.alternatives?.[0]?.policies, []);
  });

  it('alternatives stay within allowedAnchors, and a pin to the second anchor alone reaches it', async () => {
    const onlyB = valid(await validator().verify(leaf, chain, { allowedAnchors: [pin(rootB.pem)], alternatives: true }));
    assert.equal(onlyB.anchor.spkiSha256, pin(rootB.pem));
    assert.equal(onlyB.alternatives, undefined);
    const refused = await validator().verify(leaf, chain, { allowedAnchors: [pin(unrelated.pem)], alternatives: true });
    assert.equal(refused.valid, false);
    if (!refused.valid) assert.equal(refused.code, 'ERR_MTLS_ANCHOR_NOT_ALLOWED');
  });

  it('caches verdicts with and without alternatives apart', async () => {
    const shared = validator();
    assert.equal(valid(await shared.verify(leaf, chain)).alternatives, undefined);
    assert.equal(valid(await shared.verify(leaf, chain, { alternatives: true })).alternatives?.length, 1);
    await assert.rejects(async () => shared.verify(leaf, chain, { alternatives: 'yes' as unknown as boolean }), /alternatives must be a boolean/);
  });
});
