// Costs of certificate validation, in microseconds per call: a first (uncached) verification of a
// leaf -> intermediate -> root chain, a cached one, and RFC 8705 subject matching. A first
// verification is timed on leaves never seen before, one per call, issued by the same CA, as new
// clients present them: decoded extension values that all of a CA's certificates share are
// remembered by the engine, so the same leaf verified again would measure less than a new client. With
// `--before=<rev>`, the same calls on the same certificates with that revision's engine, in
// interleaved rounds, and a row "after / before" for each.
import { performance } from 'node:perf_hooks';
import { issue, type TestCertificate } from '../../test/support/pki.js';
import { CURRENT_CERTIFICATE, loadRevisionCertificate, type CertificateApi } from '../plugin-api.js';
import type { BenchContext, Row } from '../report.js';
import { pairedRatio, summarize } from '../stats.js';

interface Fixture {
  root: string;
  intermediate: string;
  leaf: string;
  /** The intermediate, to issue new leaves with. */
  ca: TestCertificate;
}

async function perCall(iterations: number, run: (i: number) => unknown): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < iterations; i += 1) await run(i);
  return ((performance.now() - start) * 1000) / iterations;
}

const FIRST_CALLS = 50;

async function fixture(): Promise<Fixture> {
  const root = await issue({ subject: 'CN=Bench Root,O=Bench', ca: true });
  const ica = await issue({ subject: 'CN=Bench CA,O=Bench', ca: true, issuer: root });
  const leaf = await issue({ subject: 'CN=bench client,O=Bench,C=GB', issuer: ica, sans: [{ type: 'dns', value: 'client.bench.example' }] });
  return { root: root.pem, intermediate: ica.pem, leaf: leaf.pem, ca: ica };
}

const DN = 'cn=Bench Client, O=bench, C=GB';
const DNS = 'CLIENT.bench.example';

/** Leaves of one CA that differ in key, serial, subject and subjectAltName, like its clients'. */
async function newLeaves(ca: TestCertificate, count: number): Promise<string[]> {
  const leaves: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const leaf = await issue({ subject: `CN=bench client ${i},O=Bench,C=GB`, issuer: ca, sans: [{ type: 'dns', value: `client-${i}.bench.example` }] });
    leaves.push(leaf.pem);
  }
  return leaves;
}

async function costs(api: CertificateApi, { root, intermediate, leaf: pem, ca }: Fixture): Promise<Record<string, number>> {
  const chain = [api.ClientCertificate.from(intermediate)];
  // Parsed from PEM each time: nothing cached on the certificate values either.
  const fresh = await newLeaves(ca, FIRST_CALLS);
  const first = await perCall(FIRST_CALLS, (i) => api.verifyCertificateChain(fresh[i]!, { trustAnchors: [root], intermediates: [intermediate] }));
  const validator = api.createCertificateValidator({ trustAnchors: [root] });
  const leaf = api.ClientCertificate.from(pem);
  await validator.verify(leaf, chain);
  const cached = await perCall(20_000, () => validator.verify(leaf, chain));
  const dn = await perCall(20_000, () => api.subjectMatches(leaf, 'tls_client_auth_subject_dn', DN));
  const dns = await perCall(20_000, () => api.subjectMatches(leaf, 'tls_client_auth_san_dns', DNS));
  return {
    'verify 3-cert chain, first, new leaf (us)': first,
    'verify 3-cert chain, cached (us)': cached,
    'subjectMatches subject_dn (us)': dn,
    'subjectMatches san_dns (us)': dns,
  };
}

/** Before two engines are compared: both must accept the chain and match both names, or they do different work. */
async function checkAccepts(api: CertificateApi, { root, intermediate, leaf }: Fixture, revision: string): Promise<void> {
  const verdict = await api.verifyCertificateChain(leaf, { trustAnchors: [root], intermediates: [intermediate] });
  const cached = await api.createCertificateValidator({ trustAnchors: [root] }).verify(api.ClientCertificate.from(leaf), [api.ClientCertificate.from(intermediate)]);
  const names = api.subjectMatches(leaf, 'tls_client_auth_subject_dn', DN) && api.subjectMatches(leaf, 'tls_client_auth_san_dns', DNS);
  if (!verdict.valid || !cached.valid || !names) throw new Error(`scenario 5: the ${revision} certificate engine does not accept the bench chain and names`);
}

function rowsOf(micros: Record<string, number>): Row[] {
  return Object.entries(micros).map(([label, value]): Row => {
    const cached = /cached/.test(label);
    return {
      scenario: '5',
      label: label.replace(/ \(us\)$/, ''),
      value: `${value.toFixed(1)} µs`,
      ...(cached ? { target: '< 1000 µs', met: value < 1000 } : { target: 'report' }),
    };
  });
}

/** The working tree and `revision` in `rounds` interleaved rounds (alternating which runs first). */
async function sideBySide(context: BenchContext & { before: NonNullable<BenchContext['before']> }, data: Fixture): Promise<Row[]> {
  const { before, settings, log } = context;
  const earlier = await loadRevisionCertificate(before.root);
  await checkAccepts(CURRENT_CERTIFICATE, data, 'working tree');
  await checkAccepts(earlier, data, before.name);
  const after: Record<string, number>[] = [];
  const prior: Record<string, number>[] = [];
  for (let round = 0; round < settings.rounds; round += 1) {
    if (round % 2 === 0) {
      after.push(await costs(CURRENT_CERTIFICATE, data));
      prior.push(await costs(earlier, data));
    } else {
      prior.push(await costs(earlier, data));
      after.push(await costs(CURRENT_CERTIFICATE, data));
    }
    log(`  validation: round ${round + 1}/${settings.rounds} done`);
  }
  const labels = Object.keys(after[0]!);
  const median = (rounds: Record<string, number>[], label: string) => summarize(rounds.map((r) => r[label]!)).median;
  const ratios = labels.map((label): Row => {
    const [a, b] = [median(after, label), median(prior, label)];
    return {
      scenario: '5',
      label: `${label.replace(/ \(us\)$/, '')}: after / before (${before.name})`,
      // Speed, like the throughput ratios: the earlier revision's time per call over ours.
      ratio: pairedRatio(prior.map((r) => r[label]!), after.map((r) => r[label]!)),
      value: `${a.toFixed(1)} vs ${b.toFixed(1)} µs`,
      target: 'within noise of 1',
    };
  });
  return [...rowsOf(Object.fromEntries(labels.map((label) => [label, median(after, label)]))), ...ratios];
}

/** Scenario 5: validation costs per call, in microseconds (in process: no server involved). */
export async function run(context: BenchContext): Promise<Row[]> {
  const data = await fixture();
  const { before } = context;
  return before === undefined ? rowsOf(await costs(CURRENT_CERTIFICATE, data)) : sideBySide({ ...context, before }, data);
}
