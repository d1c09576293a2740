// RFC 5280 6.1 policy processing checked against an implementation nobody here wrote: OpenSSL's
// `openssl verify -policy_check`. Chains with generated certificatePolicies, policyMappings,
// policyConstraints and inhibitAnyPolicy, under generated initial inputs, must get the same
// verdict and the same user-constrained policy set (`-policy_print`) from both (fixed, printed seed).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { verifyCertificateChain } from '../../src/certificate/index.js';
import { issue, type TestCertificate } from '../support/pki.js';
import { ANY_POLICY, certificatePolicies, inhibitAnyPolicy, policyConstraints, policyMappings } from '../support/policies.js';

const run = promisify(execFile);
const SEED = Number(process.env.FUZZ_SEED ?? 5280);
const CHAINS = 60;
const A = '1.3.6.1.4.1.55555.3.1';
const B = '1.3.6.1.4.1.55555.3.2';
const C = '1.3.6.1.4.1.55555.3.3';

/** `arbitrary` in `present` cases out of `present + absent`, otherwise absent. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, absent: number, present = 1): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: absent, arbitrary: fc.constant(undefined) }, { weight: present, arbitrary });
const skip = sometimes(fc.integer({ min: 0, max: 3 }), 3);
const policies = sometimes(fc.uniqueArray(fc.constantFrom(A, B, C, ANY_POLICY), { minLength: 1, maxLength: 3 }), 1, 7);
const ca = fc.record({
  /** Re-keyed: the same name as the CA above it (RFC 5280's self-issued certificates). */
  selfIssued: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  policies,
  mappings: sometimes(
    fc.uniqueArray(fc.tuple(fc.constantFrom(A, B, C), fc.constantFrom(A, B, C)), { minLength: 1, maxLength: 3, selector: ([from, to]) => `${from}>${to}` }),
    2,
  ),
  requireExplicitPolicy: skip,
  inhibitPolicyMapping: skip,
  inhibitAnyPolicy: sometimes(fc.integer({ min: 0, max: 2 }), 3),
});
const spec = fc.record({
  cas: fc.array(ca, { minLength: 1, maxLength: 3 }),
  leaf: fc.record({ policies, requireExplicitPolicy: sometimes(fc.constant(0), 5) }),
  inputs: fc.array(fc.record({
    initialPolicySet: fc.constantFrom(undefined, [A], [B, C], [ANY_POLICY]),
    requireExplicitPolicy: fc.boolean(),
    inhibitPolicyMapping: fc.boolean(),
    inhibitAnyPolicy: fc.boolean(),
  }), { minLength: 3, maxLength: 3 }),
});
type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never;
type CaSpec = Spec['cas'][number];

function extensionsOf(certificate: Partial<CaSpec>): x509.Extension[] {
  const out: x509.Extension[] = [];
  if (certificate.policies) out.push(certificatePolicies(certificate.policies));
  if (certificate.mappings) out.push(policyMappings(certificate.mappings));
  if (certificate.requireExplicitPolicy !== undefined || certificate.inhibitPolicyMapping !== undefined) {
    out.push(policyConstraints({
      ...(certificate.requireExplicitPolicy === undefined ? {} : { requireExplicitPolicy: certificate.requireExplicitPolicy }),
      ...(certificate.inhibitPolicyMapping === undefined ? {} : { inhibitPolicyMapping: certificate.inhibitPolicyMapping }),
    }));
  }
  if (certificate.inhibitAnyPolicy !== undefined) out.push(inhibitAnyPolicy(certificate.inhibitAnyPolicy));
  return out;
}

/**
 * OpenSSL maps a policy a CA asserts only through anyPolicy even where anyPolicy is inhibited at
 * that CA (it reads the certificate's anyPolicy, not the tree's anyPolicy node). RFC 5280 6.1.4
 * (b)(1) maps it only "if there is a node of depth i with a valid_policy of anyPolicy", which
 * inhibit_anyPolicy prevented (6.1.3 d.2). Such chains are left out of the comparison.
 */
function mapsThroughInhibitedAnyPolicy(chain: Spec, inputs: Spec['inputs'][number]): boolean {
  // inhibit_anyPolicy as 6.1.2 (j) and 6.1.4 (h), (j) count it.
  let inhibitAny = inputs.inhibitAnyPolicy ? 0 : chain.cas.length + 2;
  for (const [depth, ca] of chain.cas.entries()) {
    // A self-issued CA may use anyPolicy whatever the counter (6.1.3 d.2) and does not count (6.1.4 h).
    const selfIssued = ca.selfIssued && depth > 0;
    if (inhibitAny === 0 && !selfIssued && ca.policies?.includes(ANY_POLICY) && (ca.mappings ?? []).some(([from]) => !ca.policies!.includes(from))) return true;
    if (inhibitAny > 0 && !selfIssued) inhibitAny -= 1;
    if (ca.inhibitAnyPolicy !== undefined) inhibitAny = Math.min(inhibitAny, ca.inhibitAnyPolicy);
  }
  return false;
}

/** The user-constrained policy set `-policy_print` shows on stderr (its last "User Policies" list). */
function printedPolicies(stderr: string): string[] {
  const section = stderr.split('User Policies:').pop() ?? '';
  const policies = [...section.matchAll(/^ {2}Policy: (.+)$/gm)].map(([, name]) => (name === 'X509v3 Any Policy' ? ANY_POLICY : name!));
  return [...new Set(policies)].sort();
}

/**
 * Where a CA maps a policy it asserts only through anyPolicy, OpenSSL's node for it (data flagged
 * MAPPED_ANY) later gets children named after its own valid_policy rather than its
 * expected_policy_set, as RFC 5280 6.1.3 (d)(2) says. Verdicts still agree there; the policy sets
 * are not compared.
 */
function mapsThroughAnyPolicy(chain: Spec): boolean {
  return chain.cas.some((ca) => ca.policies?.includes(ANY_POLICY) && (ca.mappings ?? []).some(([from]) => !ca.policies!.includes(from)));
}

async function openssl(dir: string, inputs: Spec['inputs'][number]): Promise<{ valid: boolean; policies: string[] }> {
  const args = ['verify', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'cas.pem'), '-policy_check', '-policy_print'];
  if (inputs.requireExplicitPolicy) args.push('-explicit_policy');
  if (inputs.inhibitPolicyMapping) args.push('-inhibit_map');
  if (inputs.inhibitAnyPolicy) args.push('-inhibit_any');
  // Without -policy, OpenSSL's user-constrained set is empty rather than RFC 5280's any-policy
  // (an explicit-policy path then fails whatever its policies), so any-policy is spelled out.
  for (const policy of inputs.initialPolicySet ?? [ANY_POLICY]) args.push('-policy', policy);
  args.push(join(dir, 'leaf.pem'));
  try {
    const { stderr } = await run('openssl', args);
    return { valid: true, policies: printedPolicies(stderr) };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: unknown; stdout?: string; stderr?: string };
    if (code === 'ENOENT') throw new Error('this reference test needs the openssl command line tool on PATH', { cause: error });
    // A verification failure, not a broken invocation: OpenSSL names the error it found.
    assert.match(`${stdout}${stderr}`, /error \d+ at \d+ depth lookup/, `openssl failed otherwise: ${stderr}`);
    return { valid: false, policies: [] };
  }
}

describe(`certificate/policies against OpenSSL (seed ${SEED})`, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtls-policies-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it(`agrees with openssl verify -policy_check (verdict and user-constrained policy set) on ${CHAINS} generated chains, three sets of inputs each`, async function () {
    this.timeout(120_000);
    const disagreements: string[] = [];
    let deviations = 0;
    let selfIssued = 0;
    let refusals = 0;
    let acceptances = 0;
    for (const [index, chain] of fc.sample(spec, { seed: SEED, numRuns: CHAINS }).entries()) {
      const root = await issue({ subject: `CN=Reference Root ${index},O=Tests`, ca: true });
      const cas: TestCertificate[] = [];
      let issuer = root;
      let name = '';
      for (const [depth, certificate] of chain.cas.entries()) {
        if (!(certificate.selfIssued && depth > 0)) name = `CN=Reference CA ${index}.${depth},O=Tests`;
        issuer = await issue({ subject: name, ca: true, issuer, extensions: extensionsOf(certificate) });
        cas.push(issuer);
      }
      const leaf = await issue({ subject: `CN=reference leaf ${index},O=Tests`, issuer, extensions: extensionsOf(chain.leaf) });
      await writeFile(join(dir, 'root.pem'), root.pem);
      await writeFile(join(dir, 'cas.pem'), cas.map((c) => c.pem).join(''));
      await writeFile(join(dir, 'leaf.pem'), leaf.pem);
      for (const inputs of chain.inputs) {
        if (mapsThroughInhibitedAnyPolicy(chain, inputs)) {
          deviations += 1;
          continue;
        }
        const ours = await verifyCertificateChain(leaf.pem, {
          trustAnchors: [root.pem],
          intermediates: cas.map((c) => c.pem),
          purpose: 'any',
          policies: {
            ...(inputs.initialPolicySet ? { initialPolicySet: inputs.initialPolicySet } : {}),
            requireExplicitPolicy: inputs.requireExplicitPolicy,
            inhibitPolicyMapping: inputs.inhibitPolicyMapping,
            inhibitAnyPolicy: inputs.inhibitAnyPolicy,
          },
        });
        const reference = await openssl(dir, inputs);
        if (ours.valid && chain.cas.slice(1).some((ca) => ca.selfIssued)) selfIssued += 1;
        if (ours.valid) acceptances += 1;
        else refusals += 1;
        if (!ours.valid && ours.code !== 'ERR_MTLS_POLICY') disagreements.push(`chain ${index}: refused for another reason: ${ours.code} ${ours.message}`);
        if (ours.valid && reference.valid && !mapsThroughAnyPolicy(chain) && JSON.stringify([...ours.policies].sort()) !== JSON.stringify(reference.policies)) {
          disagreements.push(`chain ${index} ${JSON.stringify(chain.cas)} leaf ${JSON.stringify(chain.leaf)} inputs ${JSON.stringify(inputs)}: policies ours ${JSON.stringify(ours.policies)}, openssl ${JSON.stringify(reference.policies)}`);
        }
        if (ours.valid !== reference.valid) {
          disagreements.push(`chain ${index} ${JSON.stringify(chain.cas)} leaf ${JSON.stringify(chain.leaf)} inputs ${JSON.stringify(inputs)}: ours ${ours.valid ? 'valid' : `refused (${ours.message})`}, openssl ${reference.valid ? 'valid' : 'refused'}`);
        }
      }
    }
    console.log(`      ${acceptances} valid (${selfIssued} through a self-issued CA), ${refusals} refused, ${deviations} left out (OpenSSL maps through an inhibited anyPolicy)`);
    assert.deepEqual(disagreements, []);
    // The generator must exercise both outcomes, or the agreement says little.
    assert.ok(refusals >= 20 && acceptances >= 20 && selfIssued >= 5, `too one-sided: ${acceptances} valid (${selfIssued} self-issued), ${refusals} refused`);
  });
});
