// Certificates made with the openssl command line, the way the README and users make them
// (openssl's `-subj "/C=GB/O=.../CN=..."` form, extension files): an independent issuer for the
// command-line tool's tests, besides the project's own PKI helpers.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function openssl(cwd: string, ...args: string[]): Promise<string> {
  return (await run('openssl', args, { cwd, encoding: 'utf8' })).stdout;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
const CA_EXTENSIONS = 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n';
const CLIENT_EXTENSIONS = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:client-a.example.com,IP:10.0.0.7\n';

/** A folder of openssl-made files: `root.pem`, `intermediate.pem`, `client.pem` (+ `.key`), `self-signed.pem`, `other-self-signed.pem`. */
export interface OpensslPki {
  readonly dir: string;
  file(name: string): string;
  /** Issues `<name>.pem` from the intermediate with `-subj subject`, valid `days` from now. */
  issueClient(name: string, subject: string, days?: number): Promise<string>;
  close(): Promise<void>;
}

export async function makeOpensslPki(): Promise<OpensslPki> {
  const dir = await mkdtemp(join(tmpdir(), 'mtls-openssl-'));
  const file = (name: string) => join(dir, name);
  await writeFile(file('ca.ext'), CA_EXTENSIONS);
  await writeFile(file('client.ext'), CLIENT_EXTENSIONS);
  await openssl(dir, 'req', '-x509', ...EC, '-keyout', 'root.key', '-out', 'root.pem', '-days', '3650',
    '-subj', '/C=GB/O=Example Bank/CN=Example Root CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  await openssl(dir, 'req', '-new', ...EC, '-keyout', 'intermediate.key', '-out', 'intermediate.csr', '-subj', '/C=GB/O=Example Bank/CN=Example Issuing CA');
  await openssl(dir, 'x509', '-req', '-in', 'intermediate.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-days', '1825',
    '-out', 'intermediate.pem', '-extfile', 'ca.ext');
  const issueClient = async (name: string, subject: string, days = 365): Promise<string> => {
    await openssl(dir, 'req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    await openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'intermediate.pem', '-CAkey', 'intermediate.key',
      '-days', String(days), '-out', `${name}.pem`, '-extfile', 'client.ext');
    return file(`${name}.pem`);
  };
  await issueClient('client', '/C=GB/O=Example Bank/CN=client-a');
  for (const name of ['self-signed', 'other-self-signed']) {
    await openssl(dir, 'req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '365', '-subj', `/CN=${name}`,
      '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'extendedKeyUsage=clientAuth');
  }
  return { dir, file, issueClient, close: () => rm(dir, { recursive: true, force: true }) };
}
