// How users meet the package: `npm pack`, install the tarball into a scratch app, run the README
// quick start verbatim (compiled from TypeScript, with the files it reads beside it), and complete a
// tls_client_auth token request on the mTLS origin it serves.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import ts from 'typescript';
import { quickStart } from '../../scripts/check-readme.js';
import { postForm, tlsFetch } from '../support/client.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../support/pki.js';
import { freePort } from '../support/redis.js';
import { x5t } from '../support/thumbprint.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

describe('packed tarball in a scratch app, with the README quick start verbatim', function () {
  this.timeout(240_000);
  let dir: string;
  let pki: TestPki;
  /** The README client's certificate (its `tls_client_auth_subject_dn`). */
  let payments: TestCertificate;
  let app: ChildProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oidc-provider-mtls-pack-'));
    pki = await createTestPki();
    payments = await issue({ subject: 'CN=payments-service,O=Example Bank,C=GB', issuer: pki.intermediate });
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

    // The quick start alone, as a TypeScript user compiles it; only the files it reads are added.
    const snippet = quickStart(await readFile(join(root, 'README.md'), 'utf8'));
    const { outputText } = ts.transpileModule(snippet, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    await Promise.all([
      writeFile(join(dir, 'ca.pem'), pki.root.pem),
      writeFile(join(dir, 'server.pem'), pki.server.pem),
      writeFile(join(dir, 'server.key'), pki.server.keyPem),
      writeFile(join(dir, 'app.mjs'), outputText),
    ]);

    const [mainPort, mtlsPort] = [await freePort(), await freePort()];
    app = spawn(process.execPath, ['app.mjs'], {
      cwd: dir,
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(mainPort), MTLS_PORT: String(mtlsPort) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const listening = new Set<string>();
    for await (const line of createInterface({ input: app.stdout! })) {
      if (line.startsWith('listening: ')) listening.add(line);
      if (listening.size === 2) break;
    }
    assert.deepEqual([...listening].sort(), ['listening: https://mtls.example.com', 'listening: https://op.example.com']);

    // The main origin serves discovery without asking for a certificate, and points to the aliases.
    const discovery = await tlsFetch(pki.root)(`https://localhost:${mainPort}/.well-known/openid-configuration`);
    const metadata = await discovery.json() as { mtls_endpoint_aliases?: { token_endpoint?: string } };
    assert.equal(metadata.mtls_endpoint_aliases?.token_endpoint, 'https://mtls.example.com/token');

    const { status, body } = await postForm(tlsFetch(pki.root, payments), `https://localhost:${mtlsPort}/token`, {
      grant_type: 'client_credentials',
      client_id: 'payments-service',
    });
    assert.equal(status, 200, JSON.stringify(body));
    const introspection = await postForm(tlsFetch(pki.root, payments), `https://localhost:${mtlsPort}/token/introspection`, {
      token: String(body.access_token),
      client_id: 'payments-service',
    });
    assert.equal(introspection.body.active, true);
    assert.deepEqual(introspection.body.cnf, { 'x5t#S256': x5t(payments) });

    const other = await postForm(tlsFetch(pki.root, pki.clientB), `https://localhost:${mtlsPort}/token`, { grant_type: 'client_credentials', client_id: 'payments-service' });
    assert.equal(other.status, 401);
    assert.equal(other.body.error, 'invalid_client');
  });
});
