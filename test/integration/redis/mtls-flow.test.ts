// The whole RFC 8705 flow over real TLS with every artifact in Redis: a tls_client_auth client
// registered through the client registry, authorization_code with certificate-bound tokens,
// refresh, revocation of the grant, and revocation by certificate.
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { createRedisAdapter, type RedisAdapterFactory } from '../../../adapters/redis/index.js';
import { authorize, discover, postForm, tlsFetch, type Fetch } from '../../support/client.js';
import { createTestPki, type TestCertificate, type TestPki } from '../../support/pki.js';
import { REDIRECT_URI, startTestProvider, type TestProvider } from '../../support/provider.js';
import { forEachRedis } from '../../support/redis.js';
import { x5t } from '../../support/thumbprint.js';

const CLIENT_ID = 'tls-web';

describe('Redis adapter: full mTLS flow over real TLS', function () {
  this.timeout(60_000);
  let pki: TestPki;
  before(async () => {
    pki = await createTestPki();
  });

  forEachRedis((redis) => {
    let op: TestProvider;
    let storage: RedisAdapterFactory;
    before(async () => {
      await redis.flush();
      storage = createRedisAdapter({ client: redis.client(), keyPrefix: 'test:mtls:' });
      op = await startTestProvider({ pki, clients: [], adapter: storage });
      await storage.clients(op.provider).add({
        client_id: CLIENT_ID,
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB',
        tls_client_certificate_bound_access_tokens: true,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
      });
    });
    after(() => op?.close());

    async function codeFlow(cert: TestCertificate): Promise<{ accessToken: string; refreshToken: string; fetch: Fetch }> {
      const fetch = tlsFetch(pki.root, cert);
      const config = await discover(op.issuer, CLIENT_ID, { use_mtls_endpoint_aliases: true, redirect_uris: [REDIRECT_URI] }, oidc.TlsClientAuth(), fetch);
      const verifier = oidc.randomPKCECodeVerifier();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: 'openid offline_access',
        prompt: 'consent',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const callback = await authorize(url, fetch, REDIRECT_URI);
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, idTokenExpected: true });
      assert.ok(tokens.refresh_token);
      return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, fetch };
    }

    const userinfo = (fetch: Fetch, accessToken: string) => fetch(`${op.mtlsOrigin}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    const refresh = (fetch: Fetch, refreshToken: string) => postForm(fetch, `${op.mtlsOrigin}/token`, {
      grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID,
    });

    it('issues bound tokens, refreshes them with the same certificate only, and revokes the grant', async () => {
      const { accessToken, refreshToken, fetch } = await codeFlow(pki.clientA);
      assert.equal((await op.provider.AccessToken.find(accessToken))?.['x5t#S256'], x5t(pki.clientA));
      assert.equal((await userinfo(fetch, accessToken)).status, 200);
      assert.equal((await userinfo(tlsFetch(pki.root, pki.clientB), accessToken)).status, 401);

      const stolen = await refresh(tlsFetch(pki.root, pki.clientB), refreshToken);
      assert.equal(stolen.status, 401, JSON.stringify(stolen.body));
      assert.equal(stolen.body.error, 'invalid_client');

      const refreshed = await refresh(fetch, refreshToken);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      const renewed = String(refreshed.body.access_token);
      assert.equal((await op.provider.AccessToken.find(renewed))?.['x5t#S256'], x5t(pki.clientA));

      // Revoking the refresh token revokes its grant (the host's revokeGrantPolicy): every token goes.
      const revoked = await postForm(fetch, `${op.mtlsOrigin}/token/revocation`, { token: String(refreshed.body.refresh_token ?? refreshToken), client_id: CLIENT_ID });
      assert.equal(revoked.status, 200);
      for (const token of [accessToken, renewed]) {
        const response = await userinfo(fetch, token);
        assert.equal(response.status, 401);
        assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      }
    });

    it('revokes the tokens bound to a leaked certificate, and with { grants: true } their grants too', async () => {
      const first = await codeFlow(pki.clientA);
      // A confidential client's refresh token is bound to the client, not the certificate (RFC 8705
      // section 4): revoking by certificate takes the access token and leaves the refresh token.
      assert.equal(await storage.revokeByCertificate(x5t(pki.clientA)), 1);
      assert.equal((await userinfo(first.fetch, first.accessToken)).status, 401);
      const refreshed = await refresh(first.fetch, first.refreshToken);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));

      const second = await codeFlow(pki.clientA);
      // At least the new access token of the first grant, the second grant's access token and both
      // grants' refresh tokens; the grants' consumed codes and rotated refresh tokens go with them.
      assert.ok(await storage.revokeByCertificate(x5t(pki.clientA), { grants: true }) >= 4);
      for (const { accessToken, refreshToken, fetch } of [{ ...first, accessToken: String(refreshed.body.access_token) }, second]) {
        assert.equal((await userinfo(fetch, accessToken)).status, 401);
        const refused = await refresh(fetch, refreshToken);
        assert.equal(refused.status, 400);
        assert.equal(refused.body.error, 'invalid_grant');
      }
      assert.equal(await storage.revokeByCertificate(x5t(pki.clientA), { grants: true }), 0);
    });
  });
});
