// `npm run demo`: a bound token with certificate A, used at the resource server with A (accepted)
// and with B (refused). Runs its own stack on free ports and exits.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch } from 'undici';
import { tlsAgent } from './client.js';
import { createExamplePki, type ExampleCertificate } from './pki.js';
import { startStack } from './stack.js';

const dir = await mkdtemp(join(tmpdir(), 'oidc-provider-mtls-demo-'));
const { pki } = await createExamplePki(dir);
const stack = await startStack(pki, { issuer: 0, mtls: 0, resource: 0 });
const withCert = (cert: ExampleCertificate) => tlsAgent(pki.root, cert, [pki.intermediate]);
try {
  const tokenResponse = await fetch(`${stack.mtlsOrigin}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'demo-tls' }),
    dispatcher: withCert(pki.clientA),
  });
  const body = await tokenResponse.json() as { access_token?: string };
  const token = body.access_token;
  if (token === undefined) throw new Error(`no token: ${tokenResponse.status} ${JSON.stringify(body)}`);
  const cnf = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).cnf;
  console.log(`1. token for demo-tls with certificate A: ${tokenResponse.status}, cnf = ${JSON.stringify(cnf)}`);

  for (const [label, cert] of [['A (the bound certificate)', pki.clientA], ['B (another client)', pki.clientB]] as const) {
    const response = await fetch(stack.resourceUrl, { headers: { authorization: `Bearer ${token}` }, dispatcher: withCert(cert) });
    const challenge = response.headers.get('www-authenticate');
    console.log(`2. resource server with certificate ${label}: ${response.status}${challenge ? `  WWW-Authenticate: ${challenge}` : `  ${await response.text()}`}`);
  }
} finally {
  await stack.close();
  await rm(dir, { recursive: true, force: true });
}
