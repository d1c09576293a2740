// Type-checks every ```ts block of README.md against the built package, so the docs cannot rot.
// Each block is compiled as its own module after a prelude that declares the names a snippet takes
// from "your existing setup" (issuer, configuration, keys), exactly as a user would have them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dir = join(root, '.readme-check');

// Declarations only, no imports, so a block may import any name it uses; a block that declares one of
// these names itself keeps its own (preludeFor).
const PRELUDE = `
declare const issuer: string;
declare const configuration: import('oidc-provider').Configuration;
declare const caPem: string;
declare const mtlsOrigin: string;
declare const tlsKey: string;
declare const tlsCert: string;
declare const req: import('node:http').IncomingMessage;
declare const leafPem: string;
declare const rootPem: string;
declare const issuingCaPem: string;
declare const leaf: import('oidc-provider-mtls/certificate').ClientCertificate;
declare const chain: import('oidc-provider-mtls/certificate').ClientCertificate[];
declare const log: { warn(...values: unknown[]): void };
declare const provider: import('oidc-provider').Provider;
declare const storage: import('oidc-provider-mtls/adapters/redis').RedisAdapterFactory;
`;

/** The prelude without the names a block declares itself. */
function preludeFor(block: string): string {
  return PRELUDE.split('\n').filter((line) => {
    const name = /^declare const (\w+)/.exec(line)?.[1];
    return name === undefined || !new RegExp(`\\b(const|let|var|function|class) ${name}\\b`).test(block);
  }).join('\n');
}

export function readmeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
}

/** The quick-start block, marked in the README, which the packed-tarball test runs verbatim. */
export function quickStart(markdown: string): string {
  const match = /<!-- quick-start -->\s*```ts\n([\s\S]*?)^```/m.exec(markdown);
  if (!match?.[1]) throw new Error('README.md has no <!-- quick-start --> ts block');
  return match[1];
}

/** The README and every page of docs/, whose `ts` blocks are checked. */
function pages(): string[] {
  return ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];
}

function main(): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const files = pages().flatMap((page) => readmeBlocks(readFileSync(join(root, page), 'utf8')).map((block, index) => {
    const file = join(dir, `${page.replace(/[/.]/g, '-')}-block-${index + 1}.ts`);
    writeFileSync(file, `${preludeFor(block)}\n${block}\nexport {};\n`);
    return file;
  }));
  if (files.length === 0) throw new Error('README.md and docs/ have no ts blocks to check');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: { noEmit: true, noUnusedLocals: false, types: ['node'] },
    include: ['*.ts'],
  }));
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { stdio: 'inherit' });
    console.log(`README.md and docs/: ${files.length} ts blocks type-check`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) main();
