// The FAPI 2.0 story, told by openid-client v6 as a third-party provider would: PAR with its
// certificate at the mTLS alias, PKCE, the authorization response with `iss`, the code exchange,
// a bound token at the resource server, and the same token refused with another certificate.
import * as oidc from 'openid-client';
import { authorize, discover, tlsFetch } from '../client.js';
import type { ExampleCertificate, ExamplePki } from '../pki.js';
import { REDIRECT_URI, RESOURCE, type FapiStack } from './stack.js';

/** One call of the resource server, told as its status and body, or its challenge. */
export async function callResource(config: oidc.Configuration, token: string, url: string, dpop?: oidc.DPoPHandle): Promise<string> {
  try {
    const response = await oidc.fetchProtectedResource(config, token, new URL(url), 'GET', undefined, undefined, dpop ? { DPoP: dpop } : undefined);
    return `${response.status} ${await response.text()}`;
  } catch (error) {
    if (!(error instanceof oidc.WWWAuthenticateChallengeError)) throw error;
    return `${error.status} WWW-Authenticate: ${error.response.headers.get('www-authenticate')}`;
  }
}

/** Returns the certificate-bound access token, for a manual call with certificate A. */
/** A pushed authorization request with PKCE (S256) for the accounts resource; `options` add DPoP. */
export async function pushAuthorization(config: oidc.Configuration, options?: oidc.DPoPOptions): Promise<{ url: URL; verifier: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = await oidc.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid accounts',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    resource: RESOURCE,
  }, options);
  return { url, verifier };
}

export async function walkthrough(stack: FapiStack, pki: ExamplePki, log: (line: string) => void): Promise<string> {
  // Clients send their certificate with the issuing CA; the authorization server trusts the root.
  const client = (cert: ExampleCertificate) => discover(
    stack.issuer,
    'tpp-mtls',
    { use_mtls_endpoint_aliases: true },
    oidc.TlsClientAuth(),
    tlsFetch(pki.root, cert, [pki.intermediate]),
  );
  const config = await client(pki.clientA);
  const metadata = config.serverMetadata();
  log(`1. discovery: require_pushed_authorization_requests=${metadata.require_pushed_authorization_requests}, `
    + `token_endpoint_auth_methods_supported=${JSON.stringify(metadata.token_endpoint_auth_methods_supported)}`);

  const { url, verifier } = await pushAuthorization(config);
  log(`2. PAR at ${metadata.mtls_endpoint_aliases?.pushed_authorization_request_endpoint} with certificate A: ${url.href}`);

  const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI);
  log(`3. authorization response (demo auto-consent): code=..., iss=${callback.searchParams.get('iss')}`);

  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, idTokenExpected: true });
  const cnf = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()).cnf;
  log(`4. code exchanged at the mTLS alias with certificate A: token_type=${tokens.token_type}, cnf=${JSON.stringify(cnf)}`);

  log(`5. resource server with certificate A: ${await callResource(config, tokens.access_token, stack.resourceUrl)}`);
  log(`6. the same token with certificate B: ${await callResource(await client(pki.clientB), tokens.access_token, stack.resourceUrl)}`);
  return tokens.access_token;
}
