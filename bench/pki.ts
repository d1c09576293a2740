// The benchmark's throwaway PKI (EC P-256), generated once per run and handed to the server and
// load-generator processes as a JSON file, since key objects do not cross process boundaries.
import { readFile, writeFile } from 'node:fs/promises';
import { createTestPki, issue } from '../test/support/pki.js';

export interface BenchCertificate {
  readonly pem: string;
  readonly keyPem: string;
  /** DER, base64. */
  readonly der: string;
}

export interface BenchPki {
  readonly root: BenchCertificate;
  readonly intermediate: BenchCertificate;
  readonly server: BenchCertificate;
  /** `CN=client-a,O=Example Bank,C=GB`, issued by the intermediate: a 3-certificate chain. */
  readonly client: BenchCertificate;
  /** `CN=direct-client,O=Example Bank,C=GB`, issued by the root itself. */
  readonly direct: BenchCertificate;
  readonly selfSigned: BenchCertificate;
}

export const CLIENT_DN = 'CN=client-a,O=Example Bank,C=GB';
export const DIRECT_DN = 'CN=direct-client,O=Example Bank,C=GB';

export async function createBenchPki(): Promise<BenchPki> {
  const pki = await createTestPki();
  const direct = await issue({ subject: DIRECT_DN, issuer: pki.root });
  const plain = (cert: { pem: string; keyPem: string; der: Buffer }): BenchCertificate => ({
    pem: cert.pem,
    keyPem: cert.keyPem,
    der: cert.der.toString('base64'),
  });
  return {
    root: plain(pki.root),
    intermediate: plain(pki.intermediate),
    server: plain(pki.server),
    client: plain(pki.clientA),
    direct: plain(direct),
    selfSigned: plain(pki.selfSigned),
  };
}

export async function savePki(pki: BenchPki, file: string): Promise<void> {
  await writeFile(file, JSON.stringify(pki), { mode: 0o600 });
}

export async function loadPki(file: string): Promise<BenchPki> {
  return JSON.parse(await readFile(file, 'utf8')) as BenchPki;
}
