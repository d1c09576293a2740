// Runs the x509-limbo path-validation suite against verifyCertificateChain and prints results per
// category. The suite lives outside the package (../shared/testdata/x509-limbo/limbo.json from the
// repository root, or LIMBO_JSON), so this is a development aid, never part of `npm test`.
//
// It runs every applicable case with the default options, then again with both checks the
// validator can make stricter than RFC 5280 (docs/validation.md, "Positions"), and counts the policy
// cases (RFC 5280 6.1 policy processing) on their own line.
//
// Every case that passes with the default options is listed in scripts/conformance-baseline.json:
// a listed case that fails now makes the run exit 1 (CI runs it), and `-- --update-baseline`
// rewrites the list after a deliberate change.
//
// Usage: npm run conformance [-- --verbose] [-- --update-baseline]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '../src/errors.js';
import { subjectMatches, verifyCertificateChain, type Purpose, type VerifyChainOptions } from '../src/certificate/index.js';

interface LimboCase {
  id: string;
  conflicts_with: string[];
  features: string[];
  description: string;
  validation_kind: 'CLIENT' | 'SERVER';
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  validation_time: string | null;
  extended_key_usage: string[];
  expected_result: 'SUCCESS' | 'FAILURE';
  expected_peer_name: { kind: string; value: string } | null;
  expected_peer_names: { kind: string; value: string }[];
  max_chain_depth: number | null;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const file = process.env.LIMBO_JSON ?? resolve(repoRoot, '../shared/testdata/x509-limbo/limbo.json');
const verbose = process.argv.includes('--verbose');
const baselineFile = resolve(repoRoot, 'scripts/conformance-baseline.json');

/**
 * Why a case says nothing about validating a client certificate, or `undefined` when it applies.
 * Everything else runs, including server-kind cases whose outcome depends only on the path.
 */
function notApplicable(test: LimboCase): string | undefined {
  if (test.extended_key_usage.includes('serverAuth')) return 'requires the serverAuth purpose (a TLS server certificate)';
  if (/^webpki::(san|cn)::/.test(test.id) || test.id === 'rfc5280::ca-as-leaf-wrong-san') {
    return 'server identity: matches a hostname or IP against the peer certificate (RFC 6125/9525), which client authentication does not do';
  }
  if (test.features.includes('has-crl')) return 'hands CRLs in out of band; this validator fetches revocation data from the certificate\'s own CRL distribution points and OCSP responders';
  if (/^webpki::(eku|aki)::/.test(test.id)) return 'CA/Browser Forum Baseline Requirements profile for public TLS server certificates';
  if (test.features.includes('pedantic-serial-number')) return 'RFC 5280 4.1.2.2 asks relying parties to tolerate non-conforming serial numbers';
  if (test.conflicts_with.length > 0 && test.id.startsWith('webpki::')) return `conflicts with ${test.conflicts_with.join(', ')} (RFC 5280), which this validator follows`;
  return undefined;
}

function purposeOf(test: LimboCase): Purpose {
  return test.extended_key_usage.includes('clientAuth') ? 'clientAuth' : 'any';
}

/** The checks stricter than RFC 5280 that the validator offers as options. */
const STRICT: Partial<VerifyChainOptions> = { requireCriticalBasicConstraints: true, checkAnchorValidity: true };

function isPolicyCase(test: LimboCase): boolean {
  return test.features.includes('has-policy-constraints') || /::pc::|polic/i.test(test.id);
}

async function outcome(test: LimboCase, extra: Partial<VerifyChainOptions> = {}): Promise<{ result: 'SUCCESS' | 'FAILURE'; detail: string }> {
  try {
    const verdict = await verifyCertificateChain(test.peer_certificate, {
      ...extra,
      trustAnchors: test.trusted_certs,
      intermediates: test.untrusted_intermediates,
      at: test.validation_time ? new Date(test.validation_time) : new Date(),
      purpose: purposeOf(test),
      ...(test.max_chain_depth === null ? {} : { maxIntermediates: Math.min(test.max_chain_depth, 32) }),
    });
    if (!verdict.valid) return { result: 'FAILURE', detail: `${verdict.code}: ${verdict.message}` };
    // CLIENT cases name the expected client identities: check them as RFC 8705 registrations would.
    for (const name of test.expected_peer_names) {
      if (name.kind === 'RFC822' && !subjectMatches(verdict.chain[0]!, 'tls_client_auth_san_email', name.value)) {
        return { result: 'FAILURE', detail: `the certificate does not carry the email ${name.value}` };
      }
    }
    return { result: 'SUCCESS', detail: 'valid' };
  } catch (error) {
    // An anchor this validator refuses to load is a refusal of the whole case.
    if (error instanceof ConfigurationError) return { result: 'FAILURE', detail: `configuration refused: ${error.message}` };
    throw error;
  }
}

const suite = JSON.parse(readFileSync(file, 'utf8')) as { testcases: LimboCase[] };
const categories = new Map<string, { passed: number; failed: number }>();
const skipped = new Map<string, string[]>();
const failures: string[] = [];
const passing: string[] = [];
const policy = { passed: 0, total: 0 };
let strictPassed = 0;
for (const test of suite.testcases) {
  const reason = notApplicable(test);
  if (reason) {
    skipped.set(reason, [...(skipped.get(reason) ?? []), test.id]);
    continue;
  }
  const category = test.id.split('::').slice(0, test.id.split('::').length > 2 ? 2 : 1).join('::');
  const entry = categories.get(category) ?? { passed: 0, failed: 0 };
  const { result, detail } = await outcome(test);
  if ((await outcome(test, STRICT)).result === test.expected_result) strictPassed += 1;
  if (isPolicyCase(test)) {
    policy.total += 1;
    if (result === test.expected_result) policy.passed += 1;
  }
  if (result === test.expected_result) {
    entry.passed += 1;
    passing.push(test.id);
  } else {
    entry.failed += 1;
    failures.push(`${test.id}: expected ${test.expected_result}, got ${result} (${detail})`);
  }
  categories.set(category, entry);
}

let passed = 0;
let total = 0;
console.log(`x509-limbo: ${suite.testcases.length} cases from ${file}\n`);
console.log('category'.padEnd(28), 'passed', 'failed');
for (const [category, { passed: p, failed: f }] of [...categories].sort()) {
  console.log(category.padEnd(28), String(p).padStart(6), String(f).padStart(6));
  passed += p;
  total += p + f;
}
console.log(`\napplicable: ${total}, passed: ${passed}, failed: ${total - passed}, ${((100 * passed) / total).toFixed(1)}%`);
console.log(`policy cases (RFC 5280 6.1 policy processing, policy extensions): ${policy.passed} of ${policy.total}`);
console.log(`with ${Object.keys(STRICT).join(' and ')}: passed ${strictPassed} of ${total}`);
console.log(`not applicable: ${suite.testcases.length - total}`);
for (const [reason, ids] of skipped) console.log(`  ${String(ids.length).padStart(3)}  ${reason}${verbose ? `\n       ${ids.join('\n       ')}` : ''}`);
if (failures.length) console.log(`\nfailures:\n  ${failures.join('\n  ')}`);

if (process.argv.includes('--update-baseline')) {
  writeFileSync(baselineFile, `${JSON.stringify({ passing: passing.sort() }, null, 2)}\n`);
  console.log(`\nbaseline: ${passing.length} passing cases written to ${baselineFile}`);
} else {
  const baseline = new Set((JSON.parse(readFileSync(baselineFile, 'utf8')) as { passing: string[] }).passing);
  const now = new Set(passing);
  const regressed = [...baseline].filter((id) => !now.has(id));
  const gained = passing.filter((id) => !baseline.has(id));
  if (gained.length) console.log(`\nnewly passing (not in the baseline; --update-baseline records them):\n  ${gained.join('\n  ')}`);
  if (regressed.length) {
    console.log(`\nREGRESSED: passed in the baseline, fail now:\n  ${regressed.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log(`\nbaseline: all ${baseline.size} baseline cases still pass`);
  }
}
