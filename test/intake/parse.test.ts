import assert from 'node:assert/strict';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { ConfigurationError, HeaderMalformedError } from '../../src/errors.js';
import { parseClientCertificateHeader, type ParseHeaderOptions } from '../../src/intake/index.js';
import type { HeaderFormat } from '../../src/intake/index.js';
import { FORMATS } from '../../src/intake/formats/formats.js';
import { parseXfcc } from '../../src/intake/formats/xfcc.js';
import { createTestPki, issue, type TestCertificate, type TestPki } from '../support/pki.js';
import * as shape from './shapes.js';

type Format = HeaderFormat | 'custom';

function refusal(format: Format, value: string | string[], code: string, options?: ParseHeaderOptions, message?: RegExp): void {
  assert.throws(() => parseClientCertificateHeader(format, value, options), (error: unknown) => {
    assert.ok(error instanceof HeaderMalformedError, `expected HeaderMalformedError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });
}

const malformed = (format: Format, value: string | string[], options?: ParseHeaderOptions, message?: RegExp) =>
  refusal(format, value, 'ERR_MTLS_HEADER_MALFORMED', options, message);
const tooLarge = (format: Format, value: string | string[], options?: ParseHeaderOptions) =>
  refusal(format, value, 'ERR_MTLS_HEADER_TOO_LARGE', options);

describe('parseClientCertificateHeader', () => {
  let pki: TestPki;
  let leaf: TestCertificate;
  let keyPem: string;
  let csrPem: string;
  let crlPem: string;
  let pkcs8Der: Buffer;

  before(async () => {
    pki = await createTestPki();
    leaf = pki.clientA;
    keyPem = leaf.keyPem;
    pkcs8Der = Buffer.from(keyPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=csr', keys: leaf.keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    csrPem = csr.toString('pem');
    const crl = await x509.X509CrlGenerator.create({
      issuer: pki.intermediate.cert.subject, thisUpdate: new Date(), signingKey: pki.intermediate.keys.privateKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    crlPem = crl.toString('pem');
  });

  const expectLeaf = (parsed: ReturnType<typeof parseClientCertificateHeader>, cert: TestCertificate, chain: TestCertificate[] = []) => {
    assert.ok(parsed.leaf.der.equals(cert.der), 'the leaf is the expected certificate');
    assert.deepEqual(parsed.chain.map((c) => c.der.toString('base64')), chain.map((c) => c.der.toString('base64')));
  };

  describe('RFC 9440 Client-Cert / Client-Cert-Chain', () => {
    it('decodes the leaf and the chain list (sections 2.2 and 2.3)', () => {
      const parsed = parseClientCertificateHeader('rfc9440', shape.rfc9440(leaf), {
        chain: shape.rfc9440Chain(pki.intermediate, pki.root),
      });
      expectLeaf(parsed, leaf, [pki.intermediate, pki.root]);
    });

    it('reads an empty chain list as no chain (RFC 8941 empty List)', () => {
      for (const chain of ['', ' ', []]) expectLeaf(parseClientCertificateHeader('rfc9440', shape.rfc9440(leaf), { chain }), leaf);
    });

    it('joins a chain split over several header lines', () => {
      const parsed = parseClientCertificateHeader('rfc9440', shape.rfc9440(leaf), {
        chain: [shape.rfc9440(pki.intermediate), shape.rfc9440(pki.root)],
      });
      expectLeaf(parsed, leaf, [pki.intermediate, pki.root]);
    });

    it('accepts missing padding, surrounding spaces and parameters, as RFC 8941 parsing does', () => {
      expectLeaf(parseClientCertificateHeader('rfc9440', `:${leaf.der.toString('base64').replace(/=+$/, '')}:`), leaf);
      expectLeaf(parseClientCertificateHeader('rfc9440', `  ${shape.rfc9440(leaf)}  `), leaf);
      expectLeaf(parseClientCertificateHeader('rfc9440', `${shape.rfc9440(leaf)};a=1;b="x";c;d=?0;e=tok/en;f=-1.5;g=:AA==:`), leaf);
    });

    it('refuses what is not one sf-binary item', () => {
      const b64 = leaf.der.toString('base64');
      malformed('rfc9440', b64, undefined, /structured field/);
      malformed('rfc9440', `:${b64}`, undefined, /unterminated/);
      malformed('rfc9440', `:${b64}: junk`, undefined, /trailing/);
      malformed('rfc9440', `${shape.rfc9440(leaf)}, ${shape.rfc9440(pki.clientB)}`, undefined, /trailing/);
      malformed('rfc9440', [shape.rfc9440(leaf), shape.rfc9440(pki.clientB)], undefined, /appears 2 times/);
      malformed('rfc9440', `"${b64}"`, undefined, /not a byte sequence/);
      malformed('rfc9440', `:${b64.replace(/\+/g, '-').replace(/\//g, '_')}:`, undefined, /base64/);
      malformed('rfc9440', `:${b64.slice(0, 10)} ${b64.slice(10)}:`, undefined, /base64/);
      malformed('rfc9440', `:${b64}:;A=1`, undefined, /parameter key/);
    });

    it('refuses a chain list with anything but byte sequences', () => {
      const one = shape.rfc9440(pki.intermediate);
      malformed('rfc9440', shape.rfc9440(leaf), { chain: `${one},` }, /trailing comma/);
      malformed('rfc9440', shape.rfc9440(leaf), { chain: `(${one})` }, /a list member is not a byte sequence/);
      malformed('rfc9440', shape.rfc9440(leaf), { chain: `(${one}` }, /expected " " or "\)" after an inner list member/);
      malformed('rfc9440', shape.rfc9440(leaf), { chain: '(' }, /unterminated inner list/);
      malformed('rfc9440', shape.rfc9440(leaf), { chain: `${one}, tok` }, /not a byte sequence/);
      // The whole list is read first: a syntax error after a member of another type is reported as one.
      malformed('rfc9440', shape.rfc9440(leaf), { chain: `tok, ${one},` }, /trailing comma/);
      malformed('rfc9440', shape.rfc9440(leaf), { chain: `${one} ${one}` }, /expected ","/);
      malformed('rfc9440', shape.rfc9440(leaf), { chain: `${one}, :AAAA:` }, /chain certificate/);
    });
  });

  describe('nginx', () => {
    it('decodes $ssl_client_escaped_cert, whatever the case of the escapes', () => {
      expectLeaf(parseClientCertificateHeader('nginx', shape.nginxEscaped(leaf)), leaf);
      expectLeaf(parseClientCertificateHeader('nginx', shape.nginxEscaped(leaf).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())), leaf);
    });

    it('decodes the deprecated $ssl_client_cert, folded or unfolded', () => {
      expectLeaf(parseClientCertificateHeader('nginx-legacy', shape.nginxLegacy(leaf)), leaf);
      expectLeaf(parseClientCertificateHeader('nginx-legacy', shape.nginxLegacy(leaf).replace(/\n/g, '\r\n')), leaf);
      // What Node's lenient parser hands over after unfolding: the tab stays, the line break goes.
      expectLeaf(parseClientCertificateHeader('nginx-legacy', shape.nginxLegacy(leaf).replace(/\n/g, '')), leaf);
    });

    it('refuses broken escapes, two certificates and line breaks that are not folds', () => {
      malformed('nginx', `${shape.nginxEscaped(leaf)}%G1`, undefined, /percent escape/);
      malformed('nginx', `${shape.nginxEscaped(leaf)}%0`, undefined, /percent escape/);
      malformed('nginx', shape.nginxEscaped(leaf).replace('%0A', '%00'), undefined, /control/);
      malformed('nginx', shape.nginxEscaped(leaf) + shape.nginxEscaped(pki.clientB), undefined, /exactly one/);
      malformed('nginx', shape.nginxEscaped(leaf).replace('%20', '+'), undefined, /PEM/);
      malformed('nginx-legacy', shape.nginxLegacy(leaf).replace(/\n\t/, '\n'), undefined, /LF/);
    });
  });

  describe('Envoy / Istio x-forwarded-client-cert', () => {
    it('decodes Cert, checks Hash, and takes the chain after the leaf from Chain', () => {
      expectLeaf(parseClientCertificateHeader('xfcc', shape.xfccElement(leaf)), leaf);
      expectLeaf(parseClientCertificateHeader('xfcc', shape.xfccElement(leaf, { chain: [pki.intermediate], lowercaseHex: true })), leaf, [pki.intermediate]);
      const chainOnly = `By=spiffe://a;Chain="${shape.escapeAll(shape.pem(leaf) + shape.pem(pki.intermediate))}"`;
      expectLeaf(parseClientCertificateHeader('xfcc', chainOnly), leaf, [pki.intermediate]);
      expectLeaf(parseClientCertificateHeader('xfcc', `cert="${shape.escapeAll(shape.pem(leaf))}";SUBJECT="CN=\\"quoted\\", O=x"`), leaf);
    });

    it('reads a quoted Subject as Envoy writes it: RFC 2253 text whose escapes (\\", \\\\, \\, and hex pairs) each pair a backslash with the next character', () => {
      const cert = `Cert="${shape.escapeAll(shape.pem(leaf))}"`;
      const subjects = [
        'CN=say \\"hi\\",O=Example Bank\\, Ltd,C=GB', // an escaped quote (and comma) inside the DN
        'CN=\\"quoted\\"', // escaped quotes at both ends
        'CN=back\\\\', // a DN value ending in a backslash: \\ then the closing quote
        'CN=caf\\C3\\A9+UID=42', // RFC 2253 hex escapes of UTF-8
        'CN=\\;Cert=\\"x\\"', // separators inside the quotes stay inside
      ];
      for (const subject of subjects) {
        const header = `By=spiffe://cluster.local/ns/a/sa/b;Hash=${shape.sha256Hex(leaf)};${cert};Subject="${subject}";URI=spiffe://c`;
        expectLeaf(parseClientCertificateHeader('xfcc', header), leaf);
        const [element] = parseXfcc(header, 'x', 1);
        const subjectValue = element!.find(([key]) => key === 'subject')![1];
        assert.equal(subjectValue, subject.replace(/\\(["\\])/g, '$1'), subject);
      }
    });

    it('any Subject text, escaped as Envoy documents (\\" for a quote) and \\\\ for a backslash, decodes back to itself (generated, seed 9440)', () => {
      const cert = `Cert="${shape.escapeAll(shape.pem(leaf))}"`;
      fc.assert(fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 60 }), (subject) => {
        const header = `${cert};Subject="${subject.replace(/["\\]/g, '\\$&')}";URI=spiffe://c`;
        const [element] = parseXfcc(header, 'x', 1);
        assert.deepEqual(element, [['cert', shape.escapeAll(shape.pem(leaf))], ['subject', subject], ['uri', 'spiffe://c']]);
      }), { numRuns: 2000, seed: 9440 });
    });

    it('reads \\" in an unquoted value as a quote (Envoy escapes quotes in every value), and refuses a bare quote there', () => {
      const cert = `Cert="${shape.escapeAll(shape.pem(leaf))}"`;
      const [element] = parseXfcc(`By=spiffe://a\\"b;${cert};URI=x`, 'x', 1);
      assert.deepEqual(element![0], ['by', 'spiffe://a"b']);
      expectLeaf(parseClientCertificateHeader('xfcc', `By=spiffe://a\\"b;${cert}`), leaf);
      malformed('xfcc', `${cert};URI=a"b`, undefined, /unquoted/);
    });

    it('a Subject cannot smuggle a Cert: what follows an escaped quote stays in the Subject', () => {
      const forged = `Cert="${shape.escapeAll(shape.pem(pki.clientB))}"`;
      const header = `Cert="${shape.escapeAll(shape.pem(leaf))}";Subject="CN=x\\";${forged.replace(/"/g, '\\"')};URI=\\"";URI=spiffe://c`;
      expectLeaf(parseClientCertificateHeader('xfcc', header), leaf);
    });

    it('uses the last element (appended by the proxy nearest to us) unless told otherwise', () => {
      const two = `${shape.xfccElement(pki.clientB, { by: 'spiffe://edge' })},${shape.xfccElement(leaf, { by: 'spiffe://sidecar' })}`;
      expectLeaf(parseClientCertificateHeader('xfcc', two), leaf);
      expectLeaf(parseClientCertificateHeader('xfcc', two, { xfccElement: 2 }), pki.clientB);
      // Two header lines are one list (Node joins them; the parser joins an array the same way).
      expectLeaf(parseClientCertificateHeader('xfcc', [shape.xfccElement(pki.clientB), shape.xfccElement(leaf)]), leaf);
      expectLeaf(parseClientCertificateHeader('xfcc', `${shape.xfccElement(pki.clientB)}, ${shape.xfccElement(leaf)}`), leaf);
      malformed('xfcc', shape.xfccElement(leaf), { xfccElement: 2 }, /fewer than the 2/);
    });

    it('refuses an element without a certificate, inconsistent values and bad syntax', () => {
      const cert = `Cert="${shape.escapeAll(shape.pem(leaf))}"`;
      malformed('xfcc', 'By=spiffe://a;Hash=00;Subject="CN=x";URI=spiffe://b', undefined, /no Cert or Chain/);
      malformed('xfcc', `Hash=${shape.sha256Hex(pki.clientB)};${cert}`, undefined, /Hash does not match/);
      malformed('xfcc', `${cert};Chain="${shape.escapeAll(shape.pem(pki.clientB))}"`, undefined, /does not start with the Cert/);
      malformed('xfcc', `${cert};${cert}`, undefined, /appears twice/);
      malformed('xfcc', `${cert};Foo=bar`, undefined, /unknown key/);
      malformed('xfcc', `Cert="${shape.escapeAll(shape.pem(leaf))}`, undefined, /unterminated/);
      malformed('xfcc', `${cert};`, undefined, /expected a key/);
      malformed('xfcc', `${cert};Subject=CN=x`, undefined, /unquoted/);
      malformed('xfcc', `${cert};Subject="CN=a\\"`, undefined, /unterminated/); // the quote is escaped: no closing quote
      malformed('xfcc', `${cert};Subject="CN=a\\`, undefined, /unterminated/); // a backslash with nothing after it
      malformed('xfcc', `${cert};Subject="CN=a\\\\"b"`, undefined, /unexpected/); // \\ is one backslash, then the value ends
      malformed('xfcc', `${cert}"x"`, undefined, /unexpected/);
      malformed('xfcc', `Cert="${shape.escapeAll(keyPem)}"`, undefined, /PRIVATE KEY/);
    });
  });

  describe('AWS ALB X-Amzn-Mtls-Clientcert', () => {
    it('decodes the URL-encoded chain, leaf first, with +, = and / left literal', () => {
      const value = shape.awsAlb(leaf, pki.intermediate);
      assert.match(value, /[+/=]/);
      expectLeaf(parseClientCertificateHeader('aws-alb', value), leaf, [pki.intermediate]);
      expectLeaf(parseClientCertificateHeader('aws-alb', shape.awsAlb(leaf)), leaf);
    });

    it('never reads + as a space (form decoding would corrupt base64)', () => {
      malformed('aws-alb', shape.awsAlb(leaf).replace(/%20/g, '+'));
    });
  });

  describe('AWS ALB verify mode X-Amzn-Mtls-Clientcert-Leaf', () => {
    it('decodes the URL-encoded leaf, and refuses a second certificate: verify mode sends the leaf alone', () => {
      expectLeaf(parseClientCertificateHeader('aws-alb-verify', shape.awsAlb(leaf)), leaf);
      malformed('aws-alb-verify', shape.awsAlb(leaf, pki.intermediate), undefined, /exactly one certificate/);
      malformed('aws-alb-verify', shape.awsAlb(leaf).replace(/%20/g, '+'));
    });

    it('is read from its own header, not the passthrough header', () => {
      assert.equal(FORMATS['aws-alb-verify'].header, 'x-amzn-mtls-clientcert-leaf');
      assert.equal(FORMATS['aws-alb'].header, 'x-amzn-mtls-clientcert');
    });
  });

  describe('Traefik X-Forwarded-Tls-Client-Cert', () => {
    it('decodes comma-separated base64 DER, plain (v2/v3) or URL-escaped (older releases)', () => {
      expectLeaf(parseClientCertificateHeader('traefik', shape.traefik(leaf)), leaf);
      expectLeaf(parseClientCertificateHeader('traefik', shape.traefik(leaf, pki.intermediate)), leaf, [pki.intermediate]);
      expectLeaf(parseClientCertificateHeader('traefik', encodeURIComponent(shape.traefik(leaf, pki.intermediate))), leaf, [pki.intermediate]);
    });

    it('refuses empty members and PEM armour', () => {
      malformed('traefik', `${shape.traefik(leaf)},`, undefined, /does not hold a certificate/);
      malformed('traefik', shape.pem(leaf).trimEnd().replace(/\n/g, ''), undefined, /base64/);
    });
  });

  describe('base64 DER (HAProxy, Caddy, Azure App Service, Cloudflare)', () => {
    for (const format of ['haproxy', 'caddy', 'azure', 'cloudflare'] as const) {
      it(`${format}: decodes one base64 DER certificate and refuses anything else`, () => {
        expectLeaf(parseClientCertificateHeader(format, shape.base64Der(leaf)), leaf);
        malformed(format, leaf.der.toString('base64url'), undefined, /base64/);
        malformed(format, shape.base64Der(leaf).replace(/=+$/, '').slice(0, -1), undefined, /base64/);
        malformed(format, shape.pem(leaf).trimEnd().replace(/\n/g, ' '), undefined, /base64/);
        malformed(format, `${shape.base64Der(leaf)},${shape.base64Der(pki.clientB)}`, undefined, /base64/);
        malformed(format, Buffer.concat([leaf.der, pki.clientB.der]).toString('base64'), undefined, /trailing bytes/);
        malformed(format, leaf.der.subarray(0, leaf.der.length - 4).toString('base64'), undefined, /certificate/);
        malformed(format, pkcs8Der.toString('base64'), undefined, /certificate/);
      });
    }
  });

  describe('Apache httpd SSL_CLIENT_CERT', () => {
    it('decodes PEM with spaces for newlines, or URL-escaped', () => {
      expectLeaf(parseClientCertificateHeader('apache', shape.apacheFlattened(leaf)), leaf);
      expectLeaf(parseClientCertificateHeader('apache', shape.apacheEscaped(leaf)), leaf);
    });

    it('refuses the "(null)" of an unset variable when asked to parse it', () => {
      malformed('apache', '(null)', undefined, /outside its CERTIFICATE blocks|no CERTIFICATE/);
    });
  });

  describe('custom', () => {
    it('runs the user decoder and applies the same checks to what it returns', () => {
      const decode = (value: string) => Buffer.from(value, 'hex');
      expectLeaf(parseClientCertificateHeader('custom', leaf.der.toString('hex'), { decode }), leaf);
      expectLeaf(parseClientCertificateHeader('custom', 'x', { decode: () => [leaf.pem, pki.intermediate.der] }), leaf, [pki.intermediate]);
      malformed('custom', Buffer.concat([leaf.der, Buffer.from([0])]).toString('hex'), { decode }, /trailing bytes/);
      malformed('custom', 'x', { decode: () => [] }, /no certificate/);
      malformed('custom', 'x', { decode: () => keyPem }, /PRIVATE KEY/);
      assert.throws(() => parseClientCertificateHeader('custom', 'x', { decode: () => { throw new Error('nope'); } }),
        (error: HeaderMalformedError) => error.code === 'ERR_MTLS_HEADER_MALFORMED' && (error.cause as Error).message === 'nope');
    });
  });

  describe('checks shared by every format', () => {
    const valid = (format: HeaderFormat, cert = leaf): string => ({
      rfc9440: shape.rfc9440(cert),
      nginx: shape.nginxEscaped(cert),
      'nginx-legacy': shape.nginxLegacy(cert),
      xfcc: shape.xfccElement(cert),
      'aws-alb': shape.awsAlb(cert),
      'aws-alb-verify': shape.awsAlb(cert),
      traefik: shape.traefik(cert),
      haproxy: shape.base64Der(cert),
      apache: shape.apacheFlattened(cert),
      caddy: shape.base64Der(cert),
      azure: shape.base64Der(cert),
      cloudflare: shape.base64Der(cert),
    })[format];
    const formats: HeaderFormat[] = ['rfc9440', 'nginx', 'nginx-legacy', 'xfcc', 'aws-alb', 'aws-alb-verify', 'traefik', 'haproxy', 'apache', 'caddy', 'azure', 'cloudflare'];

    for (const format of formats) {
      it(`${format}: size cap, NUL/CR/LF, non-ASCII, empty, duplicates, trailing garbage`, () => {
        const value = valid(format);
        expectLeaf(parseClientCertificateHeader(format, value), leaf);
        tooLarge(format, value, { maxLength: value.length - 1 });
        tooLarge(format, 'A'.repeat(16385));
        const middle = Math.floor(value.length / 2);
        for (const char of ['\0', '\r', '\n', '\x7f', '\u00e9', '\u2028']) {
          malformed(format, value.slice(0, middle) + char + value.slice(middle), undefined, /forbidden character/);
        }
        malformed(format, '', undefined, /empty/);
        malformed(format, ' \t ', undefined, /empty/);
        malformed(format, [], undefined, /empty/);
        malformed(format, `${value}"`);
        malformed(format, `#${value}`);
        if (format !== 'xfcc') malformed(format, [value, value], undefined, /appears 2 times/);
      });
    }

    it('refuses a private key, a CSR and a CRL wherever PEM or DER is expected', () => {
      const derOf = (text: string) => Buffer.from(text.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
      for (const text of [keyPem, csrPem, crlPem]) {
        malformed('nginx', shape.escapeAll(text), undefined, /expected a CERTIFICATE PEM block/);
        malformed('aws-alb', shape.awsAlb(leaf) + shape.escapeAll(text), undefined, /expected a CERTIFICATE PEM block/);
        malformed('apache', text.trimEnd().replace(/\n/g, ' '), undefined, /expected a CERTIFICATE PEM block/);
        malformed('rfc9440', `:${derOf(text).toString('base64')}:`, undefined, /does not hold a certificate/);
        malformed('haproxy', derOf(text).toString('base64'), undefined, /does not hold a certificate/);
        malformed('traefik', `${shape.traefik(leaf)},${derOf(text).toString('base64')}`, undefined, /does not hold a certificate/);
      }
    });

    it('caps the chain length', () => {
      const many = Array.from({ length: 9 }, () => pki.intermediate);
      tooLarge('rfc9440', shape.rfc9440(leaf), { chain: shape.rfc9440Chain(...many) });
      expectLeaf(parseClientCertificateHeader('rfc9440', shape.rfc9440(leaf), { chain: shape.rfc9440Chain(...many), maxChainLength: 9 }), leaf, many);
      tooLarge('aws-alb', shape.awsAlb(leaf, ...many), { maxLength: 100_000 });
      tooLarge('traefik', shape.traefik(leaf, ...many), { maxLength: 100_000 });
      tooLarge('xfcc', shape.xfccElement(leaf, { chain: many }), { maxLength: 100_000 });
      tooLarge('aws-alb', shape.awsAlb(leaf, pki.intermediate), { maxChainLength: 0 });
      tooLarge('rfc9440', shape.rfc9440(leaf), { chain: ':AA==:,'.repeat(3000) + ':AA==:', maxLength: 100_000 });
    });

    it('reports a configuration error for an unknown format or bad options', () => {
      assert.throws(() => parseClientCertificateHeader('nope' as HeaderFormat, 'x'), ConfigurationError);
      assert.throws(() => parseClientCertificateHeader('custom', 'x'), /decode function/);
      assert.throws(() => parseClientCertificateHeader('haproxy', 'x', { maxLength: 0 }), /options.maxLength must be a positive integer/);
      assert.throws(() => parseClientCertificateHeader('xfcc', 'x', { xfccElement: 1.5 }), /options.xfccElement/);
    });

    it('parses certificates of every key type the test PKI makes', async () => {
      for (const keyAlgorithm of ['RSA-2048', 'P-384', 'Ed25519'] as const) {
        const cert = await issue({ subject: `CN=${keyAlgorithm}`, keyAlgorithm });
        for (const format of formats) expectLeaf(parseClientCertificateHeader(format, valid(format, cert)), cert);
      }
    });
  });
});
