// Hand-made DER for tests: a minimal-length encoder, a tree rewriter that re-encodes one element
// in a form of the caller's choosing, and re-signing, so a trusted CA can "issue" a certificate
// whose TBS holds a non-DER encoding that lenient parsers (OpenSSL, @peculiar) still read.
import { sign } from 'node:crypto';
import { childrenOf, parseTlv, type Tlv } from '../../src/certificate/der.js';
import type { TestCertificate } from './pki.js';

/** The DER length octets of `length`. */
export function lengthOctets(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One element: `tag`, minimal length, then `parts` concatenated. */
export function tlv(tag: number, ...parts: (Buffer | readonly number[])[]): Buffer {
  const content = Buffer.concat(parts.map((part) => Buffer.from(part)));
  return Buffer.concat([Buffer.from([tag]), lengthOctets(content.length), content]);
}

/** Bytes from a hex string, spaces allowed. */
export const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/**
 * Re-encodes `element` depth-first. `edit` gets each element with its path (child indexes from the
 * root) and returns replacement bytes, or `undefined` to keep it (constructed elements are rebuilt
 * from their possibly edited children, with minimal lengths).
 */
export function rewrite(element: Tlv, edit: (element: Tlv, path: readonly number[]) => Buffer | undefined, path: readonly number[] = []): Buffer {
  const replaced = edit(element, path);
  if (replaced !== undefined) return replaced;
  if (!element.constructed) return element.bytes;
  return tlv(element.tag, ...childrenOf(element).map((child, index) => rewrite(child, edit, [...path, index])));
}

/** `element` again with its length in long form over `octets` octets (non-minimal when it fits in fewer). */
export function longLength(element: Tlv, octets: number): Buffer {
  const length = Buffer.alloc(octets);
  length.writeUIntBE(element.content.length, 0, octets);
  return Buffer.concat([Buffer.from([element.tag, 0x80 | octets]), length, element.content]);
}

/**
 * A certificate with `tbs` replaced by `editTbs(tbs)` and signed again by `issuer` (ECDSA or RSA
 * PKCS#1 v1.5 with SHA-256, as the test PKI issues), outer SEQUENCE in DER.
 */
export function resign(certificate: TestCertificate, issuer: TestCertificate, editTbs: (tbs: Tlv) => Buffer): { der: Buffer; pem: string } {
  const [tbs, algorithm] = childrenOf(parseTlv(certificate.der));
  const edited = editTbs(tbs!);
  const signature = sign('sha256', edited, issuer.key);
  const der = tlv(0x30, edited, algorithm!.bytes, tlv(0x03, [0], signature));
  return { der, pem: `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n` };
}

/** The element at `path` under `root`. */
export function at(root: Tlv, ...path: number[]): Tlv {
  let element = root;
  for (const index of path) element = childrenOf(element)[index]!;
  return element;
}
