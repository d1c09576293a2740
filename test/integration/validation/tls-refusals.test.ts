// Each refusal code over a real TLS handshake on loopback: the client presents its certificate,
// the server reads it from the socket and asks the validator, as the plugin's intake does.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { ClientCertificate, createCertificateValidator, type CertificateValidator } from '../../../src/certificate/index.js';
import { socketSource } from '../../../src/intake/socket.js';
import { issue, KeyUsage, OID, type TestCertificate } from '../../support/pki.js';
import { startHttps, type StartedServer } from '../../support/tls.js';
import { startRevocationServer, ocspAccess, type RevocationServer } from '../../support/revocation.js';

function present(server: StartedServer, ca: TestCertificate, client: TestCertificate, chain: TestCertificate[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.origin}/`, { ca: ca.pem, cert: client.pem + chain.map((c) => c.pem).join(''), key: client.keyPem }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('integration/validation: refusal codes over TLS', () => {
  let root: TestCertificate;
  let ica: TestCertificate;
  let serverCert: TestCertificate;
  let server: StartedServer;
  let validator: CertificateValidator;
  let responder: RevocationServer;

  before(async () => {
    responder = await startRevocationServer();
    root = await issue({ subject: 'CN=TLS Root', ca: true });
    ica = await issue({ subject: 'CN=TLS CA', ca: true, issuer: root, pathLength: 0 });
    serverCert = await issue({ subject: 'CN=localhost', issuer: root, eku: [OID.serverAuth], sans: [{ type: 'dns', value: 'localhost' }] });
    const pin = ClientCertificate.from(root.pem).spkiSha256;
    validator = createCertificateValidator({ trustAnchors: [root.pem], revocation: { mode: 'off', anchors: { [pin]: 'hard-fail' }, scope: 'leaf', timeout: 0.3 } });
    const source = socketSource();
    server = await startHttps(async (req, res) => {
      const intake = await source.read(req);
      if (intake.kind !== 'certificate') {
        res.end(intake.kind);
        return;
      }
      assert.ok((req.socket as TLSSocket).encrypted);
      const verdict = await validator.verify(intake.certificate.leaf, intake.certificate.chain);
      res.end(verdict.valid ? 'valid' : verdict.code);
    }, { cert: serverCert, requestCert: true } as Parameters<typeof startHttps>[1]);
  });
  after(async () => {
    await server.close();
    await responder.close();
  });

  const leaf = (options: Partial<Parameters<typeof issue>[0]> = {}) => issue({ subject: 'CN=tls client', issuer: ica, ...options });

  it('a valid chain sent in the handshake', async () => {
    responder.ocsp = { issuer: ica, answer: {} };
    assert.equal(await present(server, root, await leaf({ extensions: [ocspAccess(responder.ocspUrl)] }), [ica]), 'valid');
  });

  const cases: [string, () => Promise<{ client: TestCertificate; chain?: TestCertificate[] }>][] = [
    ['ERR_MTLS_CHAIN_UNTRUSTED', async () => ({ client: await leaf() })],
    ['ERR_MTLS_CERT_EXPIRED', async () => ({ client: await leaf({ notBefore: new Date(Date.now() - 7200_000), notAfter: new Date(Date.now() - 3600_000) }), chain: [ica] })],
    ['ERR_MTLS_CERT_NOT_YET_VALID', async () => ({ client: await leaf({ notBefore: new Date(Date.now() + 3600_000) }), chain: [ica] })],
    ['ERR_MTLS_CHAIN_SIGNATURE', async () => {
      // Without key identifiers the TLS stack links the leaf to the impostor by name alone.
      const impostor = await issue({ subject: 'CN=TLS CA', ca: true, issuer: root });
      return { client: await leaf({ noKeyIdentifiers: true }), chain: [impostor] };
    }],
    ['ERR_MTLS_CHAIN_NOT_CA', async () => {
      const notCa = await issue({ subject: 'CN=Not CA', issuer: root, eku: null, keyUsage: KeyUsage.keyCertSign | KeyUsage.digitalSignature });
      return { client: await issue({ subject: 'CN=c', issuer: notCa }), chain: [notCa] };
    }],
    ['ERR_MTLS_CHAIN_PATH_LENGTH', async () => {
      const sub = await issue({ subject: 'CN=Sub', ca: true, issuer: ica });
      return { client: await issue({ subject: 'CN=c', issuer: sub }), chain: [sub, ica] };
    }],
    ['ERR_MTLS_KEY_USAGE', async () => ({ client: await leaf({ keyUsage: KeyUsage.keyEncipherment | KeyUsage.dataEncipherment, keyAlgorithm: 'RSA-2048' }), chain: [ica] })],
    ['ERR_MTLS_EKU', async () => ({ client: await leaf({ eku: [OID.serverAuth] }), chain: [ica] })],
    ['ERR_MTLS_NAME_CONSTRAINTS', async () => {
      const nc = new x509.Extension('2.5.29.30', true, new Uint8Array([0x30, 0x0f, 0xa0, 0x0d, 0x30, 0x0b, 0x82, 0x09, ...Buffer.from('allowed.x')]));
      const constrained = await issue({ subject: 'CN=NC CA', ca: true, issuer: root, extensions: [nc] });
      return { client: await issue({ subject: 'CN=c', issuer: constrained, sans: [{ type: 'dns', value: 'other.example' }] }), chain: [constrained] };
    }],
    ['ERR_MTLS_CRITICAL_EXTENSION', async () => ({ client: await leaf({ extensions: [new x509.Extension('1.3.6.1.4.1.55738.666.1', true, new Uint8Array([0x05, 0x00]))] }), chain: [ica] })],
    // OpenSSL itself refuses to send SHA-1 certificates; an RSA-1024 key still goes through.
    ['ERR_MTLS_WEAK_ALGORITHM', async () => ({ client: await leaf({ keyAlgorithm: 'RSA-1024' }), chain: [ica] })],
    ['ERR_MTLS_CERT_REVOKED', async () => {
      const client = await leaf({ extensions: [ocspAccess(responder.ocspUrl)] });
      responder.ocsp = { issuer: ica, answer: { statuses: { [client.cert.serialNumber.toLowerCase()]: 'revoked' } } };
      return { client, chain: [ica] };
    }],
    ['ERR_MTLS_REVOCATION_UNKNOWN', async () => ({ client: await leaf(), chain: [ica] })],
  ];

  for (const [code, make] of cases) {
    it(code, async () => {
      const { client, chain = [] } = await make();
      assert.equal(await present(server, root, client, chain), code);
    });
  }

  it('ERR_MTLS_ANCHOR_NOT_ALLOWED when the client is pinned to another anchor', async () => {
    const other = ClientCertificate.from((await issue({ subject: 'CN=Other Root', ca: true })).pem).spkiSha256;
    const leafCert = ClientCertificate.from((await leaf()).pem);
    const verdict = await validator.verify(leafCert, [ClientCertificate.from(ica.pem)], { allowedAnchors: [other] });
    assert.equal(verdict.valid ? 'valid' : verdict.code, 'ERR_MTLS_ANCHOR_NOT_ALLOWED');
  });
});
