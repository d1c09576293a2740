// The example deployment run as a user runs it (`tsx example/start.ts`, its own PKI in the working
// folder), then its Prometheus endpoint scraped after a refused and an accepted token request.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch } from 'undici';

const START = fileURLToPath(new URL('../../../example/start.ts', import.meta.url));
// The working folder is a temporary one (the example writes its PKI there): name tsx by path.
const TSX = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

describe('example: Prometheus metrics on the diagnostics channels', function () {
  this.timeout(120_000);
  let dir: string;
  let child: ChildProcess;
  let output = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtls-example-'));
    const { REDIS_URL: _memory, ...env } = process.env;
    child = spawn(process.execPath, ['--import', TSX, START], {
      cwd: dir,
      env: { ...env, PORT: '0', MTLS_PORT: '0', RESOURCE_PORT: '0', METRICS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => { output += chunk; });
    while (!/Prometheus metrics/.test(output) || !/npm run demo/.test(output)) {
      await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => { throw new Error(`example exited: ${output}`); })]);
    }
  });
  after(async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    await rm(dir, { recursive: true, force: true });
  });

  const url = (label: string) => new RegExp(`${label} +(\\S+)`).exec(output)![1]!;
  async function agent(name: string): Promise<Agent> {
    const file = (suffix: string) => readFile(join(dir, '.example-pki', `${name}${suffix}`), 'utf8');
    return new Agent({ connect: { ca: await readFile(join(dir, '.example-pki', 'ca.pem'), 'utf8'), cert: await file('.pem'), key: await file('.key') } });
  }
  async function token(certificate: string): Promise<number> {
    const response = await fetch(`${url('mTLS endpoint alias')}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'demo-tls' }),
      dispatcher: await agent(certificate),
    });
    await response.arrayBuffer();
    return response.status;
  }

  it('counts a refusal by code and an acceptance', async () => {
    assert.equal(await token('client-b'), 401);
    assert.equal(await token('client-a'), 200);
    const response = await fetch(url('Prometheus metrics'));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    assert.match(text, /^oidc_mtls_authentications_total\{outcome="refused",method="tls_client_auth",code="ERR_MTLS_SUBJECT_MISMATCH",source="socket"\} 1$/m);
    assert.match(text, /^oidc_mtls_authentications_total\{outcome="accepted",method="tls_client_auth",code="none",source="socket"\} 1$/m);
    assert.match(text, /^oidc_mtls_verdict_cache_total\{result="miss"\} 2$/m);
  });
});
