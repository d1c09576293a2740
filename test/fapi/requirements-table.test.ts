// docs/fapi.md shows each FAPI requirement with the test that proves it. This keeps the tables
// honest: every named test exists in the named file, every requirement the preset or the host
// controls names at least one, and the stated counts are the tables' own.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { missingTests, namedTests, type NamedTest } from '../support/doc-tables.js';

const root = resolve(import.meta.dirname, '../..');
const CONTROLLERS = new Set(['preset', 'host', 'preset + host', 'deployer', 'n/a']);

interface RequirementRow {
  profile: string;
  requirement: string;
  controller: string;
  tests: NamedTest[];
}

/** The rows of the requirement tables, each under the `## ` heading of its profile. */
function requirementRows(markdown: string): RequirementRow[] {
  const rows: RequirementRow[] = [];
  let profile = '';
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) profile = line.slice(3).trim();
    const cells = line.split(' | ');
    if (!line.startsWith('| ') || cells.length !== 4 || line.startsWith('| Requirement') || line.startsWith('| ---')) continue;
    const [requirement = '', controller = '', tests = ''] = cells.map((cell) => cell.replace(/^\| |\s\|$/g, '').trim());
    rows.push({
      profile,
      requirement,
      controller,
      tests: namedTests(tests),
    });
  }
  return rows;
}

describe('docs/fapi.md requirement tables', () => {
  const markdown = readFileSync(join(root, 'docs/fapi.md'), 'utf8');
  const rows = requirementRows(markdown);
  const profiles = [...new Set(rows.map((row) => row.profile))];

  it('has a table for each profile', () => {
    assert.deepEqual(profiles, ['FAPI 2.0 Security Profile (mTLS variant)', 'FAPI 1.0 Advanced (Part 2, with the Part 1 items it imports)']);
  });

  it('names who controls each requirement, and a test for each the preset or the host controls', () => {
    for (const row of rows) {
      assert.ok(CONTROLLERS.has(row.controller), `${row.requirement}: controller ${JSON.stringify(row.controller)}`);
      if (row.controller.includes('preset') || row.controller === 'host') assert.ok(row.tests.length > 0, `${row.requirement}: no test named`);
    }
  });

  it('names only tests that exist, in files that exist', () => {
    assert.deepEqual(missingTests(rows.flatMap((row) => row.tests)), []);
  });

  it('states the counts the tables hold', () => {
    for (const profile of profiles) {
      const applicable = rows.filter((row) => row.profile === profile && (row.controller.includes('preset') || row.controller === 'host')).length;
      const heading = markdown.indexOf(`## ${profile}`);
      const stated = /Applicable \(preset or host\): (\d+)\./.exec(markdown.slice(heading))?.[1];
      assert.equal(Number(stated), applicable, profile);
    }
  });
});
