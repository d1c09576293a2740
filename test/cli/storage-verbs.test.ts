import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AdapterPayload } from 'oidc-provider';
import { runCli } from '../../src/cli/storage-verbs.js';
import { createRedisAdapter } from '../../adapters/redis/index.js';
import { flushShared, RUN_PREFIX, SHARED_DB, sharedRedis } from '../support/redis.js';

const env = { REDIS_URL: `redis://127.0.0.1:6379/${SHARED_DB}`, OIDC_MTLS_KEY_PREFIX: `${RUN_PREFIX}cli:` };
const THUMBPRINT = 'c'.repeat(43);

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('oidc-provider-mtls command line', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtls-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await flushShared();
  });
  beforeEach(flushShared);

  async function file(name: string, metadata: object): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(metadata));
    return path;
  }

  it('adds, gets, updates, lists and removes a client', async () => {
    const client = {
      client_id: 'cli-client',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      tls_client_certificate_bound_access_tokens: true,
      jwks: { keys: [] },
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    };
    const added = await cli('clients', 'add', await file('client.json', client));
    assert.equal(added.code, 0, added.err);
    assert.equal(JSON.parse(added.out).token_endpoint_auth_method, 'self_signed_tls_client_auth');

    const updated = await cli('clients', 'update', await file('client.json', { ...client, client_name: 'renamed' }));
    assert.equal(updated.code, 0, updated.err);
    assert.equal(JSON.parse((await cli('clients', 'get', 'cli-client')).out).client_name, 'renamed');
    assert.deepEqual(JSON.parse((await cli('clients', 'list')).out).map((entry: { client_id: string }) => entry.client_id), ['cli-client']);

    assert.deepEqual(JSON.parse((await cli('clients', 'remove', 'cli-client')).out), { removed: 'cli-client' });
    assert.deepEqual(await cli('clients', 'get', 'cli-client'), { code: 1, out: '', err: 'client cli-client not found' });
  });

  it('refuses an invalid client with the provider\'s message and exit code 1', async () => {
    const result = await cli('clients', 'add', await file('bad.json', {
      client_id: 'bad', token_endpoint_auth_method: 'tls_client_auth', grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
    }));
    assert.deepEqual(result, { code: 1, out: '', err: 'tls_client_auth requires one of the certificate subject value parameters' });
  });

  it('keeps the plugin\'s client metadata and applies its registration checks', async () => {
    const pins = ['A'.repeat(43)];
    const pinned = {
      client_id: 'pinned', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=pinned,O=Example',
      tls_client_auth_anchor_pins: pins, grant_types: ['client_credentials'], response_types: [], redirect_uris: [],
    };
    const added = await cli('clients', 'add', await file('pinned.json', pinned));
    assert.equal(added.code, 0, added.err);
    assert.deepEqual(JSON.parse((await cli('clients', 'get', 'pinned')).out).tls_client_auth_anchor_pins, pins);

    const badDn = await cli('clients', 'add', await file('bad-dn.json', { ...pinned, client_id: 'bad-dn', tls_client_auth_subject_dn: 'CN=a,,O=b' }));
    assert.equal(badDn.code, 1);
    assert.match(badDn.err, /^tls_client_auth_subject_dn is not a valid RFC 4514 distinguished name/);
  });

  it('answers usage errors with exit code 2', async () => {
    const result = await cli('clients', 'frobnicate');
    assert.equal(result.code, 2);
    assert.match(result.err, /^unknown command: clients frobnicate\n\nUsage: oidc-provider-mtls/);
    assert.equal((await cli('clients', 'add')).code, 2);
  });

  it('revokes every token bound to a certificate', async () => {
    const client = sharedRedis();
    try {
      const storage = createRedisAdapter({ client, keyPrefix: 'cli:' });
      await storage('AccessToken').upsert('at', { grantId: 'g', 'x5t#S256': THUMBPRINT } as AdapterPayload, 60);
      await storage('RefreshToken').upsert('rt', { grantId: 'g', 'x5t#S256': THUMBPRINT } as AdapterPayload, 60);
      assert.deepEqual(JSON.parse((await cli('tokens', 'revoke-certificate', THUMBPRINT)).out), { revoked: 2 });
      assert.equal(await storage('RefreshToken').find('rt'), undefined);
    } finally {
      await client.quit();
    }
  });

  it('runs as a program: prints JSON and exits 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'clients', 'list'], {
      env: { ...process.env, ...env },
    });
    assert.deepEqual(JSON.parse(stdout), []);
  });
});
