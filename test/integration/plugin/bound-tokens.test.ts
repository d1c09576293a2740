// RFC 8705 sections 3 and 4: certificate-bound access and refresh tokens through the
// authorization_code flow with openid-client, the host's userinfo as a protected resource,
// public clients, private_key_jwt on the alias origin, and a plain curl.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { webcrypto } from 'node:crypto';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { createTestPki, type TestPki } from '../../support/pki.js';
import { authorize, discover, postForm, tlsFetch } from '../../support/client.js';
import { certificateClient, jwkWithCertificate, REDIRECT_URI, RESOURCE_JWT, startTestProvider, type TestProvider } from '../../support/provider.js';
import { x5t } from '../../support/thumbprint.js';

const run = promisify(execFile);

describe('plugin: certificate-bound tokens (RFC 8705 sections 3 and 4)', () => {
  let pki: TestPki;
  let op: TestProvider;
  let signing: webcrypto.CryptoKeyPair;

  before(async () => {
    pki = await createTestPki();
    signing = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
    const signingJwk = await webcrypto.subtle.exportKey('jwk', signing.publicKey);
    const code = { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], redirect_uris: [REDIRECT_URI] };
    op = await startTestProvider({
      pki,
      clients: [
        { client_id: 'tls-web', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB', tls_client_certificate_bound_access_tokens: true, ...code },
        { client_id: 'self-signed-web', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [jwkWithCertificate(pki.selfSigned)] }, tls_client_certificate_bound_access_tokens: true, ...code },
        { client_id: 'public-app', token_endpoint_auth_method: 'none', tls_client_certificate_bound_access_tokens: true, ...code },
        {
          client_id: 'pkjwt-client',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ ...signingJwk, alg: 'ES256', use: 'sig' }] },
          tls_client_certificate_bound_access_tokens: true,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
        certificateClient('tls-cc', { tls_client_certificate_bound_access_tokens: true }),
      ] as never,
    });
  });

  after(() => op.close());

  async function codeFlow(clientId: string, auth: oidc.ClientAuth, cert: typeof pki.clientA, resource?: string) {
    const fetch = tlsFetch(pki.root, cert);
    const config = await discover(op.issuer, clientId, { use_mtls_endpoint_aliases: true, redirect_uris: [REDIRECT_URI] }, auth, fetch);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid offline_access api:read',
      prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...(resource ? { resource } : {}),
    });
    const callback = await authorize(url, fetch, REDIRECT_URI);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, idTokenExpected: true }, resource ? { resource } : {});
    return { config, tokens, fetch };
  }

  for (const [clientId, auth, certName] of [
    ['tls-web', oidc.TlsClientAuth(), 'clientA'],
    ['self-signed-web', oidc.TlsClientAuth(), 'selfSigned'],
  ] as const) {
    it(`${clientId}: authorization_code gives a bound JWT access token; userinfo accepts it only with the same certificate`, async () => {
      const cert = pki[certName];
      const { config, tokens } = await codeFlow(clientId, auth, cert, RESOURCE_JWT);
      assert.deepEqual(decodeJwt(tokens.access_token).cnf, { 'x5t#S256': x5t(cert) });

      const { tokens: opaque, config: opaqueConfig } = await codeFlow(clientId, auth, cert);
      const info = await oidc.fetchUserInfo(opaqueConfig, opaque.access_token, oidc.skipSubjectCheck);
      assert.equal(info.sub, 'user-1');
      assert.ok(config);

      for (const presented of [undefined, pki.clientB]) {
        const before = op.refusals.length;
        const response = await tlsFetch(pki.root, presented)(`${op.mtlsOrigin}/me`, { headers: { authorization: `Bearer ${opaque.access_token}` } });
        assert.equal(response.status, 401);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
        if (presented === undefined) assert.deepEqual(op.refusals.slice(before).map((e) => e.code), ['ERR_MTLS_CERT_MISSING']);
      }
    });
  }

  it('public client presenting a certificate: bound access and refresh tokens; the refresh token is refused with another certificate (RFC 8705 section 4)', async () => {
    const { tokens, fetch } = await codeFlow('public-app', oidc.None(), pki.clientB);
    assert.ok(tokens.refresh_token);
    const refreshToken = tokens.refresh_token;

    const stolen = await postForm(tlsFetch(pki.root, pki.clientA), `${op.mtlsOrigin}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'public-app' });
    assert.equal(stolen.status, 400);
    assert.equal(stolen.body.error, 'invalid_grant');

    const none = await postForm(tlsFetch(pki.root), `${op.issuer}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'public-app' });
    assert.equal(none.status, 400);
    assert.equal(none.body.error, 'invalid_grant');

    const own = await postForm(fetch, `${op.mtlsOrigin}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'public-app' });
    assert.equal(own.status, 200, JSON.stringify(own.body));
    const introspected = await op.provider.AccessToken.find(String(own.body.access_token));
    assert.equal(introspected?.['x5t#S256'], x5t(pki.clientB));
  });

  it('private_key_jwt on the alias origin: the alias token endpoint is an accepted audience, and the token is bound', async () => {
    const fetch = tlsFetch(pki.root, pki.clientB);
    const config = await discover(op.issuer, 'pkjwt-client', { use_mtls_endpoint_aliases: true }, oidc.PrivateKeyJwt(signing.privateKey), fetch);
    const tokens = await oidc.clientCredentialsGrant(config, { resource: RESOURCE_JWT });
    assert.deepEqual(decodeJwt(tokens.access_token).cnf, { 'x5t#S256': x5t(pki.clientB) });
  });

  it('curl: a tls_client_auth client_credentials request on the alias gets a bound token', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mtls-curl-'));
    try {
      await Promise.all([
        writeFile(join(dir, 'ca.pem'), pki.root.pem),
        writeFile(join(dir, 'client.pem'), pki.clientA.pem + pki.intermediate.pem),
        writeFile(join(dir, 'client.key'), pki.clientA.keyPem, { mode: 0o600 }),
      ]);
      const { stdout } = await run('curl', [
        '--silent', '--show-error',
        '--cacert', join(dir, 'ca.pem'), '--cert', join(dir, 'client.pem'), '--key', join(dir, 'client.key'),
        '--data', 'grant_type=client_credentials', '--data', 'client_id=tls-cc', '--data', `resource=${RESOURCE_JWT}`,
        `${op.mtlsOrigin}/token`,
      ]);
      const body = JSON.parse(stdout) as { access_token: string };
      assert.equal(typeof body.access_token, 'string', stdout);
      assert.deepEqual(decodeJwt(body.access_token).cnf, { 'x5t#S256': x5t(pki.clientA) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
