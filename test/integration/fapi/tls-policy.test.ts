import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { createMtlsServer } from '../../../src/index.js';
import { fapiTlsOptions } from '../../../src/fapi/index.js';
import { createTestPki, issue, OID, type TestCertificate, type TestPki } from '../../support/pki.js';
import { handshake, listen } from './handshake.js';

// OpenSSL 3 refuses to even offer TLS 1.0/1.1 at its default security level; level 0 makes the
// client offer them, and the control server below proves this client really can speak TLS 1.1.
const TLS11: ConnectionOptions = { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' };
const tls12 = (cipher: string): ConnectionOptions => ({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: cipher });

describe('fapiTlsOptions() over real TLS handshakes', () => {
  let pki: TestPki;
  let rsa: TestCertificate;
  const servers: Server[] = [];

  before(async () => {
    pki = await createTestPki();
    rsa = await issue({
      subject: 'CN=localhost',
      issuer: pki.root,
      keyAlgorithm: 'RSA-2048',
      eku: [OID.serverAuth],
      sans: [{ type: 'dns', value: 'localhost' }],
    });
  });
  after(() => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  /** Both certificate types, so that RSA and ECDSA suites can each be negotiated. */
  const identities = () => ({ key: [rsa.keyPem, pki.server.keyPem], cert: [rsa.pem, pki.server.pem] });
  const client = (options: ConnectionOptions): ConnectionOptions => ({ ca: pki.root.pem, ...options });
  async function start(server: Server): Promise<Server> {
    servers.push(server);
    await listen(server);
    return server;
  }
  const refused = (result: Awaited<ReturnType<typeof handshake>>, serverCode: string) => {
    assert.equal(result.ok, false, `expected the handshake to be refused, got ${JSON.stringify(result)}`);
    assert.equal(result.ok === false && result.serverCode, serverCode);
  };

  describe('FAPI 2.0 (default)', () => {
    let main: Server;
    let alias: Server;
    let control: Server;
    before(async () => {
      main = await start(createServer(fapiTlsOptions(identities())));
      alias = await start(createMtlsServer(fapiTlsOptions(identities())));
      control = await start(createServer({ ...identities(), minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0', dhparam: 'auto' }));
    });

    it('the control listener (Node defaults, TLS 1.0 allowed) accepts what the FAPI listeners refuse, so the refusals test the policy', async () => {
      assert.deepEqual(await handshake(control, client(TLS11)).then((r) => r.ok && r.protocol), 'TLSv1.1');
      for (const cipher of ['ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-CHACHA20-POLY1305', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'DHE-RSA-AES128-GCM-SHA256', 'DHE-RSA-AES128-SHA256']) {
        const result = await handshake(control, client(tls12(cipher)));
        assert.deepEqual(result.ok && result.cipher, cipher);
      }
    });

    for (const [name, server] of [['main origin', () => main], ['mTLS alias (createMtlsServer)', () => alias]] as const) {
      describe(name, () => {
        it('refuses a TLS 1.1 handshake', async () => {
          const result = await handshake(server(), client(TLS11));
          refused(result, 'ERR_SSL_UNSUPPORTED_PROTOCOL');
          assert.equal(result.ok === false && result.clientCode, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
        });

        for (const cipher of ['ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-CHACHA20-POLY1305', 'AES128-GCM-SHA256', 'DHE-RSA-AES128-GCM-SHA256']) {
          it(`refuses TLS 1.2 with ${cipher}, which FAPI 2.0 does not permit`, async () => {
            refused(await handshake(server(), client(tls12(cipher))), 'ERR_SSL_NO_SHARED_CIPHER');
          });
        }

        for (const cipher of ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384']) {
          it(`accepts TLS 1.2 with ${cipher}`, async () => {
            assert.deepEqual(await handshake(server(), client(tls12(cipher))), { ok: true, protocol: 'TLSv1.2', cipher });
          });
        }

        it('accepts TLS 1.3', async () => {
          const result = await handshake(server(), client({ minVersion: 'TLSv1.3' }));
          assert.deepEqual(result.ok && result.protocol, 'TLSv1.3');
        });

        it('prefers a permitted suite when the client offers a forbidden one first', async () => {
          const result = await handshake(server(), client(tls12('ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384')));
          assert.deepEqual(result.ok && result.cipher, 'ECDHE-ECDSA-AES256-GCM-SHA384');
        });
      });
    }

    it('still asks for client certificates on the alias, and takes one over the FAPI policy', async () => {
      const result = await handshake(alias, client({ ...tls12('ECDHE-ECDSA-AES128-GCM-SHA256'), cert: pki.clientA.pem, key: pki.clientA.keyPem }));
      assert.deepEqual(result, { ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    });
  });

  describe('FAPI 1.0 Advanced', () => {
    let alias: Server;
    before(async () => {
      alias = await start(createMtlsServer(fapiTlsOptions({ key: rsa.keyPem, cert: rsa.pem }, { profile: '1.0 Final' })));
    });

    it('refuses TLS 1.1 and the TLS 1.2 suites outside its list of four', async () => {
      refused(await handshake(alias, client(TLS11)), 'ERR_SSL_UNSUPPORTED_PROTOCOL');
      for (const cipher of ['ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-CHACHA20-POLY1305', 'AES256-GCM-SHA384', 'DHE-RSA-AES128-SHA256']) {
        refused(await handshake(alias, client(tls12(cipher))), 'ERR_SSL_NO_SHARED_CIPHER');
      }
    });

    it('accepts the four DHE/ECDHE RSA AES-GCM suites (DHE with the RFC 7919 groups) and TLS 1.3', async () => {
      for (const cipher of ['DHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'DHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384']) {
        assert.deepEqual(await handshake(alias, client(tls12(cipher))), { ok: true, protocol: 'TLSv1.2', cipher });
      }
      const result = await handshake(alias, client({ minVersion: 'TLSv1.3' }));
      assert.deepEqual(result.ok && result.protocol, 'TLSv1.3');
    });
  });
});
