// Every proxy header format sees attacker-controlled text when a proxy forwards what it received,
// or when the header source is misconfigured. Random and mutated values must decode to a
// certificate or be refused with ERR_MTLS_HEADER_MALFORMED / ERR_MTLS_HEADER_TOO_LARGE.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { ClientCertificate } from '../../src/certificate/certificate.js';
import { headerSource, HEADER_FORMATS, parseClientCertificateHeader, type HeaderFormat } from '../../src/intake/index.js';
import type { MtlsErrorCode } from '../../src/errors.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import * as shape from '../intake/shapes.js';
import { fragment, fuzzTimeout, mutatedString, outcome, RUNS } from './support.js';

const HEADER_CODES: ReadonlySet<MtlsErrorCode> = new Set(['ERR_MTLS_HEADER_MALFORMED', 'ERR_MTLS_HEADER_TOO_LARGE']);

/** Valid values of each format, for one certificate (and, where the format has one, a chain). */
function seedsOf(format: HeaderFormat, pki: TestPki): string[] {
  const { clientA: leaf, intermediate, root } = pki;
  switch (format) {
    case 'rfc9440': return [shape.rfc9440(leaf)];
    case 'nginx': return [shape.nginxEscaped(leaf)];
    case 'nginx-legacy': return [shape.nginxLegacy(leaf)];
    case 'xfcc': return [shape.xfccElement(leaf), shape.xfccElement(leaf, { chain: [intermediate] }), `${shape.xfccElement(root)},${shape.xfccElement(leaf, { lowercaseHex: true })}`];
    case 'aws-alb': return [shape.awsAlb(leaf, intermediate)];
    case 'aws-alb-verify': return [shape.awsAlb(leaf)];
    case 'traefik': return [shape.traefik(leaf, intermediate)];
    case 'apache': return [shape.apacheFlattened(leaf), shape.apacheEscaped(leaf)];
    default: return [shape.base64Der(leaf)];
  }
}

describe('fuzz: proxy certificate headers', function () {
  this.timeout(fuzzTimeout());
  let pki: TestPki;

  before(async () => {
    pki = await createTestPki();
  });

  const formats = HEADER_FORMATS.filter((format): format is HeaderFormat => format !== 'custom');

  it('covers every format the intake accepts', () => {
    assert.deepEqual([...formats, 'custom'].sort(), [...HEADER_FORMATS].sort());
  });

  for (const format of formats) {
    it(`${format}: ${RUNS} random and mutated values give a certificate or a coded header refusal`, () => {
      const seeds = seedsOf(format, pki);
      for (const seed of seeds) assert.ok(parseClientCertificateHeader(format, seed).leaf instanceof ClientCertificate, 'the seeds are valid');
      const value = fc.oneof(
        { weight: 6, arbitrary: mutatedString(seeds) },
        { weight: 1, arbitrary: fragment },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
        { weight: 1, arbitrary: fc.array(mutatedString(seeds), { maxLength: 3 }) },
      );
      const chain = fc.option(fc.oneof(mutatedString([shape.rfc9440Chain(pki.intermediate), shape.rfc9440(pki.root)]), fragment), { nil: undefined });
      fc.assert(fc.property(value, chain, fc.integer({ min: 1, max: 3 }), (header, chainHeader, xfccElement) => {
        const result = outcome(HEADER_CODES, () => parseClientCertificateHeader(format, header, {
          ...(format === 'rfc9440' && chainHeader !== undefined ? { chain: chainHeader } : {}),
          ...(format === 'xfcc' ? { xfccElement } : {}),
        }));
        if (!(result instanceof Error)) {
          assert.ok(result.leaf instanceof ClientCertificate);
          assert.ok(result.chain.length <= 8, 'the chain cap holds');
          assert.match(result.leaf.thumbprint, /^[A-Za-z0-9_-]{43}$/);
        }
      }), { numRuns: RUNS });
    });
  }

  it(`custom: ${RUNS} values through a user decoder are held to the same checks`, () => {
    const seeds = [shape.base64Der(pki.clientA)];
    fc.assert(fc.property(fc.oneof(mutatedString(seeds), fragment), (header) => {
      outcome(HEADER_CODES, () => parseClientCertificateHeader('custom', header, { decode: (text) => Buffer.from(text, 'base64') }));
    }), { numRuns: RUNS });
  });

  it(`header source: ${RUNS} requests with random header lines, trusted or not, end in a certificate, none, or a coded refusal`, async () => {
    const source = headerSource({ format: 'rfc9440', trustedProxies: { addresses: ['127.0.0.1/32'] } });
    const lines = fc.array(fc.oneof(mutatedString([shape.rfc9440(pki.clientA)]), fragment), { maxLength: 3 });
    await fc.assert(fc.asyncProperty(lines, lines, fc.constantFrom('127.0.0.1', '10.0.0.1', '::ffff:127.0.0.1', '::1'), async (cert, chain, address) => {
      const headersDistinct: Record<string, string[]> = {};
      if (cert.length) headersDistinct['client-cert'] = cert;
      if (chain.length) headersDistinct['client-cert-chain'] = chain;
      const req = { headers: {}, headersDistinct, socket: { remoteAddress: address } } as unknown as IncomingMessage;
      const result = await source.read(req);
      if (result.kind === 'refused') {
        assert.ok(['ERR_MTLS_HEADER_MALFORMED', 'ERR_MTLS_HEADER_TOO_LARGE', 'ERR_MTLS_PROXY_UNTRUSTED'].includes(result.error.code), result.error.code);
        if (address === '10.0.0.1' || address === '::1') assert.equal(result.error.code, 'ERR_MTLS_PROXY_UNTRUSTED');
      } else if (result.kind === 'certificate') {
        assert.ok(address === '127.0.0.1' || address === '::ffff:127.0.0.1', 'a certificate only from the trusted proxy');
      }
    }), { numRuns: RUNS });
  });
});
