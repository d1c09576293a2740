// A throwaway development PKI for the example, made by the package's own dev-PKI issuer (the one
// behind `oidc-provider-mtls pki dev`) and written to .example-pki/ so the printed curl commands can
// use it. Never use these files outside a local demo: the keys are stored unencrypted.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issue, type Issued } from '../src/cli/issue.js';

/** One certificate of the example PKI and its key. */
export interface ExampleCertificate {
  /** PEM of the certificate. */
  readonly pem: string;
  /** DER of the certificate. */
  readonly der: Buffer;
  /** PKCS#8 PEM of the private key. */
  readonly keyPem: string;
}

/** A root, an issuing CA, a localhost server certificate and three client certificates. */
export interface ExamplePki {
  readonly root: ExampleCertificate;
  /** Issues clientA and clientB; clients send it with their certificate. */
  readonly intermediate: ExampleCertificate;
  readonly server: ExampleCertificate;
  /** `CN=client-a,O=Example Bank,C=GB`, the demo-tls client's registered subject. */
  readonly clientA: ExampleCertificate;
  readonly clientB: ExampleCertificate;
  /** For self_signed_tls_client_auth. */
  readonly selfSigned: ExampleCertificate;
}

const DAYS = 30;

function certificateOf(issued: Issued): ExampleCertificate {
  return {
    pem: issued.certificate.toPEM(),
    der: issued.certificate.der,
    keyPem: issued.key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function generateExamplePki(now = new Date()): ExamplePki {
  const root = issue({ subject: [['O', 'oidc-provider-mtls example'], ['CN', 'Example Root CA']], ca: {}, days: DAYS, now });
  const intermediate = issue({ subject: [['O', 'oidc-provider-mtls example'], ['CN', 'Example Issuing CA']], issuer: root, ca: { pathLength: 0 }, days: DAYS, now });
  const server = issue({ subject: [['CN', 'localhost']], issuer: root, eku: 'serverAuth', dns: ['localhost'], ips: ['127.0.0.1'], days: DAYS, now });
  const client = (name: string) => issue({ subject: [['C', 'GB'], ['O', 'Example Bank'], ['CN', name]], issuer: intermediate, eku: 'clientAuth', days: DAYS, now });
  const selfSigned = issue({ subject: [['CN', 'self-signed']], eku: 'clientAuth', days: DAYS, now });
  return {
    root: certificateOf(root),
    intermediate: certificateOf(intermediate),
    server: certificateOf(server),
    clientA: certificateOf(client('client-a')),
    clientB: certificateOf(client('client-b')),
    selfSigned: certificateOf(selfSigned),
  };
}

/** Generates the example PKI and writes it to `dir` for curl. */
export async function createExamplePki(dir: string): Promise<{ pki: ExamplePki; dir: string }> {
  const pki = generateExamplePki();
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {
    'ca.pem': pki.root.pem,
    'server.pem': pki.server.pem,
    'server.key': pki.server.keyPem,
    // curl sends the whole file, so the client certificate travels with its intermediate.
    'client-a.pem': pki.clientA.pem + pki.intermediate.pem,
    'client-a.key': pki.clientA.keyPem,
    'client-b.pem': pki.clientB.pem + pki.intermediate.pem,
    'client-b.key': pki.clientB.keyPem,
    'self-signed.pem': pki.selfSigned.pem,
    'self-signed.key': pki.selfSigned.keyPem,
  };
  await Promise.all(Object.entries(files).map(([name, content]) => writeFile(join(dir, name), content, { mode: 0o600 })));
  return { pki, dir };
}
