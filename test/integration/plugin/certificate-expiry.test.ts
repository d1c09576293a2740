// A client authenticating with a certificate close to its expiry is reported (provider event and
// diagnostics channel), once per certificate per day; certificates far from expiry are not.
// The self-signed certificate is made with the openssl command line (-days 10).
import { strict as assert } from 'node:assert';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import sinon from 'sinon';
import { Agent, fetch } from 'undici';
import { CHANNELS, EVENTS, type CertificateExpiringMessage } from '../../../src/index.js';
import { makeOpensslPki, openssl, type OpensslPki } from '../../cli/openssl.js';
import { postForm, tlsFetch, type Fetch } from '../../support/client.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { certificateClient, startTestProvider, type TestProvider } from '../../support/provider.js';
import { x5t } from '../../support/thumbprint.js';

const DAY = 86_400_000;
const grant = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };

describe('certificates nearing expiry', () => {
  let pki: TestPki;
  let shell: OpensslPki;
  let soon: TestCertificate;
  let far: TestCertificate;
  let selfSignedPem: string;
  let selfSignedKey: string;
  let op: TestProvider;
  const events: CertificateExpiringMessage[] = [];
  const messages: CertificateExpiringMessage[] = [];
  const listener = (message: unknown) => messages.push(message as CertificateExpiringMessage);

  before(async () => {
    pki = await createTestPki();
    shell = await makeOpensslPki();
    await openssl(shell.dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'soon.key', '-out', 'soon.pem',
      '-days', '10', '-subj', '/CN=device-soon', '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'extendedKeyUsage=clientAuth');
    selfSignedPem = await readFile(shell.file('soon.pem'), 'utf8');
    selfSignedKey = await readFile(shell.file('soon.key'), 'utf8');
    // A CA valid for a year, so moving the clock to the next day leaves the path valid.
    const ca = await issue({ subject: 'CN=Expiry Test CA', ca: true, notAfter: new Date(Date.now() + 365 * DAY) });
    far = await issue({ subject: 'CN=client-a,O=Example Bank,C=GB', issuer: ca, notAfter: new Date(Date.now() + 365 * DAY) });
    soon = await issue({ subject: 'CN=client-a,O=Example Bank,C=GB', issuer: ca, notAfter: new Date(Date.now() + 5 * DAY) });
    const der = Buffer.from(selfSignedPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const { X509Certificate } = await import('node:crypto');
    const jwk = new X509Certificate(der).publicKey.export({ format: 'jwk' });
    op = await startTestProvider({
      pki,
      mtls: { trustAnchors: [ca.pem] },
      clients: [
        certificateClient(),
        { client_id: 'device', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [{ ...jwk, x5c: [der.toString('base64')] }] }, ...grant },
      ] as never,
    });
    (op.provider as unknown as EventEmitter).on(EVENTS.certificateExpiring, (message: CertificateExpiringMessage) => events.push(message));
    subscribe(CHANNELS.certificateExpiring, listener);
  });
  after(async () => {
    unsubscribe(CHANNELS.certificateExpiring, listener);
    await op.close();
    await shell.close();
  });
  afterEach(() => sinon.restore());

  const tlsToken = (cert: TestCertificate) => postForm(tlsFetch(pki.root, cert), `${op.mtlsOrigin}/token`, { grant_type: 'client_credentials', client_id: 'tls-cc' });
  const deviceToken = () => postForm(
    ((url: string, init?: object) => fetch(url, { ...init, dispatcher: new Agent({ connect: { ca: pki.root.pem, cert: selfSignedPem, key: selfSignedKey } }) })) as Fetch,
    `${op.mtlsOrigin}/token`,
    { grant_type: 'client_credentials', client_id: 'device' },
  );

  it('reports a tls_client_auth certificate within 30 days once a day, not one far from expiry', async () => {
    assert.equal((await tlsToken(far)).status, 200);
    assert.equal(events.length, 0);
    assert.equal((await tlsToken(soon)).status, 200);
    assert.equal((await tlsToken(soon)).status, 200);
    assert.equal(events.length, 1);
    assert.deepEqual(messages, events);
    const [message] = events;
    assert.equal(message!.clientId, 'tls-cc');
    assert.equal(message!.method, 'tls_client_auth');
    assert.equal(message!.thumbprint, x5t(soon));
    assert.equal(message!.subject, 'CN=client-a,O=Example Bank,C=GB');
    assert.equal(message!.daysLeft, 4); // 5 days minus the milliseconds since issuance, in whole days

    // The start of the next UTC day, plus a minute.
    sinon.useFakeTimers({ now: (Math.floor(Date.now() / DAY) + 1) * DAY + 60_000, toFake: ['Date'] });
    assert.equal((await tlsToken(soon)).status, 200);
    assert.equal(events.length, 2, 'reported again the next day');
  });

  it('reports an openssl-made self-signed certificate with 10 days left', async () => {
    const before = events.length;
    assert.equal((await deviceToken()).status, 200);
    assert.equal(events.length, before + 1);
    assert.equal(events.at(-1)!.method, 'self_signed_tls_client_auth');
    assert.equal(events.at(-1)!.subject, 'CN=device-soon');
  });
});
