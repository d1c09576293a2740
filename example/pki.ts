// A throwaway development PKI, written to .example-pki/ so the printed curl commands can use it.
// Never use these files outside a local demo: the keys are generated here and stored unencrypted.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestPki, type TestPki } from '../test/support/pki.js';

export interface ExamplePki {
  pki: TestPki;
  dir: string;
}

export async function createExamplePki(dir: string): Promise<ExamplePki> {
  const pki = await createTestPki();
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {
    'ca.pem': pki.root.pem,
    'server.pem': pki.server.pem,
    'server.key': pki.server.keyPem,
    // curl sends the whole file, so the client certificate travels with its intermediate.
    'client-a.pem': pki.clientA.pem + pki.intermediate.pem,
    'client-a.key': pki.clientA.keyPem,
    'client-b.pem': pki.clientB.pem + pki.intermediate.pem,
    'client-b.key': pki.clientB.keyPem,
    'self-signed.pem': pki.selfSigned.pem,
    'self-signed.key': pki.selfSigned.keyPem,
  };
  await Promise.all(Object.entries(files).map(([name, content]) => writeFile(join(dir, name), content, { mode: 0o600 })));
  return { pki, dir };
}
