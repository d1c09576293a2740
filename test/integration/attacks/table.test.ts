// docs/security.md's attack table names, for every row, the tests that show the defence. This keeps
// it honest: each row names at least one test, and each named test exists in the named file.
import assert from 'node:assert/strict';
import { docsPage, missingTests, namedTests } from '../../support/doc-tables.js';

describe('docs/security.md attack table', () => {
  const rows = docsPage('security.md').split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Threat') && !line.startsWith('| ---'))
    .map((line) => line.split(' | '))
    .filter((cells) => cells.length === 3)
    .map(([threat = '', , tests = '']) => ({ threat: threat.replace(/^\| /, ''), tests: namedTests(tests) }));

  it('has its rows, each naming at least one test', () => {
    assert.ok(rows.length >= 25, `${rows.length} rows`);
    assert.deepEqual(rows.filter((row) => row.tests.length === 0).map((row) => row.threat), []);
  });

  it('names only tests that exist, in files that exist', () => {
    assert.deepEqual(missingTests(rows.flatMap((row) => row.tests)), []);
  });
});
