// How users meet the package: `npm pack`, install the tarball into a scratch app that already runs
// oidc-provider, paste the README quick start verbatim, and complete a tls_client_auth token request.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { quickStart } from '../../scripts/check-readme.js';
import { postForm, tlsFetch } from '../support/client.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { x5t } from '../support/thumbprint.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

// The scratch app's own setup, written the way an existing deployment would have it.
const EXISTING_SETUP = `
import { readFileSync } from 'node:fs';
const file = (name) => readFileSync(new URL(name, import.meta.url), 'utf8');
const issuer = 'https://op.example.test';
const mtlsOrigin = 'https://mtls.example.test';
const caPem = file('./ca.pem');
const tlsKey = file('./server.key');
const tlsCert = file('./server.pem');
const configuration = {
  clients: [{
    client_id: 'packed-client',
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB',
    tls_client_certificate_bound_access_tokens: true,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  }],
  features: { clientCredentials: { enabled: true }, introspection: { enabled: true }, devInteractions: { enabled: false } },
};
`;

describe('packed tarball in a scratch app, with the README quick start verbatim', function () {
  this.timeout(240_000);
  let dir: string;
  let pki: TestPki;
  let app: ChildProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oidc-provider-mtls-pack-'));
    pki = await createTestPki();
  });

  after(async () => {
    app?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('installs, starts, and issues a certificate-bound token over TLS', async () => {
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, maxBuffer: 16 << 20 });
    const tarball = join(dir, stdout.trim().split('\n').at(-1)!);
    const { version } = JSON.parse(await readFile(join(root, 'node_modules/oidc-provider/package.json'), 'utf8')) as { version: string };
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball, `oidc-provider@${version}`], { cwd: dir, maxBuffer: 16 << 20 });

    // Source maps and declaration maps point into the sources the tarball ships beside dist/.
    const installed = join(dir, 'node_modules/oidc-provider-mtls');
    const maps = (await readdir(join(installed, 'dist'), { recursive: true })).filter((file) => file.endsWith('.map'));
    assert.ok(maps.length > 0, 'the package ships source maps');
    for (const map of maps) {
      const { sources } = JSON.parse(await readFile(join(installed, 'dist', map), 'utf8')) as { sources: string[] };
      for (const source of sources) assert.ok(existsSync(join(installed, 'dist', dirname(map), source)), `${map} points to ${source}, which the tarball lacks`);
    }

    // ESM only, and require() works where Node loads ES modules synchronously (20.19+, 22.12+), as the README says.
    const required = await run(process.execPath, ['-e', "console.log(typeof require('oidc-provider-mtls').createMtls)"], { cwd: dir });
    assert.equal(required.stdout.trim(), 'function');

    const snippet = quickStart(await readFile(join(root, 'README.md'), 'utf8'));
    await Promise.all([
      writeFile(join(dir, 'ca.pem'), pki.root.pem),
      writeFile(join(dir, 'server.pem'), pki.server.pem),
      writeFile(join(dir, 'server.key'), pki.server.keyPem),
      writeFile(join(dir, 'app.mjs'), `${EXISTING_SETUP}\n${snippet}\nmtlsServer.listen(0, '127.0.0.1', () => console.log(JSON.stringify(mtlsServer.address())));\n`),
    ]);

    app = spawn(process.execPath, ['app.mjs'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = await once(createInterface({ input: app.stdout! }), 'line') as [string];
    const { port } = JSON.parse(line) as { port: number };

    const { status, body } = await postForm(tlsFetch(pki.root, pki.clientA), `https://localhost:${port}/token`, {
      grant_type: 'client_credentials',
      client_id: 'packed-client',
    });
    assert.equal(status, 200, JSON.stringify(body));
    const introspection = await postForm(tlsFetch(pki.root, pki.clientA), `https://localhost:${port}/token/introspection`, {
      token: String(body.access_token),
      client_id: 'packed-client',
    });
    assert.equal(introspection.body.active, true);
    assert.deepEqual(introspection.body.cnf, { 'x5t#S256': x5t(pki.clientA) });

    const other = await postForm(tlsFetch(pki.root, pki.clientB), `https://localhost:${port}/token`, { grant_type: 'client_credentials', client_id: 'packed-client' });
    assert.equal(other.status, 401);
    assert.equal(other.body.error, 'invalid_client');
  });
});
