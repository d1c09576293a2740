// The FAPI example's walkthrough (what `npm run start:fapi` prints) runs and tells the true story.
import assert from 'node:assert/strict';
import { startFapiStack, type FapiStack } from '../../../example/fapi/stack.js';
import { walkthrough } from '../../../example/fapi/walkthrough.js';
import { createTestPki, type TestPki } from '../../support/pki.js';
import { x5t } from '../../support/thumbprint.js';

describe('FAPI example walkthrough', () => {
  let pki: TestPki;
  let stack: FapiStack;
  before(async () => {
    pki = await createTestPki();
    stack = await startFapiStack(pki, { issuer: 0, mtls: 0, resource: 0 });
  });
  after(() => stack.close());

  it('gets a token bound to certificate A that the resource server accepts with A and refuses with B', async () => {
    const lines: string[] = [];
    await walkthrough(stack, pki, (line) => lines.push(line));
    assert.equal(lines.length, 6);
    assert.match(lines[2]!, new RegExp(`iss=${stack.issuer}$`));
    assert.ok(lines[3]!.endsWith(`cnf={"x5t#S256":"${x5t(pki.clientA)}"}`), lines[3]);
    assert.match(lines[4]!, /^5\. resource server with certificate A: 200 \{"accounts"/);
    assert.match(lines[5]!, /^6\. the same token with certificate B: 401 WWW-Authenticate: Bearer error="invalid_token"/);
  });
});
