// RFC 5280 section 6.1 certificate policy processing, through verifyCertificateChain: the
// valid_policy_tree, explicit_policy, policy_mapping and inhibit_anyPolicy, each rule with a
// passing control. Every chain is issued at test time.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import type * as x509 from '@peculiar/x509';
import { ConfigurationError } from '../../src/errors.js';
import { ClientCertificate, createCertificateValidator, verifyCertificateChain, type ChainVerdict, type PolicyOptions } from '../../src/certificate/index.js';
import { createMtls } from '../../src/plugin/index.js';
import { MAX_POLICY_NODES } from '../../src/certificate/policies.js';
import { issue, type TestCertificate } from '../support/pki.js';
import { ANY_POLICY, certificatePolicies, inhibitAnyPolicy, policyConstraints, policyMappings } from '../support/policies.js';

const QWAC = '0.4.0.194112.1.4';
const QCP_N = '0.4.0.194112.1.0';
const A = '1.3.6.1.4.1.55555.1.1';
const B = '1.3.6.1.4.1.55555.1.2';
const C = '1.3.6.1.4.1.55555.1.3';

interface Chain {
  readonly root: TestCertificate;
  readonly intermediates: readonly TestCertificate[];
  readonly leaf: TestCertificate;
}

/** root -> one CA per entry of `cas` -> leaf, each with the extensions given. */
async function chain(cas: readonly (readonly x509.Extension[])[], leafExtensions: readonly x509.Extension[]): Promise<Chain> {
  const root = await issue({ subject: 'CN=Policy Root,O=Tests', ca: true });
  const intermediates: TestCertificate[] = [];
  let issuer = root;
  for (const [index, extensions] of cas.entries()) {
    issuer = await issue({ subject: `CN=Policy CA ${index + 1},O=Tests`, ca: true, issuer, extensions: [...extensions] });
    intermediates.push(issuer);
  }
  const leaf = await issue({ subject: 'CN=client,O=Tests', issuer, extensions: [...leafExtensions] });
  return { root, intermediates, leaf };
}

function verify({ root, intermediates, leaf }: Chain, policies?: PolicyOptions): Promise<ChainVerdict> {
  return verifyCertificateChain(leaf.pem, {
    trustAnchors: [root.pem],
    intermediates: intermediates.map((c) => c.pem),
    ...(policies ? { policies } : {}),
  });
}

function expectPolicies(verdict: ChainVerdict, policies: readonly string[]): void {
  assert.equal(verdict.valid, true, verdict.valid ? '' : `${verdict.code}: ${verdict.message}`);
  if (verdict.valid) assert.deepEqual([...verdict.policies].sort(), [...policies].sort());
}

function expectRefused(verdict: ChainVerdict, code = 'ERR_MTLS_POLICY'): void {
  assert.equal(verdict.valid, false, 'expected a refusal');
  if (!verdict.valid) assert.equal(verdict.code, code, verdict.message);
}

describe('certificate/policies (RFC 5280 6.1 policy processing)', () => {
  describe('explicit policy', () => {
    it('a path without policies is valid while no explicit policy is required, with an empty policy set', async () => {
      const plain = await chain([[]], []);
      expectPolicies(await verify(plain), []);
      expectPolicies(await verify(plain, { initialPolicySet: [QWAC] }), []);
    });

    it('initial-explicit-policy refuses a path without policies, and one valid only for other policies', async () => {
      expectRefused(await verify(await chain([[]], []), { requireExplicitPolicy: true }));
      const qcp = await chain([[certificatePolicies([QCP_N])]], [certificatePolicies([QCP_N])]);
      expectRefused(await verify(qcp, { initialPolicySet: [QWAC], requireExplicitPolicy: true }));
      expectPolicies(await verify(qcp, { initialPolicySet: [QWAC, QCP_N], requireExplicitPolicy: true }), [QCP_N]);
    });

    it('the policy set is the intersection of every certificate\'s policies', async () => {
      const both = await chain([[certificatePolicies([QWAC, QCP_N])]], [certificatePolicies([QWAC])]);
      expectPolicies(await verify(both), [QWAC]);
      expectPolicies(await verify(both, { initialPolicySet: [QWAC], requireExplicitPolicy: true }), [QWAC]);
      expectRefused(await verify(both, { initialPolicySet: [QCP_N], requireExplicitPolicy: true }));
    });

    it('a CA\'s critical policyConstraints requireExplicitPolicy is processed, not refused as unrecognised', async () => {
      const required = policyConstraints({ requireExplicitPolicy: 0 });
      expectRefused(await verify(await chain([[required]], [])));
      expectPolicies(await verify(await chain([[required, certificatePolicies([A])]], [certificatePolicies([A])])), [A]);
      // The CA asserts A, the leaf B: no common policy.
      expectRefused(await verify(await chain([[required, certificatePolicies([A])]], [certificatePolicies([B])])));
    });

    it('requireExplicitPolicy counts the certificates that may follow before a policy is required (SkipCerts)', async () => {
      // 1: one more certificate (the leaf) may follow, then the whole path needs a policy.
      expectRefused(await verify(await chain([[policyConstraints({ requireExplicitPolicy: 1 })]], [])));
      expectPolicies(await verify(await chain([[policyConstraints({ requireExplicitPolicy: 2 })]], [])), []);
      expectRefused(await verify(await chain([[policyConstraints({ requireExplicitPolicy: 2 })], []], [])));
      expectPolicies(await verify(await chain([[policyConstraints({ requireExplicitPolicy: 3 })], []], [])), []);
    });

    it('the leaf\'s own requireExplicitPolicy of 0 applies to the path (6.1.5 b)', async () => {
      expectRefused(await verify(await chain([[]], [policyConstraints({ requireExplicitPolicy: 0 })])));
      expectPolicies(await verify(await chain([[certificatePolicies([A])]], [certificatePolicies([A]), policyConstraints({ requireExplicitPolicy: 0 })])), [A]);
    });

    it('a certificate without policies below one with them empties the tree', async () => {
      const gap = await chain([[certificatePolicies([A])], []], [certificatePolicies([A])]);
      expectPolicies(await verify(gap), []);
      expectRefused(await verify(gap, { requireExplicitPolicy: true }));
    });
  });

  describe('anyPolicy', () => {
    it('a CA\'s anyPolicy lets any leaf policy through', async () => {
      const anyCa = await chain([[certificatePolicies([ANY_POLICY])]], [certificatePolicies([QWAC])]);
      expectPolicies(await verify(anyCa), [QWAC]);
      expectPolicies(await verify(anyCa, { initialPolicySet: [QWAC], requireExplicitPolicy: true }), [QWAC]);
    });

    it('anyPolicy all the way down is valid for every policy', async () => {
      const all = await chain([[certificatePolicies([ANY_POLICY])]], [certificatePolicies([ANY_POLICY])]);
      expectPolicies(await verify(all), [ANY_POLICY]);
      expectPolicies(await verify(all, { initialPolicySet: [QWAC], requireExplicitPolicy: true }), [QWAC]);
    });

    it('initial-any-policy-inhibit makes anyPolicy match nothing', async () => {
      const anyCa = await chain([[certificatePolicies([ANY_POLICY])]], [certificatePolicies([QWAC])]);
      expectRefused(await verify(anyCa, { inhibitAnyPolicy: true, requireExplicitPolicy: true }));
      expectPolicies(await verify(anyCa, { inhibitAnyPolicy: true }), []);
    });

    it('a CA\'s critical inhibitAnyPolicy stops anyPolicy in the certificates below it', async () => {
      const leafAny = [certificatePolicies([ANY_POLICY])];
      expectPolicies(await verify(await chain([[certificatePolicies([A])]], leafAny)), [A]);
      const inhibited = await chain([[certificatePolicies([A]), inhibitAnyPolicy(0)]], leafAny);
      expectPolicies(await verify(inhibited), []);
      expectRefused(await verify(inhibited, { requireExplicitPolicy: true }));
      // SkipCerts 1: the leaf, one certificate further, may still use anyPolicy.
      expectPolicies(await verify(await chain([[certificatePolicies([A]), inhibitAnyPolicy(1)]], leafAny)), [A]);
    });
  });

  describe('policy mapping', () => {
    it('a mapping carries the anchor\'s policy to the subject domain\'s equivalent', async () => {
      const mapped = await chain([[certificatePolicies([A]), policyMappings([[A, B]])]], [certificatePolicies([B])]);
      // The policy set is expressed in the anchor's domain.
      expectPolicies(await verify(mapped), [A]);
      expectPolicies(await verify(mapped, { initialPolicySet: [A], requireExplicitPolicy: true }), [A]);
      expectRefused(await verify(mapped, { initialPolicySet: [B], requireExplicitPolicy: true }));
    });

    it('a mapped policy no longer matches under its own name', async () => {
      const mapped = await chain([[certificatePolicies([A]), policyMappings([[A, B]])]], [certificatePolicies([A])]);
      expectRefused(await verify(mapped, { requireExplicitPolicy: true }));
    });

    it('a policy asserted through anyPolicy is mapped too', async () => {
      const mapped = await chain([[certificatePolicies([ANY_POLICY]), policyMappings([[A, B]])]], [certificatePolicies([B])]);
      expectPolicies(await verify(mapped, { initialPolicySet: [A], requireExplicitPolicy: true }), [A]);
    });

    it('one issuer policy mapped to two subject policies accepts either', async () => {
      const split = await chain([[certificatePolicies([A]), policyMappings([[A, B], [A, C]])]], [certificatePolicies([C])]);
      expectPolicies(await verify(split, { initialPolicySet: [A], requireExplicitPolicy: true }), [A]);
    });

    it('initial-policy-mapping-inhibit drops mapped policies', async () => {
      const mapped = await chain([[certificatePolicies([A]), policyMappings([[A, B]])]], [certificatePolicies([B])]);
      expectRefused(await verify(mapped, { inhibitPolicyMapping: true, requireExplicitPolicy: true }));
      expectPolicies(await verify(mapped, { inhibitPolicyMapping: true }), []);
    });

    it('a CA\'s inhibitPolicyMapping binds the certificates below it, not its own mappings', async () => {
      const lower = [certificatePolicies([A]), policyMappings([[A, B]])];
      const inhibited = await chain([[certificatePolicies([A]), policyConstraints({ inhibitPolicyMapping: 0 })], lower], [certificatePolicies([B])]);
      expectRefused(await verify(inhibited, { requireExplicitPolicy: true }));
      const allowed = await chain([[certificatePolicies([A]), policyConstraints({ inhibitPolicyMapping: 1 })], lower], [certificatePolicies([B])]);
      expectPolicies(await verify(allowed, { requireExplicitPolicy: true }), [A]);
      const own = await chain([[certificatePolicies([A]), policyMappings([[A, B]]), policyConstraints({ inhibitPolicyMapping: 0 })]], [certificatePolicies([B])]);
      expectPolicies(await verify(own, { requireExplicitPolicy: true }), [A]);
    });

    it('a mapping from or to anyPolicy is refused (6.1.4 a)', async () => {
      expectRefused(await verify(await chain([[certificatePolicies([A]), policyMappings([[ANY_POLICY, B]])]], [certificatePolicies([B])])));
      expectRefused(await verify(await chain([[certificatePolicies([A]), policyMappings([[A, ANY_POLICY]])]], [certificatePolicies([A])])));
    });
  });

  describe('self-issued CA certificates (key rollover)', () => {
    /** root -> CA (`upper`) -> the same CA re-keyed, self-issued (`rolled`) -> leaf. */
    async function rollover(upper: x509.Extension[], rolled: x509.Extension[], leafExtensions: x509.Extension[]): Promise<Chain> {
      const root = await issue({ subject: 'CN=Rollover Root,O=Tests', ca: true });
      const old = await issue({ subject: 'CN=Rollover CA,O=Tests', ca: true, issuer: root, extensions: upper });
      const renewed = await issue({ subject: 'CN=Rollover CA,O=Tests', ca: true, issuer: old, extensions: rolled });
      const leaf = await issue({ subject: 'CN=client,O=Tests', issuer: renewed, extensions: leafExtensions });
      return { root, intermediates: [old, renewed], leaf };
    }

    it('a self-issued certificate does not count against requireExplicitPolicy (6.1.4 h)', async () => {
      // Counted, CA 2 would use up the one certificate SkipCerts 2 leaves before the leaf.
      expectPolicies(await verify(await rollover([policyConstraints({ requireExplicitPolicy: 2 })], [], [])), []);
      expectRefused(await verify(await chain([[policyConstraints({ requireExplicitPolicy: 2 })], []], [])));
    });

    it('an intermediate self-issued certificate may use anyPolicy where inhibitAnyPolicy stopped it (6.1.3 d.2)', async () => {
      const rolled = await rollover([certificatePolicies([A]), inhibitAnyPolicy(0)], [certificatePolicies([ANY_POLICY])], [certificatePolicies([A])]);
      expectPolicies(await verify(rolled, { requireExplicitPolicy: true }), [A]);
      const renamed = await chain([[certificatePolicies([A]), inhibitAnyPolicy(0)], [certificatePolicies([ANY_POLICY])]], [certificatePolicies([A])]);
      expectRefused(await verify(renamed, { requireExplicitPolicy: true }));
    });
  });

  describe('bounds and encoding', () => {
    it('refuses a path whose mappings would grow the policy tree past the bound', async () => {
      const policies = Array.from({ length: 11 }, (_, index) => `1.3.6.1.4.1.55555.2.${index}`);
      const everyToEvery = policies.flatMap((from) => policies.map((to) => [from, to] as const));
      const ca = [certificatePolicies(policies), policyMappings(everyToEvery)];
      const bomb = await chain([ca, ca, ca], [certificatePolicies(policies)]);
      const verdict = await verify(bomb);
      expectRefused(verdict);
      if (!verdict.valid) assert.match(verdict.message, new RegExp(`${MAX_POLICY_NODES} policy tree nodes`));
    });

    it('refuses a certificatePolicies extension naming a policy twice as malformed', async () => {
      expectRefused(await verify(await chain([[]], [certificatePolicies([A, A])])), 'ERR_MTLS_CERT_MALFORMED');
    });

    it('refuses an empty policyConstraints and a non-critical one (4.2.1.11)', async () => {
      const empty = await chain([[policyConstraints({})]], []);
      // The CA does not decode, so it cannot be part of a path.
      assert.equal((await verify(empty)).valid, false);
      expectRefused(await verify(await chain([[policyConstraints({ requireExplicitPolicy: 5 }, false)]], [])), 'ERR_MTLS_CERT_MALFORMED');
    });

    it('the validator and createMtls take the same global policy options', async () => {
      const qcp = await chain([[certificatePolicies([QCP_N])]], [certificatePolicies([QCP_N])]);
      const validator = createCertificateValidator({ trustAnchors: [qcp.root.pem], policies: { initialPolicySet: [QWAC], requireExplicitPolicy: true } });
      const leaf = ClientCertificate.from(qcp.leaf.pem);
      const intermediates = qcp.intermediates.map((c) => ClientCertificate.from(c.pem));
      expectRefused(await validator.verify(leaf, intermediates));
      const mtls = createMtls({ trustAnchors: [qcp.root.pem], policies: { initialPolicySet: [QCP_N], requireExplicitPolicy: true } });
      expectPolicies(await mtls.validator!.verify(leaf, intermediates), [QCP_N]);
      assert.throws(() => createMtls({ trustAnchors: [qcp.root.pem], policies: { initialPolicySet: 'QWAC' as unknown as string[] } }), /^ConfigurationError: policies\.initialPolicySet must be/);
    });

    it('validates the policy options, naming the option', async () => {
      const plain = await chain([[]], []);
      await assert.rejects(verify(plain, { initialPolicySet: [] }), (error: unknown) => error instanceof ConfigurationError && /policies\.initialPolicySet/.test(error.message));
      await assert.rejects(verify(plain, { initialPolicySet: ['not-an-oid'] }), ConfigurationError);
      await assert.rejects(verify(plain, { requireExplicitPolicy: 'yes' as unknown as boolean }), /policies\.requireExplicitPolicy must be a boolean/);
    });
  });
});
