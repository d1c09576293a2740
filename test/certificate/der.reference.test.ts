// The strict DER reader against an independent one: pyca/cryptography's X.509, CRL and OCSP parsers
// (the Rust `asn1` crate, DER only; test/support/der_reference.py). Every element of real
// certificates, CRLs and OCSP responses, extension values included, is re-encoded in each BER form
// X.690 allows and DER forbids (and with a value outside its string type), one at a time, and both
// parsers must judge every variant alike.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as x509 from '@peculiar/x509';
import { ClientCertificate } from '../../src/certificate/certificate.js';
import { childrenOf, parseTlv, type Tlv } from '../../src/certificate/der.js';
import { buildOcspRequest } from '../../src/certificate/revocation/ocsp.js';
import { assertCertificateDer, assertCrlDer, assertOcspResponseDer } from '../../src/certificate/x509-der.js';
import { lengthOctets, longLength, rewrite, tlv } from '../support/der.js';
import { createTestPki, issue, OID, type TestCertificate, type TestPki } from '../support/pki.js';
import { createCrl, ocspResponse } from '../support/revocation.js';

const REFERENCE = fileURLToPath(new URL('../support/der_reference.py', import.meta.url));

/** The reference's verdict per document: `null` when it reads it, else its reason. */
function reference(kind: Kind, documents: readonly Buffer[]): (string | null)[] {
  try {
    return JSON.parse(execFileSync('python3', [REFERENCE, kind], {
      input: documents.map((der) => der.toString('hex')).join('\n'),
      maxBuffer: 64 * 1024 * 1024,
    }).toString()) as (string | null)[];
  } catch (cause) {
    throw new Error('the DER reference needs python3 with the cryptography package: pip install cryptography', { cause });
  }
}

/** Each non-DER re-encoding of one element that X.690 section 8 (BER) still reads, and two bad string values. */
function liberties(element: Tlv): [rule: string, bytes: Buffer][] {
  const { tag, content } = element;
  const out: [string, Buffer][] = [];
  if (content.length < 0x80) out.push(['long-form length below 128', longLength(element, 1)]);
  out.push(['length with a leading zero octet', longLength(element, (content.length < 0x80 ? 1 : lengthOctets(content.length).length - 1) + 1)]);
  if (element.constructed) out.push(['indefinite length', Buffer.concat([Buffer.from([tag, 0x80]), content, Buffer.from([0, 0])])]);
  out.push(['high-tag-number form of a low tag', Buffer.concat([Buffer.from([(tag & 0xe0) | 0x1f, element.tagNumber]), lengthOctets(content.length), content])]);
  if ([0x03, 0x04, 0x0c, 0x13, 0x16, 0x17, 0x18].includes(tag)) out.push(['constructed form of a string or time', tlv(tag | 0x20, element.bytes)]);
  if (tag === 0x02) out.push(['INTEGER with a redundant leading octet', tlv(0x02, [content[0]! & 0x80 ? 0xff : 0], content)]);
  if (tag === 0x06) {
    let last = content.length - 1;
    while (last > 0 && content[last - 1]! & 0x80) last -= 1;
    out.push(['OID subidentifier with a leading 0x80', tlv(0x06, content.subarray(0, last), [0x80], content.subarray(last))]);
  }
  if (tag === 0x01 && content[0] === 0xff) out.push(['BOOLEAN TRUE as 01', tlv(0x01, [0x01])]);
  if (tag === 0x31 && childrenOf(element).length > 1) {
    const reversed = childrenOf(element).map((child) => child.bytes).reverse();
    out.push(['SET OF out of order', tlv(0x31, ...reversed)]);
  }
  if (tag === 0x13) out.push(['PrintableString with "@"', tlv(0x13, content, Buffer.from('@'))]);
  if (tag === 0x0c) out.push(['UTF8String that is not UTF-8', tlv(0x0c, content, [0xc3])]);
  return out;
}

interface Variant {
  readonly rule: string;
  readonly where: string;
  readonly der: Buffer;
}

/**
 * Every variant of a DER document: each liberty at each element, also inside the OCTET STRINGs
 * that hold DER of their own (an Extension's extnValue, RFC 5280 4.1; OCSP's ResponseBytes, RFC
 * 6960 4.2.1: the last member of a SEQUENCE that starts with its OID), and each Extension with
 * critical FALSE written out (X.690 11.5).
 */
function variantsOf(der: Buffer): Variant[] {
  const out: Variant[] = [];
  const identified = (element: Tlv): boolean => {
    const children = element.tag === 0x30 ? childrenOf(element) : [];
    return children[0]?.tag === 0x06 && children[children.length - 1]?.tag === 0x04;
  };
  const walk = (element: Tlv, where: string, replace: (bytes: Buffer) => Buffer): void => {
    for (const [rule, bytes] of liberties(element)) out.push({ rule, where, der: replace(bytes) });
    if (!element.constructed) return;
    const children = childrenOf(element);
    // Extensions: a SEQUENCE of { OID, critical?, OCTET STRING }.
    const extensions = element.tag === 0x30 && children.length > 0 && children.every(identified);
    children.forEach((child, index) => {
      const replaceChild = (bytes: Buffer): Buffer => replace(tlv(element.tag, ...children.map((other, i) => (i === index ? bytes : other.bytes))));
      const parts = identified(child) ? childrenOf(child) : [];
      if (extensions && parts.length === 2) {
        out.push({ rule: 'critical FALSE written out', where: `${where}.${index}`, der: replaceChild(tlv(0x30, parts[0]!.bytes, [0x01, 0x01, 0x00], parts[1]!.bytes)) });
      }
      walk(child, `${where}.${index}`, replaceChild);
      if (identified(element) && index === children.length - 1) walk(parseTlv(child.content), `${where}.${index}{}`, (bytes) => replaceChild(tlv(0x04, bytes)));
    });
  };
  walk(parseTlv(der), '', (bytes) => bytes);
  return out;
}

type Kind = 'certificate' | 'crl' | 'ocsp';

/** Both verdicts on every variant of `documents`; the disagreements, and how many were refused. */
function compare(kind: Kind, documents: readonly Buffer[], ours: (der: Buffer) => void, extra: Variant[] = []): { disagreements: string[]; refused: number; total: number } {
  const variants = [...documents.map((der) => ({ rule: 'as issued', where: '', der })), ...documents.flatMap(variantsOf), ...extra];
  const verdicts = reference(kind, variants.map((variant) => variant.der));
  const disagreements: string[] = [];
  let refused = 0;
  variants.forEach((variant, index) => {
    let mine: string | null = null;
    try {
      ours(variant.der);
    } catch (error) {
      mine = (error as Error).message;
      refused += 1;
    }
    const theirs = verdicts[index]!;
    if ((mine === null) !== (theirs === null)) disagreements.push(`${kind}: ${variant.rule} at ${variant.where}: ours ${mine ?? 'accepted'}; cryptography ${theirs ?? 'accepted'}`);
  });
  return { disagreements, refused, total: variants.length };
}

describe('der: differential test against pyca/cryptography (Rust asn1, DER only)', function () {
  this.timeout(120_000);
  let pki: TestPki;
  let certificates: TestCertificate[];

  before(async () => {
    pki = await createTestPki();
    certificates = [
      pki.clientA,
      pki.intermediate,
      await issue({ subject: 'CN=svc+OU=unit+O=Example,C=GB', issuer: pki.intermediate, sans: [{ type: 'ip', value: '192.0.2.1' }, { type: 'url', value: 'https://client.example/' }] }),
      await issue({ subject: 'CN=rsa client,O=Example Bank,C=GB', issuer: pki.intermediate, keyAlgorithm: 'RSA-2048' }),
    ];
  });

  it('certificates: the same re-encodings accepted and refused, extension values included', () => {
    const versionV1 = certificates.map((certificate) => ({
      rule: 'version v1 written out', where: '.0.0', der: rewriteAt(parseTlv(certificate.der), [0, 0], tlv(0xa0, [0x02, 0x01, 0x00])),
    }));
    const { disagreements, refused, total } = compare('certificate', certificates.map((certificate) => certificate.der), (der) => ClientCertificate.from(der), versionV1);
    assert.deepEqual(disagreements, []);
    assert.ok(refused > 500 && refused === total - certificates.length, `${refused} of ${total}`);
  });

  it('CRLs: the same re-encodings accepted and refused, entry and CRL extensions included', async () => {
    const crl = await createCrl(pki.intermediate, { revoked: [pki.clientB], entries: [{ cert: pki.clientA, reason: x509.X509CrlReason.superseded }] });
    const { disagreements, refused, total } = compare('crl', [crl], assertCrlDer);
    assert.deepEqual(disagreements, []);
    assert.ok(refused > 100 && refused === total - 1, `${refused} of ${total}`);
  });

  it('OCSP responses: the same re-encodings accepted and refused, the BasicOCSPResponse and its certificates included', async () => {
    const responder = await issue({ subject: 'CN=OCSP responder', issuer: pki.intermediate, eku: [OID.ocspSigning] });
    const request = buildOcspRequest(ClientCertificate.from(pki.clientA.der), ClientCertificate.from(pki.intermediate.der));
    const response = wholeSeconds(ocspResponse(request, pki.intermediate, { signer: responder, statuses: {} }));
    const { disagreements, refused, total } = compare('ocsp', [response], assertOcspResponseDer);
    assert.deepEqual(disagreements, []);
    assert.ok(refused > 300 && refused === total - 1, `${refused} of ${total}`);
  });

  it('string values where X.680 and the reference part ways, each decided here by X.680', () => {
    // The reference does not hold BMPString to UCS-2, nor VisibleString and NumericString to their
    // alphabets (X.680 41.4, Table 10), and refuses non-ASCII TeletexString, which certificates
    // carry as ISO 8859-1 and OpenSSL reads. The subject's CN is replaced by each value.
    const root = parseTlv(pki.clientB.der);
    const cnPath = [0, 5, childrenOf(childrenOf(childrenOf(root)[0]!)[5]!).length - 1, 0, 1];
    const withCn = (value: Buffer) => rewriteAt(root, cnPath, value);
    const cases = [
      { value: tlv(0x1e, [0xd8, 0x3d, 0xde, 0x00]), ours: /BMPString holds a surrogate/, theirs: null }, // a UTF-16 pair is not UCS-2
      { value: tlv(0x1a, [0x61, 0x0a]), ours: /VisibleString/, theirs: null },
      { value: tlv(0x12, Buffer.from('1a')), ours: /NumericString/, theirs: null },
      { value: tlv(0x14, [0xe9, 0x61]), ours: null, theirs: /InvalidValue/ },
    ];
    const verdicts = reference('certificate', cases.map(({ value }) => withCn(value)));
    cases.forEach(({ value, ours, theirs }, index) => {
      if (ours === null) assert.doesNotThrow(() => assertCertificateDer(withCn(value)));
      else assert.throws(() => assertCertificateDer(withCn(value)), ours);
      if (theirs === null) assert.equal(verdicts[index], null);
      else assert.match(String(verdicts[index]), theirs);
    });
  });

  it('keyUsage with trailing zero bits, which the reference reads as any BIT STRING', () => {
    // X.690 11.2.2: a named bit list (keyUsage is one, RFC 5280 4.2.1.3) drops its trailing zero
    // bits, so digitalSignature alone is 03 02 07 80. The Rust asn1 crate reads the BIT STRING
    // without its named-bit type and accepts 03 02 00 80; we refuse it, as X.690 requires.
    const root = parseTlv(certificates[0]!.der);
    const tbsFields = childrenOf(childrenOf(root)[0]!);
    const listIndex = tbsFields.findIndex((field) => field.tag === 0xa3);
    const keyUsageIndex = childrenOf(childrenOf(tbsFields[listIndex]!)[0]!).findIndex((extension) => childrenOf(extension)[0]!.content.equals(Buffer.from([0x55, 0x1d, 0x0f])));
    const withBits = (bits: number[]) => rewriteAt(root, [0, listIndex, 0, keyUsageIndex, 2], tlv(0x04, tlv(0x03, bits)));
    assert.deepEqual(reference('certificate', [withBits([0x07, 0x80]), withBits([0x00, 0x80])]), [null, null]);
    assert.doesNotThrow(() => ClientCertificate.from(withBits([0x07, 0x80])));
    assert.throws(() => ClientCertificate.from(withBits([0x00, 0x80])), /trailing zero bits/);
  });
});

function rewriteAt(root: Tlv, path: readonly number[], bytes: Buffer): Buffer {
  return rewrite(root, (_element, where) => (where.length === path.length && where.every((value, index) => value === path[index]) ? bytes : undefined));
}

/**
 * The response with its times in whole seconds: the test responder writes milliseconds, which
 * X.690 allows but the reference refuses, as RFC 6960 4.2.2.1 (times as in RFC 5280 4.1.2.5.2,
 * no fractional seconds) asks. The variants then differ from the response in one rule each.
 */
function wholeSeconds(response: Buffer): Buffer {
  const strip = (element: Tlv): Buffer | undefined => (element.tag === 0x18 ? tlv(0x18, Buffer.from(element.content.toString('latin1').replace(/\.\d+Z$/, 'Z'))) : undefined);
  const octets = childrenOf(childrenOf(childrenOf(parseTlv(response))[1]!)[0]!)[1]!;
  return rewriteAt(parseTlv(response), [1, 0, 1], tlv(0x04, rewrite(parseTlv(octets.content), strip)));
}
