// The FAPI 2.0 story of the second client, told by openid-client v6: a third-party provider without
// a certificate (private_key_jwt) whose tokens are DPoP-bound. PAR, PKCE and the code exchange each
// carry a DPoP proof; the same resource server accepts the token with a fresh proof of the same
// key and refuses it as a bearer token or with another key's proof.
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { authorize, discover, tlsFetch } from '../client.js';
import type { ExamplePki } from '../pki.js';
import { REDIRECT_URI, type FapiStack } from './stack.js';
import { callResource, pushAuthorization } from './walkthrough.js';

/** What the walkthrough leaves for a manual call: the token and one unused proof for a GET of the resource. */
export interface DpopCall {
  accessToken: string;
  /** Valid once, for `dpop.maxAge` (60 s) from the end of the walkthrough. */
  proof: string;
}

export async function dpopWalkthrough(stack: FapiStack, pki: ExamplePki, log: (line: string) => void): Promise<DpopCall> {
  const config = await discover(stack.issuer, stack.dpopClient.metadata.client_id, {}, oidc.PrivateKeyJwt(stack.dpopClient.privateKey), tlsFetch(pki.root));
  log(`1. discovery: dpop_signing_alg_values_supported=${JSON.stringify(config.serverMetadata().dpop_signing_alg_values_supported)}`);

  // The client's DPoP key: a new one per session, never registered anywhere.
  const keyPair = await oidc.randomDPoPKeyPair('ES256');
  const dpop = oidc.getDPoPHandle(config, keyPair);
  const { url, verifier } = await pushAuthorization(config, { DPoP: dpop });
  log(`2. PAR at ${config.serverMetadata().pushed_authorization_request_endpoint} with private_key_jwt and a DPoP proof: ${url.href}`);

  const callback = await authorize(url, tlsFetch(pki.root), REDIRECT_URI);
  log(`3. authorization response (demo auto-consent): code=..., iss=${callback.searchParams.get('iss')}`);

  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, idTokenExpected: true }, undefined, { DPoP: dpop });
  const cnf = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString()).cnf;
  log(`4. code exchanged with a DPoP proof: token_type=${tokens.token_type}, cnf=${JSON.stringify(cnf)}`);

  log(`5. resource server with a proof of the same key: ${await callResource(config, tokens.access_token, stack.resourceUrl, dpop)}`);
  log(`6. the same token as a Bearer token: ${await callResource(config, tokens.access_token, stack.resourceUrl)}`);
  const thief = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
  log(`7. the same token with another key's proof: ${await callResource(config, tokens.access_token, stack.resourceUrl, thief)}`);

  // RFC 9449 section 4.2, by hand: what the client's library did for each call above.
  const proof = await new SignJWT({
    jti: randomUUID(),
    htm: 'GET',
    htu: stack.resourceUrl,
    iat: Math.floor(Date.now() / 1000),
    ath: createHash('sha256').update(tokens.access_token).digest('base64url'),
  }).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(keyPair.publicKey) }).sign(keyPair.privateKey);
  return { accessToken: tokens.access_token, proof };
}
