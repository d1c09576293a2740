// Any input costs bounded work and ends in a certificate or a coded refusal: never another error,
// never a crash. FUZZ_RUNS raises the number of runs (`npm run fuzz`).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HeaderMalformedError } from '../../src/errors.js';
import { HEADER_FORMATS, parseClientCertificateHeader, type HeaderFormat } from '../../src/intake/index.js';
// For its fixed, printed seed (fast-check's global configuration).
import '../fuzz/support.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import * as shape from './shapes.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const FORMATS = HEADER_FORMATS.filter((format): format is HeaderFormat => format !== 'custom');

function outcome(format: HeaderFormat, value: string | string[], chain?: string): 'certificate' | 'refused' {
  try {
    parseClientCertificateHeader(format, value, chain === undefined ? {} : { chain });
    return 'certificate';
  } catch (error) {
    assert.ok(error instanceof HeaderMalformedError, `${format}: ${String(error)}`);
    assert.match(error.code, /^ERR_MTLS_HEADER_(MALFORMED|TOO_LARGE)$/);
    return 'refused';
  }
}

describe('parseClientCertificateHeader under arbitrary input', () => {
  let pki: TestPki;
  let valid: Record<HeaderFormat, string>;

  before(async () => {
    pki = await createTestPki();
    const leaf = pki.clientA;
    valid = {
      rfc9440: shape.rfc9440(leaf),
      nginx: shape.nginxEscaped(leaf),
      'nginx-legacy': shape.nginxLegacy(leaf),
      xfcc: shape.xfccElement(leaf, { chain: [pki.intermediate] }),
      'aws-alb': shape.awsAlb(leaf, pki.intermediate),
      'aws-alb-verify': shape.awsAlb(leaf),
      traefik: shape.traefik(leaf, pki.intermediate),
      haproxy: shape.base64Der(leaf),
      apache: shape.apacheFlattened(leaf),
      caddy: shape.base64Der(leaf),
      azure: shape.base64Der(leaf),
      cloudflare: shape.base64Der(leaf),
    };
  });

  it('random strings, from the full range and from each format\'s own alphabet', () => {
    const alphabet = fc.constantFrom(...'ABCabc019+/=:;,"\\%-_ \t\n\r\0()?*.'.split(''));
    fc.assert(fc.property(
      fc.constantFrom(...FORMATS),
      fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: alphabet, maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 200 })),
      fc.option(fc.string({ unit: alphabet, maxLength: 200 }), { nil: undefined }),
      (format, value, chain) => {
        outcome(format, value, chain);
      },
    ), { numRuns: RUNS });
  });

  it('valid headers with one edit: a certificate or a coded refusal', () => {
    fc.assert(fc.property(
      fc.constantFrom(...FORMATS),
      fc.nat(),
      fc.constantFrom('insert', 'delete', 'replace', 'duplicate'),
      fc.string({ minLength: 1, maxLength: 3 }),
      (format, position, edit, text) => {
        const value = valid[format];
        const at = position % value.length;
        const edited = edit === 'insert' ? value.slice(0, at) + text + value.slice(at)
          : edit === 'delete' ? value.slice(0, at) + value.slice(at + text.length)
            : edit === 'replace' ? value.slice(0, at) + text + value.slice(at + text.length)
              : value.slice(0, at) + value.slice(at, at + 40) + value.slice(at);
        outcome(format, edited);
      },
    ), { numRuns: RUNS });
  });

  it('huge and deeply repetitive values are refused by the size cap before decoding', () => {
    for (const format of FORMATS) {
      for (const unit of ['A', '%', ':', ',', '-----BEGIN ', 'Cert="', '\\"', ';By=']) {
        assert.equal(outcome(format, unit.repeat(Math.ceil(1_000_000 / unit.length))), 'refused');
      }
      assert.equal(outcome(format, Array.from({ length: 5000 }, () => 'x')), 'refused');
    }
  });
});
