// The strict DER reader against an independent one: pyca/cryptography's X.509 parser (the Rust
// `asn1` crate, DER only; test/support/der_reference.py). Every element of real certificates,
// extension values included, is re-encoded in each BER form X.690 allows and DER forbids, one at a
// time, and both parsers must agree on every variant: accepted exactly when both accept.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ClientCertificate } from '../../src/certificate/certificate.js';
import { childrenOf, parseTlv, type Tlv } from '../../src/certificate/der.js';
import { lengthOctets, longLength, rewrite, tlv } from '../support/der.js';
import { createTestPki, issue, type TestCertificate } from '../support/pki.js';

const REFERENCE = fileURLToPath(new URL('../support/der_reference.py', import.meta.url));

/** The reference's verdict per certificate: `null` when it reads it, else its reason. */
function reference(certificates: readonly Buffer[]): (string | null)[] {
  try {
    return JSON.parse(execFileSync('python3', [REFERENCE], {
      input: certificates.map((der) => der.toString('hex')).join('\n'),
      maxBuffer: 64 * 1024 * 1024,
    }).toString()) as (string | null)[];
  } catch (cause) {
    throw new Error('the DER reference needs python3 with the cryptography package: pip install cryptography', { cause });
  }
}

/** Each non-DER re-encoding of one element that X.690 section 8 still reads. */
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

const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((value, index) => value === b[index]);

/**
 * Every variant of `der`: each liberty at each element; inside each extension's extnValue too
 * (RFC 5280 4.1: it holds DER of its own); and each DEFAULT written out (X.690 11.5).
 */
function variantsOf(der: Buffer): Variant[] {
  const root = parseTlv(der);
  const out: Variant[] = [];
  const walk = (element: Tlv, path: number[], emit: (rule: string, where: string, bytes: Buffer) => void): void => {
    for (const [rule, bytes] of liberties(element)) emit(rule, path.join('.'), bytes);
    if (element.constructed) childrenOf(element).forEach((child, index) => walk(child, [...path, index], emit));
  };
  childrenOf(root).forEach((child, index) => walk(child, [index], (rule, where, bytes) => {
    out.push({ rule, where, der: rewriteAt(root, where.split('.').map(Number), bytes) });
  }));
  const tbsFields = childrenOf(childrenOf(root)[0]!);
  out.push({ rule: 'version v1 written out', where: '0.0', der: rewriteAt(root, [0, 0], tlv(0xa0, [0x02, 0x01, 0x00])) });
  const listIndex = tbsFields.findIndex((field) => field.tag === 0xa3);
  childrenOf(childrenOf(tbsFields[listIndex]!)[0]!).forEach((extension, i) => {
    const parts = childrenOf(extension);
    const extensionPath = [0, listIndex, 0, i];
    const value = parts[parts.length - 1]!;
    out.push({ rule: 'critical FALSE written out', where: `extension ${i}`, der: rewriteAt(root, extensionPath, tlv(0x30, parts[0]!.bytes, [0x01, 0x01, 0x00], value.bytes)) });
    const inner = parseTlv(value.content);
    walk(inner, [], (rule, where, bytes) => {
      const replaced = where === '' ? bytes : rewriteAt(inner, where.split('.').map(Number), bytes);
      out.push({ rule, where: `extension ${i} value ${where}`, der: rewriteAt(root, [...extensionPath, parts.length - 1], tlv(0x04, replaced)) });
    });
  });
  return out;
}

function rewriteAt(root: Tlv, path: readonly number[], bytes: Buffer): Buffer {
  return rewrite(root, (_element, where) => (same(where, path) ? bytes : undefined));
}

describe('der: differential test against pyca/cryptography (Rust asn1, DER only)', function () {
  this.timeout(120_000);
  let certificates: TestCertificate[];

  before(async () => {
    const pki = await createTestPki();
    certificates = [
      pki.clientA,
      pki.intermediate,
      await issue({ subject: 'CN=svc+OU=unit+O=Example,C=GB', issuer: pki.intermediate, sans: [{ type: 'ip', value: '192.0.2.1' }, { type: 'url', value: 'https://client.example/' }] }),
      await issue({ subject: 'CN=rsa client,O=Example Bank,C=GB', issuer: pki.intermediate, keyAlgorithm: 'RSA-2048' }),
    ];
  });

  it('accepts and refuses the same re-encodings of real certificates', () => {
    const variants = certificates.flatMap((certificate) => [{ rule: 'as issued', where: '', der: certificate.der }, ...variantsOf(certificate.der)]);
    const verdicts = reference(variants.map((variant) => variant.der));
    const disagreements: string[] = [];
    const counts = { accepted: 0, refused: 0 };
    variants.forEach((variant, index) => {
      let ours: string | null = null;
      try {
        ClientCertificate.from(variant.der);
      } catch (error) {
        ours = (error as Error).message;
      }
      const theirs = verdicts[index]!;
      counts[ours === null ? 'accepted' : 'refused'] += 1;
      if ((ours === null) !== (theirs === null)) disagreements.push(`${variant.rule} at ${variant.where}: ours ${ours ?? 'accepted'}; cryptography ${theirs ?? 'accepted'}`);
    });
    assert.deepEqual(disagreements, []);
    assert.ok(counts.refused > 500 && counts.accepted === certificates.length, JSON.stringify(counts));
  });

  it('the one known difference: keyUsage with trailing zero bits, which the reference reads as any BIT STRING', () => {
    // X.690 11.2.2: a named bit list (keyUsage is one, RFC 5280 4.2.1.3) drops its trailing zero
    // bits, so digitalSignature alone is 03 02 07 80. The Rust asn1 crate reads the BIT STRING
    // without its named-bit type and accepts 03 02 00 80; we refuse it, as X.690 requires.
    const root = parseTlv(certificates[0]!.der);
    const tbsFields = childrenOf(childrenOf(root)[0]!);
    const listIndex = tbsFields.findIndex((field) => field.tag === 0xa3);
    const keyUsageIndex = childrenOf(childrenOf(tbsFields[listIndex]!)[0]!).findIndex((extension) => childrenOf(extension)[0]!.content.equals(Buffer.from([0x55, 0x1d, 0x0f])));
    const withBits = (bits: number[]) => rewriteAt(root, [0, listIndex, 0, keyUsageIndex, 2], tlv(0x04, tlv(0x03, bits)));
    assert.deepEqual(reference([withBits([0x07, 0x80]), withBits([0x00, 0x80])]), [null, null]);
    assert.doesNotThrow(() => ClientCertificate.from(withBits([0x07, 0x80])));
    assert.throws(() => ClientCertificate.from(withBits([0x00, 0x80])), /trailing zero bits/);
  });
});
