// `npm start`: the example deployment on fixed local ports, with copy-paste curl commands.
import { join } from 'node:path';
import { createExamplePki } from './pki.js';
import { startMetrics } from './metrics.js';
import { startStack } from './stack.js';

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const { pki, dir } = await createExamplePki(join(process.cwd(), '.example-pki'));
const stack = await startStack(pki, { issuer: port('PORT', 3000), mtls: port('MTLS_PORT', 3001), resource: port('RESOURCE_PORT', 3002) });
const metrics = await startMetrics(port('METRICS_PORT', 9464));
const rel = (name: string) => join('.example-pki', name);
const curl = (cert: string) => `curl --cacert ${rel('ca.pem')} --cert ${rel(`${cert}.pem`)} --key ${rel(`${cert}.key`)}`;

console.log(`oidc-provider-mtls example
  authorization server  ${stack.issuer}  (discovery: ${stack.issuer}/.well-known/openid-configuration)
  mTLS endpoint alias   ${stack.mtlsOrigin}
  resource server       ${stack.resourceUrl}  (bound tokens only)
  storage               ${stack.storage}
  Prometheus metrics    ${metrics.url}
  dev PKI               ${dir}

Get a token bound to certificate A (tls_client_auth):
  TOKEN=$(${curl('client-a')} -s -d grant_type=client_credentials -d client_id=demo-tls ${stack.mtlsOrigin}/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')

Call the resource server with the same certificate (200):
  ${curl('client-a')} -H "Authorization: Bearer $TOKEN" ${stack.resourceUrl}

The same token with certificate B is refused (401 invalid_token):
  ${curl('client-b')} -i -H "Authorization: Bearer $TOKEN" ${stack.resourceUrl}

self_signed_tls_client_auth:
  ${curl('self-signed')} -s -d grant_type=client_credentials -d client_id=demo-self-signed ${stack.mtlsOrigin}/token

Or run the scripted demo: npm run demo   (Ctrl-C stops this server)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { metrics.close(); void stack.close().then(() => process.exit(0)); });
}
