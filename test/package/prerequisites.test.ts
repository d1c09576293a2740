// `npm test` on a fresh machine: scripts/test-prerequisites.sh (the pretest step, also run by .ci/run)
// installs what is missing when it can, and otherwise says in one line what to install. The
// install path runs on every fresh CI machine; here the refusals are checked with nginx pointed
// elsewhere and with a PATH that lacks python3, installs turned off.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const SCRIPT = resolve(import.meta.dirname, '../../scripts/test-prerequisites.sh');
const run = promisify(execFile);

async function prerequisites(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run('/bin/bash', [SCRIPT], { env: { ...process.env, ...env } });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe('scripts/test-prerequisites.sh (pretest)', () => {
  it('passes quietly on a machine that has everything', async () => {
    assert.deepEqual(await prerequisites({}), { code: 0, stderr: '' });
  });

  it('nginx made unavailable through NGINX_BINARY: exit 1 with one line naming the variable and the package', async () => {
    const { code, stderr } = await prerequisites({ NGINX_BINARY: '/nonexistent/sbin/nginx' });
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, /NGINX_BINARY=\/nonexistent\/sbin\/nginx .*apt-get install -y nginx/);
  });

  it('a command missing from PATH with installs off: exit 1 with one line saying what to install', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'mtls-prereq-'));
    try {
      // Everything but python3.
      for (const command of ['redis-server', 'redis-cli', 'curl', 'openssl', 'seq', 'sleep']) {
        const { stdout } = await run('/bin/bash', ['-c', `command -v ${command}`]);
        await symlink(stdout.trim(), join(bin, command));
      }
      const { code, stderr } = await prerequisites({ PATH: bin, TEST_PREREQUISITES_INSTALL: '0' });
      assert.equal(code, 1);
      assert.equal(stderr.trim(), 'npm test needs python3: apt-get install -y python3');
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });
});
