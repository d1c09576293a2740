// The nginx hop on its own: a real nginx terminates TLS and forwards the client certificate to an
// upstream that reads it with a header source, over http (peer address trusted) and over https
// (nginx's own client certificate pinned). Proves the encodings nginx really produces.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'node:https';
import { spkiSha256 } from '../../../src/certificate/index.js';
import { headerSource, sourceList, socketSource, type CertificateSource } from '../../../src/intake/index.js';
import { ClientCertificate } from '../../../src/certificate/certificate.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../../support/pki.js';
import { startHttps } from '../../support/tls.js';
import { startNginx, type StartedNginx } from '../../support/nginx.js';

interface Answer { kind: string; code?: string; thumbprint?: string; source?: string }

function reader(source: CertificateSource) {
  return (req: IncomingMessage, res: ServerResponse) => {
    void Promise.resolve(source.read(req)).then((result) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(result.kind === 'certificate'
        ? { kind: result.kind, thumbprint: result.certificate.leaf.thumbprint, source: result.certificate.source }
        : result.kind === 'refused' ? { kind: result.kind, code: result.error.code } : { kind: result.kind }));
    });
  };
}

async function get(origin: string, ca: TestCertificate, cert?: TestCertificate, headers: Record<string, string> = {}): Promise<{ status: number; body: Answer }> {
  const req = request(`${origin}/`, { ca: ca.pem, agent: false, headers, ...(cert ? { cert: cert.pem, key: cert.keyPem } : {}) });
  req.end();
  const [res] = await once(req, 'response') as [IncomingMessage];
  let body = '';
  for await (const chunk of res) body += chunk;
  const json = /json/.test(res.headers['content-type'] ?? '');
  return { status: res.statusCode ?? 0, body: json ? JSON.parse(body) as Answer : { kind: `not json: ${body.slice(0, 80)}` } };
}

describe('nginx hop: real nginx forwarding the client certificate', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let proxyCert: TestCertificate;
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    pki = await createTestPki();
    proxyCert = await issue({ subject: 'CN=nginx proxy', issuer: pki.root });
  });

  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  async function httpUpstream(source: CertificateSource, insecureHTTPParser = false): Promise<string> {
    const server = createServer({ insecureHTTPParser }, reader(source));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    stops.push(async () => { server.closeAllConnections(); server.close(); });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function nginx(options: Parameters<typeof startNginx>[0]): Promise<StartedNginx> {
    const started = await startNginx(options);
    stops.push(() => started.stop());
    return started;
  }

  /** nginx in front of an https upstream, presenting its own client certificate on the hop. */
  async function nginxOverHttps(source: CertificateSource): Promise<StartedNginx> {
    const upstream = await startHttps(reader(source), { cert: pki.server, requestCert: true } as Parameters<typeof startHttps>[1]);
    stops.push(() => upstream.close());
    return nginx({
      server: pki.server, clientCas: [pki.root], upstream: `https://localhost:${upstream.port}`,
      upstreamTls: { ca: pki.root, clientCertificate: proxyCert },
      headers: { 'X-SSL-Client-Cert': '$ssl_client_escaped_cert' },
    });
  }

  const thumbprint = (cert: TestCertificate) => ClientCertificate.from(cert.der).thumbprint;

  it('$ssl_client_escaped_cert over http, peer address trusted; a forged header is overwritten', async () => {
    const upstream = await httpUpstream(headerSource({ format: 'nginx', trustedProxies: { addresses: ['127.0.0.1/32'] } }));
    const proxy = await nginx({
      server: pki.server, clientCas: [pki.root, pki.intermediate], upstream,
      headers: { 'X-SSL-Client-Cert': '$ssl_client_escaped_cert' },
    });
    for (const cert of [pki.clientA, pki.selfSigned]) {
      const { status, body } = await get(proxy.origin, pki.root, cert, { 'x-ssl-client-cert': 'forged' });
      assert.equal(status, 200, await proxy.errorLog());
      assert.deepEqual(body, { kind: 'certificate', thumbprint: thumbprint(cert), source: 'nginx' });
    }
    // No client certificate: nginx sends no header (an empty value removes it), whatever the client sent.
    assert.deepEqual((await get(proxy.origin, pki.root, undefined, { 'x-ssl-client-cert': encodeURIComponent(pki.clientA.pem) })).body, { kind: 'none' });
  });

  it('ssl_verify_client on with the test CA', async () => {
    const upstream = await httpUpstream(headerSource({ format: 'nginx', trustedProxies: { addresses: ['127.0.0.1/32'] } }));
    const proxy = await nginx({
      server: pki.server, clientCas: [pki.root, pki.intermediate], verifyClient: 'on', upstream,
      headers: { 'X-SSL-Client-Cert': '$ssl_client_escaped_cert' },
    });
    assert.equal((await get(proxy.origin, pki.root, pki.clientB)).body.thumbprint, thumbprint(pki.clientB));
    // nginx itself refuses a certificate outside its CAs; the upstream never sees the request.
    const refused = await get(proxy.origin, pki.root, pki.selfSigned);
    assert.equal(refused.status, 400);
    assert.match(refused.body.kind, /not json/);
  });

  it('the deprecated $ssl_client_cert reaches an upstream that accepts folded header lines', async () => {
    const upstream = await httpUpstream(headerSource({ format: 'nginx-legacy', trustedProxies: { addresses: ['127.0.0.1/32'] } }), true);
    const proxy = await nginx({
      server: pki.server, clientCas: [pki.root], upstream,
      headers: { 'X-SSL-Client-Cert': '$ssl_client_cert' },
    });
    assert.deepEqual((await get(proxy.origin, pki.root, pki.clientA)).body, { kind: 'certificate', thumbprint: thumbprint(pki.clientA), source: 'nginx-legacy' });
    // Node's default parser refuses folded lines (RFC 9112 obs-fold) before any source runs.
    const strict = await httpUpstream(headerSource({ format: 'nginx-legacy', trustedProxies: { addresses: ['127.0.0.1/32'] } }));
    const strictProxy = await nginx({ server: pki.server, clientCas: [pki.root], upstream: strict, headers: { 'X-SSL-Client-Cert': '$ssl_client_cert' } });
    const answer = await get(strictProxy.origin, pki.root, pki.clientA);
    assert.notEqual(answer.status, 200, JSON.stringify(answer));
  });

  it('over https with nginx\'s own client certificate pinned: the header is used, never the hop certificate', async () => {
    const source = sourceList([
      headerSource({ format: 'nginx', trustedProxies: { certificates: [spkiSha256(proxyCert.pem)] } }),
      socketSource(),
    ]);
    const proxy = await nginxOverHttps(source);
    assert.deepEqual((await get(proxy.origin, pki.root, pki.clientA)).body, { kind: 'certificate', thumbprint: thumbprint(pki.clientA), source: 'nginx' });
    // The client presented nothing: the proxy's certificate on the hop must not stand in for it.
    assert.deepEqual((await get(proxy.origin, pki.root)).body, { kind: 'none' });
  });

  it('over https with an unpinned proxy certificate: refused, reported as an untrusted proxy', async () => {
    const other = await issue({ subject: 'CN=other proxy', issuer: pki.root });
    const source = headerSource({ format: 'nginx', trustedProxies: { certificates: [spkiSha256(other.pem)] } });
    const proxy = await nginxOverHttps(source);
    assert.deepEqual((await get(proxy.origin, pki.root, pki.clientA)).body, { kind: 'refused', code: 'ERR_MTLS_PROXY_UNTRUSTED' });
  });
});
