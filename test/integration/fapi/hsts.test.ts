// FAPI 2.0 Security Profile 5.2.3 item 1 (and FAPI 1.0 Part 1 section 7.1): no TLS stripping on
// endpoints browsers use. The listeners this package creates send Strict-Transport-Security.
import assert from 'node:assert/strict';
import type { Server } from 'node:https';
import { createMtlsServer } from '../../../src/index.js';
import { ConfigurationError } from '../../../src/errors.js';
import { fapiTlsOptions } from '../../../src/fapi/index.js';
import { tlsFetch } from '../../support/client.js';
import { createTestPki, type TestPki } from '../../support/pki.js';
import { listen } from './handshake.js';

describe('Strict-Transport-Security on the listeners the package creates', () => {
  let pki: TestPki;
  const servers: Server[] = [];
  before(async () => { pki = await createTestPki(); });
  after(() => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  async function headerFrom(options: Parameters<typeof createMtlsServer>[0]): Promise<string | null> {
    const server = createMtlsServer(fapiTlsOptions({ key: pki.server.keyPem, cert: pki.server.pem, ...options }), (_req, res) => res.end('ok'));
    servers.push(server);
    const port = await listen(server);
    const response = await tlsFetch(pki.root, pki.clientA)(`https://localhost:${port}/`);
    assert.equal(await response.text(), 'ok');
    return response.headers.get('strict-transport-security');
  }

  it('createMtlsServer sends max-age of one year by default, a value of the deployer\'s choosing, or none with false', async () => {
    assert.equal(await headerFrom({}), 'max-age=31536000');
    assert.equal(await headerFrom({ strictTransportSecurity: 'max-age=63072000; includeSubDomains; preload' }), 'max-age=63072000; includeSubDomains; preload');
    assert.equal(await headerFrom({ strictTransportSecurity: false }), null);
  });

  it('refuses a value without max-age, naming the option', () => {
    for (const value of ['includeSubDomains', '', 'max-age=forever', 1 as never]) {
      assert.throws(() => createMtlsServer({ key: pki.server.keyPem, cert: pki.server.pem, strictTransportSecurity: value }), (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.equal(error.code, 'ERR_MTLS_INVALID_OPTION');
        assert.match(error.message, /^createMtlsServer\(\) options.strictTransportSecurity must be false or a Strict-Transport-Security value with a max-age=<seconds> directive$/);
        return true;
      });
    }
  });
});
