import assert from 'node:assert/strict';
import { ConfigurationError } from '../../src/errors.js';
import {
  headerSource,
  resolveCertificateSource,
  socketSource,
  sourceList,
  type HeaderFormat,
  type HeaderSourceOptions,
} from '../../src/intake/index.js';
import { ClientCertificate, spkiSha256 } from '../../src/certificate/certificate.js';
import { longLength, resign, rewrite } from '../support/der.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../support/pki.js';
import { ask, askHttp2, http2Probe, httpProbe, httpsProbe, type Probe } from './probe.js';
import * as shape from './shapes.js';

const SECRET = 'a-long-random-test-secret-value';
const thumbprint = (cert: TestCertificate) => ClientCertificate.from(cert.der).thumbprint;

describe('headerSource', () => {
  let pki: TestPki;
  let proxy: TestCertificate;
  const probes: Probe[] = [];
  const probe = async (make: Promise<Probe>) => {
    const started = await make;
    probes.push(started);
    return started.origin;
  };

  before(async () => {
    pki = await createTestPki();
    proxy = await issue({ subject: 'CN=proxy', issuer: pki.root });
  });

  afterEach(async () => {
    await Promise.all(probes.splice(0).map((p) => p.close()));
  });

  describe('configuration', () => {
    const base = { format: 'rfc9440' } as const;

    it('refuses to start without a way to authenticate the proxy, saying what to set', () => {
      assert.throws(() => headerSource(base as HeaderSourceOptions),
        (error: ConfigurationError) => error.code === 'ERR_MTLS_INVALID_OPTION' && /^certificateSource\.trustedProxies must be set/.test(error.message));
      assert.throws(() => headerSource({ ...base, trustedProxies: {} }),
        /certificateSource\.trustedProxies must set at least one of addresses, certificates or sharedSecret/);
      assert.throws(() => headerSource({ ...base, trustedProxies: { forwardedForHops: 1 } }), /at least one of/);
    });

    it('names the option at fault', () => {
      const cases: [HeaderSourceOptions, RegExp][] = [
        [{ ...base, trustedProxies: { addresses: [] } }, /certificateSource\.trustedProxies\.addresses must be a non-empty array/],
        [{ ...base, trustedProxies: { addresses: ['10.0.0.0/33'] } }, /trustedProxies\.addresses\[0\] must be a CIDR/],
        [{ ...base, trustedProxies: { addresses: ['127.0.0.1', 'localhost'] } }, /addresses\[1\] must be a CIDR/],
        [{ ...base, trustedProxies: { addresses: ['::1/129'] } }, /addresses\[0\]/],
        [{ ...base, trustedProxies: { certificates: ['abc'] } }, /trustedProxies\.certificates\[0\] must be a SHA-256 SPKI pin/],
        [{ ...base, trustedProxies: { sharedSecret: { header: 'x-proxy-secret', value: 'short' } } }, /sharedSecret\.value must be a string of at least 16/],
        [{ ...base, trustedProxies: { sharedSecret: { header: 'bad header', value: SECRET } } }, /sharedSecret\.header must be an HTTP header name/],
        [{ ...base, trustedProxies: { certificates: ['0'.repeat(64)], forwardedForHops: 1 } }, /forwardedForHops needs certificateSource\.trustedProxies\.addresses/],
        [{ ...base, trustedProxies: { addresses: ['127.0.0.1'], forwardedForHops: -1 } }, /forwardedForHops must be a non-negative integer/],
        [{ format: 'nope' as HeaderFormat, trustedProxies: { addresses: ['127.0.0.1'] } }, /certificateSource\.format must be one of rfc9440, /],
        [{ format: 'custom', trustedProxies: { addresses: ['127.0.0.1'] } }, /certificateSource\.header must be an HTTP header name/],
        [{ format: 'custom', header: 'x-cert', trustedProxies: { addresses: ['127.0.0.1'] } }, /certificateSource\.decode must be a function/],
        [{ ...base, header: 'x cert', trustedProxies: { addresses: ['127.0.0.1'] } }, /certificateSource\.header must be an HTTP header name/],
        [{ ...base, maxLength: 0, trustedProxies: { addresses: ['127.0.0.1'] } }, /certificateSource\.maxLength must be a positive integer/],
      ];
      for (const [options, message] of cases) assert.throws(() => headerSource(options), message);
    });

    it('resolves the certificateSource option: socket, header options, sources, lists', () => {
      assert.equal(resolveCertificateSource('socket').name, 'socket');
      assert.equal(resolveCertificateSource({ format: 'xfcc', trustedProxies: { addresses: ['10.0.0.0/8'] } }).name, 'xfcc');
      assert.equal(resolveCertificateSource([{ format: 'nginx', trustedProxies: { addresses: ['10.0.0.0/8'] } }, 'socket']).name, 'nginx|socket');
      assert.throws(() => resolveCertificateSource(['socket', { format: 'nginx' } as HeaderSourceOptions]), /^ConfigurationError: certificateSource\[1\]\.trustedProxies must be set/);
      assert.throws(() => resolveCertificateSource([]), /certificateSource must not be an empty list/);
      assert.throws(() => resolveCertificateSource('tls' as 'socket'), /certificateSource must be 'socket'/);
    });
  });

  describe('proxy authentication by peer address', () => {
    it('believes the header from a trusted address', async () => {
      const origin = await probe(httpProbe(headerSource({ format: 'rfc9440', trustedProxies: { addresses: ['127.0.0.0/8'] } })));
      const answer = await ask(origin, { 'client-cert': shape.rfc9440(pki.clientA), 'client-cert-chain': shape.rfc9440Chain(pki.intermediate) });
      assert.deepEqual(answer, { kind: 'certificate', thumbprint: thumbprint(pki.clientA), chain: [thumbprint(pki.intermediate)], source: 'rfc9440' });
    });

    it('ignores the header from any other address and reports it', async () => {
      const origin = await probe(httpProbe(headerSource({ format: 'rfc9440', trustedProxies: { addresses: ['10.0.0.0/8', 'fd00::/8'] } })));
      const answer = await ask(origin, { 'client-cert': shape.rfc9440(pki.clientA) });
      assert.equal(answer.kind, 'refused');
      assert.equal(answer.code, 'ERR_MTLS_PROXY_UNTRUSTED');
      assert.match(answer.message!, /client-cert header was ignored: the peer address 127\.0\.0\.1 is not a trusted proxy/);
      assert.deepEqual(await ask(origin, {}), { kind: 'none' });
    });

    it('matches IPv6 peers against IPv6 networks only', async () => {
      const v6 = await probe(httpProbe(headerSource({ format: 'haproxy', trustedProxies: { addresses: ['::1/128'] } }), '::1'));
      assert.equal((await ask(v6, { 'x-ssl-client-cert': shape.base64Der(pki.clientA) })).kind, 'certificate');
      const v4only = await probe(httpProbe(headerSource({ format: 'haproxy', trustedProxies: { addresses: ['127.0.0.1/32'] } }), '::1'));
      assert.equal((await ask(v4only, { 'x-ssl-client-cert': shape.base64Der(pki.clientA) })).code, 'ERR_MTLS_PROXY_UNTRUSTED');
    });

    it('reads X-Forwarded-For only with forwardedForHops, and only its last entries', async () => {
      const make = (hops: number) => headerSource({ format: 'haproxy', trustedProxies: { addresses: ['127.0.0.1', '10.1.0.0/16'], forwardedForHops: hops } });
      const header = { 'x-ssl-client-cert': shape.base64Der(pki.clientA) };
      const one = await probe(httpProbe(make(1)));
      assert.equal((await ask(one, { ...header, 'x-forwarded-for': '203.0.113.9, 10.1.2.3' })).kind, 'certificate');
      assert.equal((await ask(one, { ...header, 'x-forwarded-for': ['203.0.113.9', '10.1.2.3'] })).kind, 'certificate');
      const spoofed = await ask(one, { ...header, 'x-forwarded-for': '10.1.2.3, 203.0.113.9' });
      assert.equal(spoofed.code, 'ERR_MTLS_PROXY_UNTRUSTED');
      assert.match(spoofed.message!, /X-Forwarded-For/);
      assert.equal((await ask(one, header)).code, 'ERR_MTLS_PROXY_UNTRUSTED');
      const two = await probe(httpProbe(make(2)));
      assert.equal((await ask(two, { ...header, 'x-forwarded-for': '10.1.2.3' })).code, 'ERR_MTLS_PROXY_UNTRUSTED');
      assert.equal((await ask(two, { ...header, 'x-forwarded-for': '198.51.100.1,10.1.0.9, 10.1.2.3' })).kind, 'certificate');
      // Without forwardedForHops the header is not read at all: a spoofed entry changes nothing.
      const none = await probe(httpProbe(make(0)));
      assert.equal((await ask(none, { ...header, 'x-forwarded-for': '203.0.113.9' })).kind, 'certificate');
    });
  });

  describe('proxy authentication by shared secret', () => {
    it('believes the header only with the exact secret, sent once', async () => {
      const origin = await probe(httpProbe(headerSource({
        format: 'nginx',
        trustedProxies: { sharedSecret: { header: 'X-Proxy-Secret', value: SECRET } },
      })));
      const header = { 'x-ssl-client-cert': shape.nginxEscaped(pki.clientA) };
      assert.equal((await ask(origin, { ...header, 'x-proxy-secret': SECRET })).kind, 'certificate');
      for (const secret of [undefined, `${SECRET}x`, SECRET.slice(1), [SECRET, SECRET]]) {
        const answer = await ask(origin, secret === undefined ? header : { ...header, 'x-proxy-secret': secret });
        assert.equal(answer.code, 'ERR_MTLS_PROXY_UNTRUSTED', String(secret));
        assert.doesNotMatch(answer.message!, new RegExp(SECRET));
      }
    });

    it('combines checks: every configured one must pass', async () => {
      const origin = await probe(httpProbe(headerSource({
        format: 'nginx',
        trustedProxies: { addresses: ['10.0.0.0/8'], sharedSecret: { header: 'x-proxy-secret', value: SECRET } },
      })));
      const answer = await ask(origin, { 'x-ssl-client-cert': shape.nginxEscaped(pki.clientA), 'x-proxy-secret': SECRET });
      assert.equal(answer.code, 'ERR_MTLS_PROXY_UNTRUSTED');
    });
  });

  describe('over HTTP/2 (a request without headersDistinct)', () => {
    it('reads the certificate header, X-Forwarded-For and the shared secret line by line', async () => {
      const origin = await probe(http2Probe(headerSource({
        format: 'rfc9440',
        trustedProxies: { addresses: ['127.0.0.1', '10.1.0.0/16'], forwardedForHops: 1, sharedSecret: { header: 'x-proxy-secret', value: SECRET } },
      }), pki.server));
      const header = { 'client-cert': shape.rfc9440(pki.clientA), 'x-proxy-secret': SECRET };
      const found = await askHttp2(origin, { ...header, 'x-forwarded-for': ['203.0.113.9', '10.1.2.3'] }, pki.root);
      assert.deepEqual(found, { kind: 'certificate', thumbprint: thumbprint(pki.clientA), chain: [], source: 'rfc9440' });
      assert.equal((await askHttp2(origin, { ...header, 'x-forwarded-for': '10.1.2.3, 203.0.113.9' }, pki.root)).code, 'ERR_MTLS_PROXY_UNTRUSTED');
      assert.equal((await askHttp2(origin, { ...header, 'x-forwarded-for': '10.1.2.3', 'x-proxy-secret': [SECRET, SECRET] }, pki.root)).code, 'ERR_MTLS_PROXY_UNTRUSTED');
      // Two Client-Cert lines are two certificates, not one joined with ", ".
      const twice = await askHttp2(origin, {
        ...header,
        'x-forwarded-for': '10.1.2.3',
        'client-cert': [shape.rfc9440(pki.clientA), shape.rfc9440(pki.clientB)],
      }, pki.root);
      assert.equal(twice.kind, 'refused');
      assert.equal(twice.code, 'ERR_MTLS_HEADER_MALFORMED');
      assert.deepEqual(await askHttp2(origin, { 'x-proxy-secret': SECRET }, pki.root), { kind: 'none' });
    });
  });

  describe('proxy authentication by the proxy\'s own TLS client certificate', () => {
    const pinned = () => headerSource({ format: 'rfc9440', trustedProxies: { certificates: [spkiSha256(proxy.pem)] } });

    it('believes the header from the pinned key and never uses the proxy certificate as the client\'s', async () => {
      const origin = await probe(httpsProbe(sourceList([pinned(), socketSource()]), pki.server));
      const tls = { ca: pki.root, cert: proxy };
      const answer = await ask(origin, { 'client-cert': shape.rfc9440(pki.clientA) }, tls);
      assert.deepEqual(answer, { kind: 'certificate', thumbprint: thumbprint(pki.clientA), chain: [], source: 'rfc9440' });
      // The proxy forwards a request whose client had no certificate: nothing, not the proxy's.
      assert.deepEqual(await ask(origin, {}, tls), { kind: 'none' });
    });

    it('accepts pins as base64, base64url or hex', async () => {
      const pin = Buffer.from(spkiSha256(proxy.pem), 'base64');
      for (const form of [pin.toString('base64url'), pin.toString('hex').toUpperCase()]) {
        const origin = await probe(httpsProbe(headerSource({ format: 'rfc9440', trustedProxies: { certificates: [form] } }), pki.server));
        assert.equal((await ask(origin, { 'client-cert': shape.rfc9440(pki.clientA) }, { ca: pki.root, cert: proxy })).kind, 'certificate');
      }
    });

    it('refuses the header over a connection with another certificate or none', async () => {
      const origin = await probe(httpsProbe(pinned(), pki.server));
      const header = { 'client-cert': shape.rfc9440(pki.clientA) };
      const other = await ask(origin, header, { ca: pki.root, cert: pki.clientB });
      assert.equal(other.code, 'ERR_MTLS_PROXY_UNTRUSTED');
      assert.match(other.message!, /not a pinned proxy key/);
      const anonymous = await ask(origin, header, { ca: pki.root });
      assert.match(anonymous.message!, /presented no TLS client certificate/);
      const plain = await probe(httpProbe(pinned()));
      assert.equal((await ask(plain, header)).code, 'ERR_MTLS_PROXY_UNTRUSTED');
    });

    it('a proxy connection whose certificate is not DER is untrusted, reported, never thrown', async () => {
      // The proxy's own certificate, re-signed with a long-form length in its subject: OpenSSL
      // reads it, the strict DER check does not.
      const { pem } = resign(proxy, pki.root, (tbs) => rewrite(tbs, (element, path) => (path.join() === '5,0,0,1' ? longLength(element, 1) : undefined)));
      const header = { 'client-cert': shape.rfc9440(pki.clientA) };
      const alone = await ask(await probe(httpsProbe(pinned(), pki.server)), header, { ca: pki.root, cert: { ...proxy, pem } });
      assert.equal(alone.code, 'ERR_MTLS_PROXY_UNTRUSTED');
      assert.match(alone.message!, /not DER/);
      const listed = await ask(await probe(httpsProbe(sourceList([pinned(), socketSource()]), pki.server)), header, { ca: pki.root, cert: { ...proxy, pem } });
      assert.equal(listed.kind, 'refused');
    });
  });

  describe('sources combined', () => {
    it('refuses a forged header from a direct client even when its TLS certificate is good', async () => {
      const list = sourceList([socketSource(), headerSource({ format: 'rfc9440', trustedProxies: { addresses: ['10.0.0.0/8'] } })]);
      const origin = await probe(httpsProbe(list, pki.server));
      const tls = { ca: pki.root, cert: pki.clientB };
      const forged = await ask(origin, { 'client-cert': shape.rfc9440(pki.clientA) }, tls);
      assert.equal(forged.code, 'ERR_MTLS_PROXY_UNTRUSTED');
      const direct = await ask(origin, {}, tls);
      assert.deepEqual(direct, { kind: 'certificate', thumbprint: thumbprint(pki.clientB), chain: [], source: 'socket' });
    });

    it('tries header formats in order and treats empty or documented "none" values as no certificate', async () => {
      const trustedProxies = { addresses: ['127.0.0.1'] };
      const list = resolveCertificateSource([{ format: 'apache', trustedProxies }, { format: 'xfcc', trustedProxies }]);
      const origin = await probe(httpProbe(list));
      assert.equal((await ask(origin, { 'x-forwarded-client-cert': shape.xfccElement(pki.clientA) })).source, 'xfcc');
      assert.equal((await ask(origin, { 'x-ssl-client-cert': shape.apacheFlattened(pki.clientB), 'x-forwarded-client-cert': shape.xfccElement(pki.clientA) })).thumbprint, thumbprint(pki.clientB));
      assert.deepEqual(await ask(origin, { 'x-ssl-client-cert': '(null)' }), { kind: 'none' });
      assert.deepEqual(await ask(origin, { 'x-ssl-client-cert': '' }), { kind: 'none' });
    });

    it('reports a malformed header from the trusted proxy as a refusal, never as a crash', async () => {
      const origin = await probe(httpProbe(headerSource({ format: 'rfc9440', maxLength: 4096, trustedProxies: { addresses: ['127.0.0.1'] } })));
      const cases: [Record<string, string | string[]>, string, RegExp][] = [
        [{ 'client-cert': 'garbage' }, 'ERR_MTLS_HEADER_MALFORMED', /structured field/],
        [{ 'client-cert': [shape.rfc9440(pki.clientA), shape.rfc9440(pki.clientB)] }, 'ERR_MTLS_HEADER_MALFORMED', /trailing|appears/],
        [{ 'client-cert-chain': shape.rfc9440(pki.intermediate) }, 'ERR_MTLS_HEADER_MALFORMED', /without the client-cert header/],
        [{ 'client-cert': `:${'A'.repeat(5000)}:` }, 'ERR_MTLS_HEADER_TOO_LARGE', /longer than 4096/],
        [{ 'client-cert': `:${'A'.repeat(4000)}\u00ff:` }, 'ERR_MTLS_HEADER_MALFORMED', /forbidden character/],
      ];
      for (const [headers, code, message] of cases) {
        const answer = await ask(origin, headers);
        assert.equal(answer.code, code);
        assert.match(answer.message!, message);
      }
    });

    it('custom format: the user decoder reads the configured header', async () => {
      const origin = await probe(httpProbe(headerSource({
        format: 'custom',
        header: 'X-Client-Cert-Hex',
        decode: (value) => Buffer.from(value, 'hex'),
        trustedProxies: { addresses: ['127.0.0.1'] },
      })));
      const answer = await ask(origin, { 'x-client-cert-hex': pki.clientA.der.toString('hex') });
      assert.deepEqual(answer, { kind: 'certificate', thumbprint: thumbprint(pki.clientA), chain: [], source: 'header:x-client-cert-hex' });
    });
  });

  describe('decoding once', () => {
    it('decodes a header value once, and a new value again; proxy trust is checked on every request', async () => {
      let decodes = 0;
      const source = headerSource({
        format: 'custom',
        header: 'X-Client-Cert-Hex',
        decode: (value) => { decodes += 1; return Buffer.from(value, 'hex'); },
        trustedProxies: { sharedSecret: { header: 'x-proxy-secret', value: SECRET } },
      });
      const origin = await probe(httpProbe(source));
      const a = { 'x-client-cert-hex': pki.clientA.der.toString('hex'), 'x-proxy-secret': SECRET };
      for (let i = 0; i < 3; i += 1) assert.equal((await ask(origin, a)).thumbprint, thumbprint(pki.clientA));
      assert.equal(decodes, 1);
      assert.equal((await ask(origin, { ...a, 'x-client-cert-hex': pki.clientB.der.toString('hex') })).thumbprint, thumbprint(pki.clientB));
      assert.equal(decodes, 2);
      const forged = await ask(origin, { 'x-client-cert-hex': a['x-client-cert-hex'] });
      assert.equal(forged.kind, 'refused', 'a cached value is never a way around the proxy check');
    });

    it('refuses a cacheSize that is not a positive integer', () => {
      assert.throws(
        () => headerSource({ format: 'rfc9440', trustedProxies: { addresses: ['127.0.0.1'] }, cacheSize: 0 }),
        /certificateSource.cacheSize must be a positive integer/,
      );
    });
  });
});
