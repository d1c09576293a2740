// `npm run start:fapi`: the FAPI 2.0 + mTLS example on fixed local ports. It runs the walkthrough
// once against itself, then keeps serving (`--once` exits after the walkthrough).
import { join } from 'node:path';
import { createExamplePki } from '../pki.js';
import { startFapiStack } from './stack.js';
import { walkthrough } from './walkthrough.js';
import { dpopWalkthrough, type DpopCall } from './walkthrough-dpop.js';

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const { pki, dir } = await createExamplePki(join(process.cwd(), '.example-pki'));
const stack = await startFapiStack(pki, {
  issuer: port('FAPI_PORT', 4000),
  mtls: port('FAPI_MTLS_PORT', 4001),
  resource: port('FAPI_RESOURCE_PORT', 4002),
});
const rel = (name: string) => join('.example-pki', name);

console.log(`oidc-provider-mtls FAPI 2.0 Security Profile example
  authorization server  ${stack.issuer}  (discovery: ${stack.issuer}/.well-known/openid-configuration)
  mTLS endpoint alias   ${stack.mtlsOrigin}  (PAR, token, introspection, revocation, userinfo)
  resource server       ${stack.resourceUrl}  (certificate-bound or DPoP-bound tokens, no bearer tokens)
  clients               tpp-mtls (tls_client_auth, certificate-bound tokens), tpp-dpop (private_key_jwt, DPoP-bound tokens)
  TLS                   1.2 (ECDHE + AES-GCM suites only) and 1.3, on all three listeners
  storage               ${stack.storage}
  dev PKI               ${dir}
`);

let mtlsToken: string | undefined;
let dpopCall: DpopCall | undefined;
try {
  console.log('tpp-mtls, certificate A:');
  mtlsToken = await walkthrough(stack, pki, (line) => console.log(`  ${line}`));
  console.log('tpp-dpop, DPoP key generated for the session:');
  dpopCall = await dpopWalkthrough(stack, pki, (line) => console.log(`  ${line}`));
} catch (error) {
  console.error('the walkthrough failed:', error);
  process.exitCode = 1;
}

if (process.argv.includes('--once') || process.exitCode) {
  await stack.close();
} else {
  console.log(`
A pushed authorization request with curl (certificate A, tls_client_auth):
  curl --cacert ${rel('ca.pem')} --cert ${rel('client-a.pem')} --key ${rel('client-a.key')} \\
    -d client_id=tpp-mtls -d response_type=code -d scope=openid -d redirect_uri=https://tpp.example.test/callback \\
    -d code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM -d code_challenge_method=S256 \\
    ${stack.mtlsOrigin}/request

The resource server with tpp-mtls's token and certificate A (certificate B is refused):
  curl --cacert ${rel('ca.pem')} --cert ${rel('client-a.pem')} --key ${rel('client-a.key')} \
    -H 'Authorization: Bearer ${mtlsToken}' ${stack.resourceUrl}

The resource server with tpp-dpop's token and a DPoP proof (valid once, for 60 s: run it twice to see the replay refused):
  curl --cacert ${rel('ca.pem')} -H 'Authorization: DPoP ${dpopCall?.accessToken}' \
    -H 'DPoP: ${dpopCall?.proof}' ${stack.resourceUrl}

A TLS 1.2 handshake with a suite FAPI does not permit is refused:
  openssl s_client -connect 127.0.0.1:${new URL(stack.issuer).port} -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305 </dev/null

Ctrl-C stops the servers.`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => { void stack.close().then(() => process.exit(0)); });
  }
}
