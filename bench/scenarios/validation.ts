// Costs of certificate validation, in microseconds per call: a first (uncached) verification of a
// leaf -> intermediate -> root chain, a cached one, and RFC 8705 subject matching.
import { performance } from 'node:perf_hooks';
import { ClientCertificate, createCertificateValidator, subjectMatches, verifyCertificateChain } from '../../src/certificate/index.js';
import { issue } from '../../test/support/pki.js';
import type { Row } from '../report.js';

async function perCall(iterations: number, run: (i: number) => unknown): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < iterations; i += 1) await run(i);
  return ((performance.now() - start) * 1000) / iterations;
}

async function costs(): Promise<Record<string, number>> {
  const root = await issue({ subject: 'CN=Bench Root,O=Bench', ca: true });
  const ica = await issue({ subject: 'CN=Bench CA,O=Bench', ca: true, issuer: root });
  const pem = (await issue({ subject: 'CN=bench client,O=Bench,C=GB', issuer: ica, sans: [{ type: 'dns', value: 'client.bench.example' }] })).pem;
  const chain = [ClientCertificate.from(ica.pem)];
  // A fresh parse each time: nothing cached on the certificate values either.
  const first = await perCall(50, () => verifyCertificateChain(pem, { trustAnchors: [root.pem], intermediates: [ica.pem] }));
  const validator = createCertificateValidator({ trustAnchors: [root.pem] });
  const leaf = ClientCertificate.from(pem);
  await validator.verify(leaf, chain);
  const cached = await perCall(20_000, () => validator.verify(leaf, chain));
  const dn = await perCall(20_000, () => subjectMatches(leaf, 'tls_client_auth_subject_dn', 'cn=Bench Client, O=bench, C=GB'));
  const dns = await perCall(20_000, () => subjectMatches(leaf, 'tls_client_auth_san_dns', 'CLIENT.bench.example'));
  return {
    'verify 3-cert chain, first (us)': first,
    'verify 3-cert chain, cached (us)': cached,
    'subjectMatches subject_dn (us)': dn,
    'subjectMatches san_dns (us)': dns,
  };
}

/** Scenario 5: validation costs per call, in microseconds (in process: no server involved). */
export async function run(): Promise<Row[]> {
  return Object.entries(await costs()).map(([label, micros]): Row => {
    const cached = /cached/.test(label);
    return {
      scenario: '5',
      label: label.replace(/ \(us\)$/, ''),
      value: `${micros.toFixed(1)} µs`,
      ...(cached ? { target: '< 1000 µs', met: micros < 1000 } : { target: 'report' }),
    };
  });
}
