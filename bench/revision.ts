// `--before=<git-rev>`: an earlier revision of the package, materialized outside the repository so
// that its plugin can be measured side by side with the working tree in the same run. The tree is
// extracted with `git archive` (nothing is registered in the repository, unlike a worktree), its
// TypeScript runs through the same tsx loader, and it shares the working tree's node_modules when
// its lockfile pins nothing differently (so both revisions run on the very same oidc-provider).
import { spawn } from 'node:child_process';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository this bench belongs to. */
const REPO = fileURLToPath(new URL('../', import.meta.url));

export interface Revision {
  /** As given on the command line, e.g. `4b52eb1`, `HEAD~3` or a tag. */
  readonly name: string;
  /** The commit it resolved to. */
  readonly commit: string;
  /** Where its tree was extracted (under the bench's temporary directory, removed with it). */
  readonly root: string;
  /** How its dependencies were provided. */
  readonly dependencies: 'shared node_modules' | 'npm ci';
}

async function run(command: string, args: readonly string[], cwd: string, stdout: 'pipe' | 'ignore' = 'pipe'): Promise<string> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', stdout, 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}: ${err.trim()}`);
  return out;
}

/** The tree of `commit`, as `git archive` makes it, extracted into `dir` (the archive goes next to it). */
async function extract(commit: string, dir: string): Promise<void> {
  const archive = `${dir}.tar`;
  await run('git', ['archive', '--format=tar', `--output=${archive}`, commit], REPO);
  await run('tar', ['-x', '-f', archive, '-C', dir], dir);
}

type Lockfile = { packages?: Record<string, { version?: string }> };

/**
 * Packages the revision's lockfile pins at a version the working tree's lockfile does not
 * (`node_modules/x 1.0.0 (here 1.1.0)`); none means the installed node_modules serve it as is.
 */
async function lockfileDifferences(revisionRoot: string): Promise<string[]> {
  const read = async (dir: string) => JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8')) as Lockfile;
  const [theirs, ours] = await Promise.all([read(revisionRoot), read(REPO)]);
  return Object.entries(theirs.packages ?? {})
    .filter(([path]) => path !== '')
    .filter(([path, entry]) => ours.packages?.[path]?.version !== entry.version)
    .map(([path, entry]) => `${path} ${entry.version ?? '?'} (here ${ours.packages?.[path]?.version ?? 'absent'})`);
}

/** Resolves `name` and extracts its tree into `<parent>/before`, with its dependencies. */
export async function materializeRevision(name: string, parent: string, log: (message: string) => void): Promise<Revision> {
  if (name === '') throw new Error('--before needs a git revision, e.g. --before=HEAD~1 or a commit or tag');
  const commit = (await run('git', ['rev-parse', '--verify', '--end-of-options', `${name}^{commit}`], REPO)).trim();
  const root = join(parent, 'before');
  await mkdir(root);
  await extract(commit, root);
  const differences = await lockfileDifferences(root);
  let dependencies: Revision['dependencies'];
  if (differences.length === 0) {
    // Node resolves the symlink to the real path, so both revisions load one oidc-provider.
    await symlink(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
    dependencies = 'shared node_modules';
  } else {
    log(`${name}: its lockfile differs (${differences.slice(0, 3).join(', ')}${differences.length > 3 ? ', ...' : ''}); npm ci in ${root}`);
    await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], root, 'ignore');
    dependencies = 'npm ci';
  }
  log(`before = ${name} (${commit.slice(0, 12)}), extracted to a temporary directory, ${dependencies}`);
  return { name, commit, root, dependencies };
}
