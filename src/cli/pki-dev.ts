import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Arguments, UsageError } from './args.js';
import { issue, type Issued } from './issue.js';
import { metadataFor } from './metadata.js';

export const PKI_DEV_USAGE = 'pki dev <dir> [--json]';

const ORG = 'oidc-provider-mtls dev';
const TLS_CLIENT_ID = 'dev-tls-client';
const SELF_SIGNED_CLIENT_ID = 'dev-self-signed-client';

interface PkiDevReport {
  readonly dir: string;
  /** File name to what it holds. */
  readonly files: Readonly<Record<string, string>>;
}

const FILES = {
  'root-ca.pem': 'root CA certificate: the trust anchor (trustAnchors) and the curl --cacert',
  'root-ca.key': 'root CA private key',
  'intermediate-ca.pem': 'issuing CA certificate (intermediates, when a proxy forwards only the leaf)',
  'intermediate-ca.key': 'issuing CA private key',
  'server.pem': 'TLS server certificate for localhost, 127.0.0.1 and ::1, followed by the issuing CA',
  'server.key': 'TLS server private key',
  'client.pem': 'tls_client_auth client certificate (leaf only)',
  'client-chain.pem': 'tls_client_auth client certificate followed by the issuing CA (what a client sends)',
  'client.key': 'tls_client_auth client private key',
  'self-signed-client.pem': 'self_signed_tls_client_auth client certificate',
  'self-signed-client.key': 'self_signed_tls_client_auth client private key',
  'clients.json': 'the two clients\' registration metadata (static clients or dynamic registration)',
  'README.md': 'how to use these files, with curl and the equivalent openssl commands',
} as const;

/**
 * `pki dev <dir>`: a throwaway development PKI. Refuses to write into a folder that already holds
 * any of its files, so a real key is never overwritten.
 */
export async function pkiDev(args: Arguments): Promise<PkiDevReport> {
  const [sub, target] = args.positionals(2, 'pki dev <dir>');
  if (sub !== 'dev') throw new UsageError(`unknown command: pki ${sub}`);
  const dir = resolve(target!);
  for (const name of Object.keys(FILES)) {
    const exists = await access(join(dir, name)).then(() => true, () => false);
    if (exists) throw new UsageError(`${join(dir, name)} already exists; choose an empty folder`);
  }
  const now = new Date();
  const root = issue({ subject: [['C', 'GB'], ['O', ORG], ['CN', 'Dev Root CA']], ca: {}, days: 3650, now });
  const intermediate = issue({ subject: [['C', 'GB'], ['O', ORG], ['CN', 'Dev Issuing CA']], issuer: root, ca: { pathLength: 0 }, days: 1825, now });
  const server = issue({ subject: [['CN', 'localhost']], issuer: intermediate, eku: 'serverAuth', dns: ['localhost'], ips: ['127.0.0.1', '::1'], days: 365, now });
  const client = issue({ subject: [['C', 'GB'], ['O', ORG], ['CN', TLS_CLIENT_ID]], issuer: intermediate, eku: 'clientAuth', dns: [`${TLS_CLIENT_ID}.localhost`], days: 365, now });
  const selfSigned = issue({ subject: [['CN', SELF_SIGNED_CLIENT_ID]], eku: 'clientAuth', days: 365, now });

  const pem = (...issued: Issued[]) => issued.map((entry) => entry.certificate.toPEM()).join('');
  const key = (issued: Issued) => issued.key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const clients = [
    { ...metadataFor(client.certificate, 'tls_client_auth', TLS_CLIENT_ID).metadata, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
    { ...metadataFor(selfSigned.certificate, 'self_signed_tls_client_auth', SELF_SIGNED_CLIENT_ID).metadata, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
  ];
  const contents: Record<keyof typeof FILES, string> = {
    'root-ca.pem': pem(root),
    'root-ca.key': key(root),
    'intermediate-ca.pem': pem(intermediate),
    'intermediate-ca.key': key(intermediate),
    'server.pem': pem(server, intermediate),
    'server.key': key(server),
    'client.pem': pem(client),
    'client-chain.pem': pem(client, intermediate),
    'client.key': key(client),
    'self-signed-client.pem': pem(selfSigned),
    'self-signed-client.key': key(selfSigned),
    'clients.json': `${JSON.stringify(clients, null, 2)}\n`,
    'README.md': readme(client.certificate.subjectDn),
  };
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(contents)) {
    await writeFile(join(dir, name), text, { mode: name.endsWith('.key') ? 0o600 : 0o644, flag: 'wx' });
  }
  return { dir, files: FILES };
}

export function pkiDevText(report: PkiDevReport): string {
  return [`Development PKI written to ${report.dir} (see README.md there):`, ...Object.entries(report.files).map(([name, what]) => `  ${name.padEnd(24)} ${what}`)].join('\n');
}

function readme(clientDn: string): string {
  return `# Development PKI (oidc-provider-mtls pki dev)

Throwaway keys and certificates for local development only: the private keys are not encrypted.

${Object.entries(FILES).map(([name, what]) => `- \`${name}\`: ${what}`).join('\n')}

## Provider

\`\`\`ts
const mtls = createMtls({
  trustAnchors: [{ file: 'root-ca.pem' }],
  intermediates: [{ file: 'intermediate-ca.pem' }], // only needed when a proxy forwards the leaf alone
  mtlsOrigin: 'https://localhost:8443',
});
\`\`\`
Serve the mTLS origin with \`server.pem\`/\`server.key\` and \`ca: root-ca.pem\` (\`createMtlsServer\`), and register the
clients of \`clients.json\` (static \`clients\`, or \`oidc-provider-mtls clients add\`).
The tls_client_auth client is registered by its subject: \`${clientDn}\`.

## curl

\`\`\`sh
MTLS=https://localhost:8443
# tls_client_auth (RFC 8705 section 2.1): send the certificate with its issuing CA
curl --cacert root-ca.pem --cert client-chain.pem --key client.key \\
  -d grant_type=client_credentials -d client_id=${TLS_CLIENT_ID} "$MTLS/token"
# self_signed_tls_client_auth (RFC 8705 section 2.2)
curl --cacert root-ca.pem --cert self-signed-client.pem --key self-signed-client.key \\
  -d grant_type=client_credentials -d client_id=${SELF_SIGNED_CLIENT_ID} "$MTLS/token"
# why would a certificate be refused?
npx oidc-provider-mtls explain client.pem --anchors root-ca.pem --chain intermediate-ca.pem --client clients.json
\`\`\`
(\`explain --client\` takes one client object: save one entry of \`clients.json\` to its own file.)

## The same PKI with openssl

\`\`\`sh
EC="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
openssl req -x509 $EC -keyout root-ca.key -out root-ca.pem -days 3650 \\
  -subj "/C=GB/O=${ORG}/CN=Dev Root CA" \\
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
openssl req -new $EC -keyout intermediate-ca.key -out intermediate-ca.csr -subj "/C=GB/O=${ORG}/CN=Dev Issuing CA"
openssl x509 -req -in intermediate-ca.csr -CA root-ca.pem -CAkey root-ca.key -days 1825 -out intermediate-ca.pem \\
  -extfile <(printf 'basicConstraints=critical,CA:TRUE,pathlen:0\\nkeyUsage=critical,keyCertSign,cRLSign\\nsubjectKeyIdentifier=hash\\nauthorityKeyIdentifier=keyid')
openssl req -new $EC -keyout server.key -out server.csr -subj "/CN=localhost"
openssl x509 -req -in server.csr -CA intermediate-ca.pem -CAkey intermediate-ca.key -days 365 -out server.pem \\
  -extfile <(printf 'basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature\\nextendedKeyUsage=serverAuth\\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1')
cat intermediate-ca.pem >> server.pem
openssl req -new $EC -keyout client.key -out client.csr -subj "/C=GB/O=${ORG}/CN=${TLS_CLIENT_ID}"
openssl x509 -req -in client.csr -CA intermediate-ca.pem -CAkey intermediate-ca.key -days 365 -out client.pem \\
  -extfile <(printf 'basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature\\nextendedKeyUsage=clientAuth\\nsubjectAltName=DNS:${TLS_CLIENT_ID}.localhost')
cat client.pem intermediate-ca.pem > client-chain.pem
openssl req -x509 $EC -keyout self-signed-client.key -out self-signed-client.pem -days 365 \\
  -subj "/CN=${SELF_SIGNED_CLIENT_ID}" -addext keyUsage=critical,digitalSignature -addext extendedKeyUsage=clientAuth
# client metadata from a certificate (openssl's -subj form is not RFC 4514: let the tool print it)
npx oidc-provider-mtls metadata client.pem --client-id ${TLS_CLIENT_ID}
npx oidc-provider-mtls metadata self-signed-client.pem --client-id ${SELF_SIGNED_CLIENT_ID}
\`\`\`
`;
}
