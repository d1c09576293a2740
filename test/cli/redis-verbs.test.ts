// The storage verbs through the command line's entry point, against the shared Redis.
import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import type { AdapterPayload } from 'oidc-provider';
import { createRedisAdapter } from '../../adapters/redis/index.js';
import { runCli } from '../../src/cli/main.js';
import { makeOpensslPki, openssl } from './openssl.js';
import { flushShared, RUN_PREFIX, SHARED_DB, sharedRedis } from '../support/redis.js';

const URL = `redis://127.0.0.1:6379/${SHARED_DB}`;
const env = { OIDC_MTLS_KEY_PREFIX: `${RUN_PREFIX}cli-main:` };
const THUMBPRINT = 'd'.repeat(43);

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('oidc-provider-mtls storage verbs (src/cli)', () => {
  const client = sharedRedis();
  const storage = createRedisAdapter({ client, keyPrefix: 'cli-main:' });
  beforeEach(flushShared);
  after(async () => {
    await flushShared();
    await client.quit();
  });

  async function seed(): Promise<void> {
    await storage('Grant').upsert('g1', { jti: 'g1' } as AdapterPayload, 60);
    await storage('AccessToken').upsert('at', { grantId: 'g1', 'x5t#S256': THUMBPRINT } as AdapterPayload, 60);
    // A confidential client's refresh token is bound to the client, not to the certificate.
    await storage('RefreshToken').upsert('rt', { grantId: 'g1' } as AdapterPayload, 60);
  }

  it('tokens revoke-certificate deletes only the bound tokens', async () => {
    await seed();
    const result = await cli('tokens', 'revoke-certificate', THUMBPRINT, '--redis-url', URL);
    assert.deepEqual(JSON.parse(result.out), { revoked: 1 });
    assert.notEqual(await storage('RefreshToken').find('rt'), undefined);
  });

  it('clients expiring lists the registered certificates expiring within --days (openssl-made), exit 1 when any', async () => {
    const pki = await makeOpensslPki();
    try {
      for (const [name, days] of [['device-soon', 10], ['device-later', 365]] as const) {
        await openssl(pki.dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`,
          '-days', String(days), '-subj', `/CN=${name}`, '-addext', 'keyUsage=critical,digitalSignature');
        const metadata = await cli('metadata', pki.file(`${name}.pem`), '--client-id', name, '--json');
        const client = { ...JSON.parse(metadata.out).metadata, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
        await writeFile(pki.file(`${name}.json`), JSON.stringify(client));
        const added = await cli('clients', 'add', pki.file(`${name}.json`), '--redis-url', URL);
        assert.equal(added.code, 0, added.err);
      }
      const within = await cli('clients', 'expiring', '--days', '30', '--json', '--redis-url', URL);
      assert.equal(within.code, 1, within.err);
      const report = JSON.parse(within.out);
      assert.deepEqual(report.expiring.map((entry: { clientId: string; subject: string; daysLeft: number }) => [entry.clientId, entry.subject, entry.daysLeft]), [['device-soon', 'CN=device-soon', 9]]);
      const none = await cli('clients', 'expiring', '--days', '5', '--redis-url', URL);
      assert.equal(none.code, 0, none.err);
      assert.equal(none.out, 'no registered certificate expires within 5 days');
      assert.equal((await cli('clients', 'expiring', '--days', 'soon', '--redis-url', URL)).code, 2);
    } finally {
      await pki.close();
    }
  });

  it('tokens revoke-certificate --grants also revokes the grants of those tokens', async () => {
    await seed();
    const result = await cli('tokens', 'revoke-certificate', THUMBPRINT, '--grants', '--redis-url', URL);
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(JSON.parse(result.out), { revoked: 2 });
    assert.equal(await storage('RefreshToken').find('rt'), undefined);
    assert.equal(await storage('Grant').find('g1'), undefined);
  });
});
