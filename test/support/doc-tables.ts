// The docs' tables that name tests (`file.test.ts` › "title", ...): docs/security.md's attack table
// and docs/fapi.md's requirement tables. Each named test must exist, so a table cannot claim a
// test that was renamed or removed.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** A test a table cell names; a file named alone stands for all its tests. */
export interface NamedTest {
  file: string;
  title?: string;
}

/** The tests a table cell names: `path.test.ts` › "title", "title"; or `path.test.ts` alone. */
export function namedTests(cell: string): NamedTest[] {
  return [...cell.matchAll(/`([^`]+\.test\.ts)`(?: › ((?:"[^"]+"(?:, )?)+))?/g)].flatMap(([, file = '', titles]) =>
    titles === undefined ? [{ file }] : [...titles.matchAll(/"([^"]+)"/g)].map(([, title = '']) => ({ file, title })));
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The titles of every `it(...)` in a test file as patterns: a template literal's `${...}` parts
 * match anything, since a loop makes one test per value.
 */
function testTitles(source: string): RegExp[] {
  return [...source.matchAll(/\bit\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g)].map((match) => {
    const raw = match[2] ?? '';
    const parts = match[1] === '`' ? raw.split(/\$\{[^}]*\}/) : [raw];
    return new RegExp(`^${parts.map((part) => escape(part.replace(/\\(.)/g, '$1'))).join('.+')}$`);
  });
}

/** The named tests that do not exist: each as `file › "title"` (or the file alone). */
export function missingTests(tests: readonly NamedTest[]): string[] {
  const titles = new Map<string, RegExp[] | undefined>();
  return tests.filter(({ file, title }) => {
    if (!titles.has(file)) {
      let source: string | undefined;
      try {
        source = readFileSync(join(root, file), 'utf8');
      } catch {
        // A missing file names no test.
      }
      titles.set(file, source === undefined ? undefined : testTitles(source));
    }
    const patterns = titles.get(file);
    return patterns === undefined || (title !== undefined && !patterns.some((pattern) => pattern.test(title)));
  }).map(({ file, title }) => (title === undefined ? file : `${file} › "${title}"`));
}

/** A page of docs/, by name. */
export const docsPage = (name: string): string => readFileSync(join(root, 'docs', name), 'utf8');
